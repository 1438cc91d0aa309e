"""The probes' toolbox: the chains J and P of docs/platform.md §13, the requests they send, and records
that exist only while one probe needs them.

Every record is made by the one provisioner (written to the run's ledger as
soon as it exists). A probe changes only records of this run, and puts back
what it changed before the next probe starts; when that fails, the run stops
(:class:`RestoreFailed`), because every later answer could be wrong.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

import requests

from ..client import (
    Chain,
    GrantApp,
    Keystore,
    Provisioner,
    ProvisioningError,
    Secret,
    Variant,
    basic_header,
    build_claims,
    enable_client_credentials,
    provision_grant_app,
    sign,
    token_form,
)
from ..crypto.jose import JWT_BEARER_GRANT_TYPE
from .answers import Answer, Masker, SyslogReader
from .outcome import Evidence, SpecDefect, Undecided

T = TypeVar("T")
#: docs/platform.md §2: the Table API's 401 body, for a refused Bearer token too.
NOT_AUTHENTICATED = {"error": {"message": "User Not Authenticated", "detail": "Required to provide Auth information"},
                     "status": "failure"}
#: A random value in the shape of the platform's tokens (86 base64url characters, docs/platform.md §4 step 13).
TOKEN_LENGTH = 86
_CHAIN_KID = object()


def random_token() -> str:
    """86 base64url characters that no instance issued."""
    return secrets.token_urlsafe(64)[:TOKEN_LENGTH]


class RestoreFailed(Exception):
    """A record of this run could not be put back after a probe changed it: the run stops here."""


class ProbeContext:
    """What every probe works with: the instance, its chains, and a request log that becomes evidence."""

    def __init__(self, url: str, admin: requests.Session, http: requests.Session, provisioner: Provisioner,
                 keystore: Keystore, *, gap: float = 1.0) -> None:
        self.url = url.rstrip("/")
        self.token_url = f"{self.url}/oauth_token.do"
        self.admin = provisioner.client
        self.http = http
        self.provisioner = provisioner
        #: Chain J's key pair and certificate (the provisioner's keystore).
        self.keystore = keystore
        #: Seconds between the two requests of a re-use probe ("a few seconds apart", docs/platform.md §13).
        self.gap = gap
        self.masker = Masker()
        self.syslog = SyslogReader(admin, self.url)
        #: The current probe's requests and answers.
        self.evidence: list[Evidence] = []
        #: Records a probe could not delete at once (left to the teardown).
        self.problems: list[str] = []
        self._memo: dict[str, Any] = {}
        self._chain: Chain | None = None
        self._app: GrantApp | None = None

    def set_up(self) -> None:
        """Provision chain J (jwt-bearer) and app P (the user grants) for the same non-admin user."""
        self._chain = self.provisioner.provision(Variant())
        self._app = provision_grant_app(self.provisioner, self._chain)
        self.masker.add(self._chain.client_secret, self._chain.user_password, self._app.client_secret)
        self.syslog.start()

    @property
    def chain(self) -> Chain:
        if self._chain is None:
            raise RuntimeError("set_up() first")
        return self._chain

    @property
    def app(self) -> GrantApp:
        if self._app is None:
            raise RuntimeError("set_up() first")
        return self._app

    # -- the token endpoint ----------------------------------------------------

    def token(self, what: str, form: Mapping[str, str], *, basic: tuple[str, Secret | str] | None = None,
              headers: Mapping[str, str] | None = None, as_json: bool = False) -> Answer:
        """POST ``form`` to ``/oauth_token.do`` (as JSON with ``as_json``); its answer joins the evidence."""
        sent = dict(headers or {})
        if basic is not None:
            user, password = basic
            sent["Authorization"] = basic_header(user, password.reveal() if isinstance(password, Secret) else password)
        body = {"json": dict(form)} if as_json else {"data": dict(form)}
        response = self.http.post(self.token_url, headers=sent, allow_redirects=False, **body)
        answer = self._answer(response, "the token endpoint")
        syslog = self.syslog.new_messages() if answer.status >= 400 else ""
        self.evidence.append(self.masker.evidence(f"POST /oauth_token.do, {what}", answer, syslog=syslog))
        return answer

    def assertion(self, *, claims: Mapping[str, Any] | None = None, drop: tuple[str, ...] = (), key: Any = None,
                  algorithm: str | None = None, kid: Any = _CHAIN_KID, headers: Mapping[str, Any] | None = None) -> str:
        """A good assertion of chain J (fresh jti and times), with ``claims`` changed and ``drop`` left out."""
        chain = self.chain
        values = build_claims(chain.client_id, chain.user)
        values.update(claims or {})
        for name in drop:
            values.pop(name, None)
        return sign(values, chain.key if key is None else key, algorithm or chain.algorithm,
                    kid=chain.kid if kid is _CHAIN_KID else kid, headers=headers)

    def exchange(self, what: str, assertion: str | None = None, *, client: bool = True, **options: Any) -> Answer:
        """A jwt-bearer request of chain J (``client=False``: no client id and secret in the form)."""
        assertion = assertion if assertion is not None else self.assertion()
        form = (token_form(self.chain.client_id, assertion, self.chain.client_secret) if client
                else {"grant_type": JWT_BEARER_GRANT_TYPE, "assertion": assertion})
        return self.token(what, form, **options)

    def client_fields(self) -> dict[str, str]:
        return {"client_id": self.app.client_id, "client_secret": self.app.client_secret.reveal()}

    def password_grant(self, what: str = "a good password grant", *, username: str | None = None,
                       password: str | None = None, client: bool = True, **options: Any) -> Answer:
        """A password grant of app P (``client=False``: no client id and secret in the form)."""
        form = {"grant_type": "password", "username": self.app.user_name if username is None else username,
                "password": self.app.user_password.reveal() if password is None else password}
        return self.token(what, {**form, **(self.client_fields() if client else {})}, **options)

    def refresh(self, what: str, refresh_token: str, *, client: bool = True, **options: Any) -> Answer:
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        return self.token(what, {**form, **(self.client_fields() if client else {})}, **options)

    def tokens(self, what: str = "a good password grant") -> tuple[str, str]:
        """A good password grant's (access token, refresh token); :class:`Undecided` when it is refused."""
        answer = self.password_grant(what)
        access, refresh = answer.member("access_token"), answer.member("refresh_token")
        if answer.status != 200 or not isinstance(access, str) or not isinstance(refresh, str):
            raise Undecided(f"a good password grant got HTTP {answer.status} without both tokens, so the probe "
                            "has nothing to work with")
        return access, refresh

    # -- other endpoints -------------------------------------------------------

    def revoke(self, what: str, token: str) -> Answer:
        """``GET /oauth_revoke_token.do?token=`` (docs/platform.md §10.5): no authentication."""
        response = self.http.get(f"{self.url}/oauth_revoke_token.do", params={"token": token}, allow_redirects=False)
        answer = self._answer(response, "the revoke endpoint")
        self.evidence.append(self.masker.evidence(f"GET /oauth_revoke_token.do?token=<{what}>", answer))
        return answer

    def use_token(self, what: str, token: str) -> Answer:
        """``GET /api/now/table/sys_user?sysparm_limit=1`` with ``Authorization: Bearer <token>``."""
        response = self.http.get(f"{self.url}/api/now/table/sys_user", params={"sysparm_limit": "1"},
                                 headers={"Authorization": f"Bearer {token}"}, allow_redirects=False)
        answer = self._answer(response, "the Table API")
        challenge = answer.headers.get("WWW-Authenticate", "")
        self.evidence.append(self.masker.evidence(
            f"GET /api/now/table/sys_user?sysparm_limit=1, Bearer <{what}>", answer,
            header=f"WWW-Authenticate: {challenge}" if challenge else ""))
        return answer

    def call(self, what: str, method: str, path: str, *, token: str | None = None, **options: Any) -> Answer:
        """``method path`` as the admin, or with ``Authorization: Bearer <token>``; ``what`` (the request as the
        evidence shows it, no secret in it) and the answer join the evidence."""
        session = self.http if token is not None else self.admin.session
        headers = {**options.pop("headers", {}), **({"Authorization": f"Bearer {token}"} if token else {})}
        response = session.request(method, f"{self.url}{path}", headers=headers, allow_redirects=False, **options)
        answer = self._answer(response, path.split("?", 1)[0])
        self.evidence.append(self.masker.evidence(f"{method} {what}", answer))
        return answer

    def properties(self, *names: str) -> dict[str, str]:
        """The values of the ``sys_properties`` rows named ``names`` that exist (read as the admin)."""
        rows = self.admin.query("sys_properties", f"nameIN{','.join(names)}", "name,value")
        return {row["name"]: str(row.get("value", "")) for row in rows if row.get("name") in names}

    def _answer(self, response: requests.Response, where: str) -> Answer:
        if response.is_redirect:
            response.close()
            raise Undecided(f"{where} redirected (HTTP {response.status_code}): a login page or a sleeping "
                            "instance, not an answer of the platform")
        answer = Answer.of(response)
        self.masker.learn(answer)
        return answer

    # -- records -----------------------------------------------------------------

    @contextmanager
    def temporary(self, table: str, values: Mapping[str, Any], *,
                  input_display_value: bool = False) -> Iterator[dict[str, Any]]:
        """A record of this run for the block's duration (ledgered; deleted at the block's end)."""
        record = self.provisioner.create(table, values, input_display_value=input_display_value)
        try:
            yield record
        finally:
            self.problems += self.provisioner.remove(table, record["sys_id"])

    @contextmanager
    def changed(self, table: str, sys_id: str, values: Mapping[str, Any], restore: Mapping[str, Any]) -> Iterator[None]:
        """``values`` on a record of this run for the block's duration, then ``restore``.

        Only for records the provisioner made (their sys_ids are this run's): never an existing record.
        """
        if (table, sys_id) not in self.provisioner.created:
            raise ValueError(f"{table} {sys_id} is not a record of this run")
        self.admin.update(table, sys_id, values)
        try:
            yield
        finally:
            try:
                self.admin.update(table, sys_id, restore)
            except (ProvisioningError, requests.RequestException) as e:
                raise RestoreFailed(f"putting back {', '.join(restore)} on {table} {sys_id} failed: "
                                    f"{self.masker.text(str(e))}") from None

    def enable_client_credentials(self) -> None:
        """Client credentials on (*instance-wide*): the property is created when absent and deleted at the
        teardown; an instance whose admin set it otherwise is left alone (:class:`Undecided`)."""
        problem = self.once("client_credentials", lambda: enable_client_credentials(self.provisioner))
        if problem is not None:
            raise Undecided(problem)

    # -- helpers -----------------------------------------------------------------

    def once(self, key: str, make: Callable[[], T]) -> T:
        """``make()`` the first time, the same value later (one observation that feeds two settings)."""
        if key not in self._memo:
            self._memo[key] = (make(), list(self.evidence))
        value, evidence = self._memo[key]
        if not self.evidence:
            self.evidence.extend(evidence)
        return value  # type: ignore[no-any-return]

    def pause(self) -> None:
        """Wait between the two requests of a re-use probe."""
        time.sleep(self.gap)


def granted(answer: Answer) -> bool:
    """True for 200 with a token, False for a refusal; any other answer is a spec defect.

    docs/platform.md §4 refuses with 401; a refusal is read from any 4xx, because an instance may answer
    some reasons otherwise (``refusal_bodies``), and that is decided by its own probe, not this one.
    """
    if answer.status == 200 and answer.member("access_token"):
        return True
    if 400 <= answer.status < 500:
        return False
    raise SpecDefect(f"the token endpoint answered HTTP {answer.status}, neither a token nor a refusal "
                     "(docs/platform.md §4)")


def agreeing(readings: list[bool], what: str) -> bool:
    """The one value several readings of a setting share; :class:`SpecDefect` when they disagree."""
    if len(set(readings)) != 1:
        raise SpecDefect(f"{what} disagree ({', '.join(str(r).lower() for r in readings)})")
    return readings[0]
