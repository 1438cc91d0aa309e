"""``/oauth_token.do`` with the JWT bearer grant, and access tokens in use.

PLATFORM.md §4 (the checks, in order), §5 (using and revoking tokens) and §9
(settings). No HTTP objects here: the app hands over the form fields and
headers, and gets a token response or a :class:`~mock_instance.platform.refusals.Refusal`
(whose codes are in :mod:`mock_instance.platform.refusals`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import secrets
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from ..web.auth import roles_of, user_is_usable
from ..crypto.certs import EC_CURVES
from ..tables.clock import format_glide, parse_glide
from ..tables.errors import NotAuthenticated
from ..crypto.keystores import KeyMaterialError
from ..platform.refusals import (
    ACCESS_TOKEN_REASONS,
    REASONS,
    RECENT_REFUSALS,
    REFUSAL_BODY,
    REFUSAL_STATUS,
    SYSLOG_SOURCE,
    Refusal,
    RefusalRecord,
)
from ..platform.rules import certificate_of
from ..tables.fields import ADMIN_ROLE, REFERENCE
from ..crypto.secret import Secret
from ..tables.store import Record, Store

if TYPE_CHECKING:
    from ..instance import MockInstance

#: RFC 7523 §2.1.
JWT_BEARER_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"
#: PLATFORM.md §4 step 4: certificate keys [DOC] and the verifier map's shared key.
RSA_ALGORITHMS = frozenset({"RS256", "RS384", "RS512"})
EC_ALGORITHMS = EC_CURVES
HMAC_DIGESTS = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}
HMAC_ALGORITHMS = frozenset(HMAC_DIGESTS)
ALLOWED_ALGORITHMS = RSA_ALGORITHMS | set(EC_ALGORITHMS) | HMAC_ALGORITHMS
#: PLATFORM.md §4 step 13: 64 random bytes, base64url without padding: 86 characters [OBS].
TOKEN_BYTES = 64
SCOPE = "useraccount"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class TokenRequest:
    """What the token endpoint read from the HTTP request."""

    content_type: str
    form: Mapping[str, str]
    #: The ``Authorization`` header (HTTP Basic client authentication).
    authorization: str | None = None
    #: PySNC's ``Authentication: Bearer <jwt>`` header.
    authentication: str | None = None
    #: The token endpoint's own URL, for the optional token-URL ``aud``.
    token_url: str = ""


@dataclass
class _Verified:
    app: Record
    claims: dict[str, Any]
    jti: str | None


def new_access_token() -> str:
    """An opaque token as the platform issues them: 86 base64url characters."""
    return base64.urlsafe_b64encode(secrets.token_bytes(TOKEN_BYTES)).rstrip(b"=").decode()


def as_int(value: Any, default: int) -> int:
    """A stored integer field; the default when it holds something else."""
    try:
        return int(str(value).strip())
    except ValueError:
        return default


def _show(value: Any, limit: int = 80) -> str:
    # Claim values come from the client: show them, shortened, in sentences.
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class TokenService:
    """The instance's OAuth side: exchanges, access-token checks, jtis, refusals, cleanup."""

    def __init__(self, instance: MockInstance) -> None:
        self._instance = instance
        self._jtis: dict[tuple[str, str], float] = {}
        self._refusals: deque[RefusalRecord] = deque(maxlen=RECENT_REFUSALS)
        self._refusals_lock = threading.Lock()
        self._last_cleanup = 0.0

    @property
    def store(self) -> Store:
        return self._instance.store

    # -- refusals ---------------------------------------------------------------

    def refusals(self) -> list[RefusalRecord]:
        """Recent refusals, oldest first."""
        with self._refusals_lock:
            return list(self._refusals)

    def clear_refusals(self) -> None:
        with self._refusals_lock:
            self._refusals.clear()

    def _remember(self, refusal: Refusal, source: str) -> None:
        with self._refusals_lock:
            self._refusals.append(RefusalRecord(refusal.code, refusal.sentence, self._instance.clock.time(), source))

    # -- the grant ----------------------------------------------------------------

    def exchange(self, request: TokenRequest) -> dict[str, Any]:
        """Exchange a JWT assertion for an access token, or raise :class:`Refusal` (already logged)."""
        try:
            return self._exchange(request)
        except Refusal as refusal:
            self.refuse(refusal)
            raise

    def refuse(self, refusal: Refusal) -> None:
        """Log a token refusal as the platform does (one syslog row) and remember it."""
        with self.store.lock:
            self.store.insert("syslog", {"level": "error", "source": SYSLOG_SOURCE,
                                         "message": f"[{refusal.code}] {refusal.sentence}"})
        self._remember(refusal, SYSLOG_SOURCE)

    def _exchange(self, request: TokenRequest) -> dict[str, Any]:
        settings = self._instance.settings
        # Step 1: a form body with the jwt-bearer grant and an assertion.
        if request.content_type != FORM_CONTENT_TYPE:
            raise Refusal("request_not_form", f"Content-Type {request.content_type or 'none'!r} is not "
                          f"{FORM_CONTENT_TYPE}; the token endpoint reads the form body only")
        form = request.form
        grant = form.get("grant_type")
        if grant != JWT_BEARER_GRANT_TYPE:
            shown = "missing" if grant is None else _show(grant)
            raise Refusal("grant_type_unsupported", f"grant_type {shown} is not {JWT_BEARER_GRANT_TYPE}")
        assertion = form.get("assertion") or ""
        if not assertion and request.authentication:
            scheme, _, value = request.authentication.strip().partition(" ")
            if not settings.accept_pysnc_header:
                raise Refusal("assertion_header_refused", "the JWT came in an 'Authentication' header (PySNC's "
                              "ServiceNowJWTAuth); set accept_pysnc_header to accept it")
            if scheme.lower() == "bearer":
                assertion = value.strip()
        if not assertion:
            raise Refusal("assertion_missing", "the form has no assertion" if "assertion" not in form
                          else "the assertion parameter is empty")

        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        if client_id is None and request.authorization:
            client_id, client_secret = self._basic_client(request.authorization)

        with self.store.lock:
            app = self._app(client_id, assertion)
            # Step 3: the client secret, unless a public client.
            if app["public_client"] != "true":
                if client_secret is None or client_secret == "":
                    raise Refusal("client_secret_missing", f"app {app['name']!r} is not a public client and the "
                                  "request has no client_secret")
                if not app["client_secret"].matches(client_secret):
                    raise Refusal("client_secret_invalid", f"the client_secret does not match app {app['name']!r}")
            header = self._header(assertion)
            alg = header["alg"]
            vmap = self._verifier_map(app, header)
            key = self._key(vmap, alg)
        # Step 6, outside the lock: the signature (the only costly check).
        claims = self._verify(assertion, key, alg, vmap)
        with self.store.lock:
            verified = self._check_claims(app, claims, request.token_url)
            user = self._user(app, claims)
            return self._issue(verified, user)

    def _basic_client(self, authorization: str) -> tuple[str | None, str | None]:
        scheme, _, encoded = authorization.strip().partition(" ")
        if scheme.lower() != "basic":
            return None, None
        if not self._instance.settings.accept_basic_client_auth:
            raise Refusal("client_auth_basic_refused", "the client id and secret came as HTTP Basic; set "
                          "accept_basic_client_auth to accept them, or send client_id and client_secret in the form")
        try:
            user, sep, password = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise Refusal("client_auth_basic_refused", "the Basic client credentials are not base64 "
                          "of client_id:client_secret") from None
        # RFC 6749 §2.3.1: both parts are form-urlencoded before the Basic encoding.
        return unquote_plus(user), unquote_plus(password) if sep else None

    def _app(self, client_id: str | None, assertion: str) -> Record:
        store = self.store
        if client_id:
            apps = store.find("oauth_entity", "client_id", client_id)
            jwt_apps = [a for a in apps if a["sys_class_name"] == "oauth_jwt"]
            if not jwt_apps:
                what = "an application registry of another type" if apps else "no application registry"
                raise Refusal("client_unknown", f"client_id {_show(client_id)} belongs to {what}; the "
                              "token endpoint needs an 'OAuth JWT API endpoint for external clients'")
            app = jwt_apps[0]
        else:
            app = self._public_app(assertion)
        if app["active"] != "true":
            raise Refusal("client_inactive", f"app {app['name']!r} (client_id {app['client_id']}) is inactive")
        return app

    def _public_app(self, assertion: str) -> Record:
        if not self._instance.settings.public_client_lookup_by_aud:
            raise Refusal("client_id_missing", "the form has no client_id (public-client lookup by aud is off)")
        claims = self._unverified_claims(assertion)
        aud = claims.get("aud")
        wanted = [a for a in (aud if isinstance(aud, list) else [aud]) if isinstance(a, str) and a]
        found = {}
        for client_id in wanted:
            for app in self.store.find("oauth_jwt", "client_id", client_id):
                if app["public_client"] == "true":
                    found[app["sys_id"]] = app
        if not found:
            raise Refusal("public_client_not_found", f"the form has no client_id and no public client has a "
                          f"client_id in aud {_show(aud)}")
        if len(found) > 1:
            raise Refusal("public_client_ambiguous", f"the form has no client_id and {len(found)} public "
                          f"clients match aud {_show(aud)}")
        return next(iter(found.values()))

    def _unverified_claims(self, assertion: str) -> dict[str, Any]:
        try:
            claims = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.PyJWTError as e:
            raise Refusal("assertion_malformed", f"the assertion is not a JWT: {e}") from e
        return claims

    def _header(self, assertion: str) -> dict[str, Any]:
        # Step 4: the JWT parses and its alg is allowed. The header is read here
        # by hand; PyJWT parses (and validates) the whole token once, in _verify.
        header = parse_header(assertion)
        alg = header.get("alg")
        if alg not in ALLOWED_ALGORITHMS:
            raise Refusal("alg_not_allowed", f"header alg {_show(alg)} is not one of "
                          f"{', '.join(sorted(ALLOWED_ALGORITHMS))}")
        return header

    def _verifier_map(self, app: Record, header: dict[str, Any]) -> Record:
        # Step 5: the verifier map by kid.
        maps = self.store.find("jwt_verifier_map", "oauth_jwt", app["sys_id"])
        if "kid" in header:
            kid = header["kid"]
            for vmap in maps:
                if isinstance(kid, str) and vmap["kid"] == kid:
                    return vmap
            raise Refusal("kid_unknown", f"header kid {_show(kid)} matches none of the {len(maps)} JWT verifier "
                          f"map(s) of app {app['name']!r}")
        if len(maps) == 1 and self._instance.settings.accept_kidless_single_map:
            return maps[0]
        why = ("a kid-less JWT is accepted only when the app has exactly one verifier map"
               if self._instance.settings.accept_kidless_single_map else "kid-less JWTs are refused (setting)")
        raise Refusal("kid_missing", f"the header has no kid and app {app['name']!r} has {len(maps)} verifier "
                      f"map(s); {why}")

    def _key(self, vmap: Record, alg: str) -> Any:
        settings = self._instance.settings
        store = self.store
        cert_id = vmap["sys_certificate"]
        if alg in HMAC_ALGORITHMS:
            if cert_id and not settings.allow_hs_with_certificate:
                raise Refusal("shared_key_refused", f"{alg} on verifier map {vmap['name']!r}, which has a "
                              "certificate; HS* uses the shared key only on maps without one")
            if not vmap["shared_key"]:
                raise Refusal("shared_key_missing", f"{alg} but verifier map {vmap['name']!r} has no shared key")
            return vmap["shared_key"]
        record = store.get("sys_certificate", cert_id) if cert_id else None
        if record is None:
            raise Refusal("certificate_missing", f"{alg} but verifier map {vmap['name']!r} has no certificate")
        try:
            cert = certificate_of(store, record)
        except KeyMaterialError as e:
            raise Refusal("certificate_unreadable", f"certificate {record['name']!r} of verifier map "
                          f"{vmap['name']!r}: {e}") from e
        if settings.refuse_inactive_or_expired_certificate:
            if record["active"] != "true":
                raise Refusal("certificate_inactive", f"certificate {record['name']!r} is inactive")
            now = self._instance.clock.time()
            if not cert.not_valid_before_utc.timestamp() <= now <= cert.not_valid_after_utc.timestamp():
                raise Refusal("certificate_expired", f"certificate {record['name']!r} is valid from "
                              f"{cert.not_valid_before_utc:%Y-%m-%d %H:%M:%S} to "
                              f"{cert.not_valid_after_utc:%Y-%m-%d %H:%M:%S} UTC, not at "
                              f"{format_glide(now)}")
        public_key = cert.public_key()
        if alg in RSA_ALGORITHMS and not isinstance(public_key, rsa.RSAPublicKey):
            raise Refusal("key_type_mismatch", f"{alg} needs an RSA key; certificate {record['name']!r} has "
                          f"{_key_kind(public_key)}")
        if alg in EC_ALGORITHMS:
            if not isinstance(public_key, ec.EllipticCurvePublicKey):
                raise Refusal("key_type_mismatch", f"{alg} needs an EC key; certificate {record['name']!r} has "
                              f"{_key_kind(public_key)}")
            if not isinstance(public_key.curve, EC_ALGORITHMS[alg]):
                raise Refusal("key_type_mismatch", f"{alg} needs curve {EC_ALGORITHMS[alg].name}; certificate "
                              f"{record['name']!r} has {public_key.curve.name}")
        return public_key

    def _verify(self, assertion: str, key: Any, alg: str, vmap: Record) -> dict[str, Any]:
        if isinstance(key, Secret):
            return self._verify_hmac(assertion, key, alg, vmap)
        try:
            return jwt.decode(assertion, key, algorithms=[alg], options={
                "verify_exp": False, "verify_nbf": False, "verify_iat": False, "verify_aud": False,
                "verify_iss": False, "verify_jti": False, "verify_sub": False, "require": [],
            })
        except jwt.InvalidSignatureError as e:
            raise Refusal("signature_invalid", f"the {alg} signature does not verify with verifier map "
                          f"{vmap['name']!r} (kid {vmap['kid']})") from e
        except jwt.InvalidKeyError as e:
            raise Refusal("signature_invalid", f"the {alg} key of verifier map {vmap['name']!r} cannot verify: {e}") from e
        except jwt.PyJWTError as e:
            raise Refusal("assertion_malformed", f"the assertion cannot be decoded: {e}") from e

    def _verify_hmac(self, assertion: str, key: Secret, alg: str, vmap: Record) -> dict[str, Any]:
        # By hand rather than through PyJWT, which warns on keys shorter than the
        # digest: the platform takes any shared key, and so does the mock.
        signing_input, _, signature = assertion.rpartition(".")
        digest = HMAC_DIGESTS[alg]
        expected = hmac.new(key.reveal().encode(), signing_input.encode(), digest).digest()
        try:
            given = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
        except (binascii.Error, ValueError):
            given = b""
        if not hmac.compare_digest(expected, given):
            raise Refusal("signature_invalid", f"the {alg} signature does not verify with the shared key of "
                          f"verifier map {vmap['name']!r} (kid {vmap['kid']})")
        return self._unverified_claims(assertion)

    def _check_claims(self, app: Record, claims: dict[str, Any], token_url: str) -> _Verified:
        settings = self._instance.settings
        client_id = app["client_id"]
        # Step 7: aud.
        aud = claims.get("aud")
        accepted = {client_id} | ({token_url} if settings.accept_token_url_aud and token_url else set())
        if not (isinstance(aud, str) and aud in accepted
                or settings.accept_aud_list and isinstance(aud, list) and accepted.intersection(
                    a for a in aud if isinstance(a, str))):
            raise Refusal("aud_mismatch", "the assertion has no aud" if aud is None else
                          f"aud {_show(aud)} is not the client_id {client_id}")
        validations = self.store.find("oauth_jwt_claim_validation", "oauth_jwt", app["sys_id"])
        # Step 8: iss.
        iss = claims.get("iss")
        iss_values = {v["value"] for v in validations if v["name"] == "iss"}
        if not isinstance(iss, str) or (iss != client_id and iss not in iss_values):
            extra = f" or an iss claim validation ({len(iss_values)})" if iss_values else ""
            raise Refusal("iss_mismatch", f"iss {_show(iss)} is not the client_id {client_id}{extra}")
        # Step 9: times, with the app's clock skew.
        now = self._instance.clock.time()
        skew = as_int(app["clock_skew"], 300)
        exp = claims.get("exp")
        if not _is_number(exp):
            raise Refusal("exp_missing", "the assertion has no exp" if exp is None else f"exp {_show(exp)} is not a number")
        if now > exp + skew:
            raise Refusal("token_expired", f"exp {format_glide(exp)} plus clock skew {skew}s is before now "
                          f"({format_glide(now)}); expired {int(now - exp)}s ago")
        nbf = claims.get("nbf")
        if nbf is not None and (not _is_number(nbf) or now < nbf - skew):
            raise Refusal("token_not_yet_valid", f"nbf {_show(nbf)} minus clock skew {skew}s is after now "
                          f"({format_glide(now)})")
        if settings.check_iat:
            iat = claims.get("iat")
            if iat is not None and (not _is_number(iat) or iat > now + skew):
                raise Refusal("iat_in_future", f"iat {_show(iat)} is after now ({format_glide(now)}) plus "
                              f"clock skew {skew}s")
        # Step 10: custom claim validations.
        for v in validations:
            name = v["name"]
            if name in ("", "iss"):
                continue
            actual = claims.get(name)
            if actual != v["value"] and not (isinstance(actual, list) and v["value"] in actual) \
                    and not (actual is not None and not isinstance(actual, str | list) and str(actual) == v["value"]):
                raise Refusal("claim_mismatch", f"claim {name!r} is {_show(actual)}, the app's claim "
                              f"validation wants {v['value']!r}")
        # Step 11: jti (recorded only when a token is issued, in _issue).
        jti = None
        if app["enable_jti_verification"] == "true":
            jti_claim = app["jti_claim"] or "jti"
            raw = claims.get(jti_claim)
            if raw is None:
                if not settings.accept_missing_jti:
                    raise Refusal("jti_missing", f"JTI verification is on and the assertion has no {jti_claim!r}")
            else:
                jti = raw if isinstance(raw, str) else repr(raw)
                if (app["sys_id"], jti) in self._jtis:
                    raise Refusal("jti_replayed", f"{jti_claim} {_show(jti)} was already used for app "
                                  f"{app['name']!r}; every assertion needs a fresh jti")
        return _Verified(app, claims, jti)

    def _user(self, app: Record, claims: dict[str, Any]) -> Record:
        # Step 12: the user, by the app's User field.
        settings = self._instance.settings
        store = self.store
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub:
            raise Refusal("sub_missing", "the assertion has no sub" if sub is None else f"sub {_show(sub)} is not "
                          "a non-empty string")
        user_field = app["user_field"] or "email"
        f = store.fields("sys_user").get(user_field)
        if f is None or f.kind == REFERENCE or f.name == "user_password":
            raise Refusal("user_field_invalid", f"app {app['name']!r} has User field {user_field!r}, which is not "
                          "a sys_user column")
        if settings.user_lookup_case_sensitive:
            users = store.find("sys_user", user_field, sub)
        else:
            folded = sub.casefold()
            users = [u for u in store.records("sys_user") if u[user_field].casefold() == folded]
        if not users:
            raise Refusal("user_not_found", f"no sys_user has {user_field} = {sub!r} (the app's User field is "
                          f"{user_field!r})")
        if len(users) > 1 and settings.refuse_duplicate_users:
            raise Refusal("user_ambiguous", f"{len(users)} sys_user records have {user_field} = {sub!r}")
        user = users[0]
        if user["active"] != "true":
            raise Refusal("user_inactive", f"user {user['user_name']!r} is inactive")
        if user["locked_out"] == "true":
            raise Refusal("user_locked_out", f"user {user['user_name']!r} is locked out")
        if settings.refuse_admin_subjects and ADMIN_ROLE in roles_of(store, user["sys_id"]):
            raise Refusal("user_is_admin", f"user {user['user_name']!r} has the admin role: Granting JWT to "
                          "admin is not allowed")
        return user

    def _issue(self, verified: _Verified, user: Record) -> dict[str, Any]:
        # Step 13, atomic with the jti record (the caller holds the store lock).
        store = self.store
        app = verified.app
        now = self._instance.clock.time()
        self._maybe_cleanup(now)
        lifespan = as_int(app["access_token_lifespan"], 1800)
        if verified.jti is not None:
            skew = as_int(app["clock_skew"], 300)
            self._jtis[(app["sys_id"], verified.jti)] = float(verified.claims["exp"]) + skew
        if self._instance.settings.reuse_live_access_token:
            for cred in store.find("oauth_credential", "user", user["sys_id"]):
                expires = parse_glide(cred["expires"]) or 0
                if cred["peer"] == app["sys_id"] and cred["type"] == "access_token" and expires > now:
                    return _token_body(cred["token"].reveal(), math.ceil(expires - now) - 1)
        token = new_access_token()
        store.insert("oauth_credential", {
            "token": token, "type": "access_token", "expires": format_glide(now + lifespan),
            "peer": app["sys_id"], "user": user["sys_id"], "scopes": SCOPE, "client_id": app["client_id"],
        }, actor=user["user_name"])
        return _token_body(token, lifespan - 1)

    # -- tokens in use ------------------------------------------------------------

    def user_for_access_token(self, token: str) -> Record:
        """The user behind a live access token, or :class:`NotAuthenticated` (PLATFORM.md §5)."""
        try:
            return self._user_for_access_token(token)
        except Refusal as refusal:
            self._remember(refusal, "rest_api")
            raise NotAuthenticated(str(refusal)) from None

    def _user_for_access_token(self, token: str) -> Record:
        store = self.store
        creds = [c for c in store.find("oauth_credential", "token", token) if c["type"] == "access_token"] \
            if token else []
        if not creds:
            raise Refusal("access_token_unknown", "the Bearer token is not a known access token")
        cred = creds[0]
        expires = parse_glide(cred["expires"])
        if expires is None or self._instance.clock.time() >= expires:
            raise Refusal("access_token_expired", f"the access token expired at {cred['expires']} UTC")
        app = store.get("oauth_entity", cred["peer"])
        if app is None or app["active"] != "true":
            raise Refusal("access_token_app_inactive", "the access token's application registry is inactive or gone")
        user = store.get("sys_user", cred["user"])
        if not user_is_usable(user):
            raise Refusal("access_token_user_inactive", "the access token's user is inactive, locked out or gone")
        return user  # type: ignore[return-value]

    def revoke(self, token: str) -> None:
        """``/oauth_revoke_token.do``: the credential expires now (unknown tokens are ignored)."""
        store = self.store
        with store.lock:
            for cred in store.find("oauth_credential", "token", token) if token else []:
                store.update("oauth_credential", cred["sys_id"],
                             {"expires": format_glide(self._instance.clock.time())}, actor="system")

    # -- memory ----------------------------------------------------------------------

    def _maybe_cleanup(self, now: float) -> None:
        if now - self._last_cleanup >= self._instance.settings.cleanup_interval:
            self.cleanup()

    def cleanup(self) -> tuple[int, int]:
        """The platform's cleanup job: delete expired credentials, forget expired jtis.

        Runs by itself every ``cleanup_interval`` seconds of instance time (checked
        at each exchange). Returns (credentials deleted, jtis forgotten).
        """
        store = self.store
        with store.lock:
            now = self._instance.clock.time()
            self._last_cleanup = now
            expired = [c["sys_id"] for c in store.records("oauth_credential")
                       if (parse_glide(c["expires"]) or 0) <= now]
            for sys_id in expired:
                store.delete("oauth_credential", sys_id)
            stale = [key for key, until in self._jtis.items() if until < now]
            for key in stale:
                del self._jtis[key]
            return len(expired), len(stale)

    @property
    def remembered_jtis(self) -> int:
        """How many jtis are remembered (bounded by :meth:`cleanup`)."""
        return len(self._jtis)

    def snapshot(self) -> tuple[dict[tuple[str, str], float], float]:
        with self.store.lock:
            return dict(self._jtis), self._last_cleanup

    def restore(self, state: tuple[dict[tuple[str, str], float], float]) -> None:
        with self.store.lock:
            self._jtis = dict(state[0])
            self._last_cleanup = state[1]
        self.clear_refusals()


def parse_header(assertion: str) -> dict[str, Any]:
    """A compact JWS's header, unverified; :class:`Refusal` ``assertion_malformed`` when it is not one."""
    segments = assertion.split(".")
    if len(segments) != 3:
        raise Refusal("assertion_malformed", f"the assertion is not a JWT: {len(segments)} dot-separated "
                      "segment(s), a compact JWS has 3")
    try:
        raw = base64.urlsafe_b64decode(segments[0] + "=" * (-len(segments[0]) % 4))
        header = json.loads(raw)
    except (binascii.Error, ValueError, RecursionError):
        raise Refusal("assertion_malformed", "the assertion is not a JWT: its header is not base64url JSON") from None
    if not isinstance(header, dict):
        raise Refusal("assertion_malformed", "the assertion is not a JWT: its header is not a JSON object")
    if "kid" in header and not isinstance(header["kid"], str):
        raise Refusal("assertion_malformed", "the assertion is not a JWT: Key ID header parameter must be a string")
    return header


def _token_body(token: str, expires_in: int) -> dict[str, Any]:
    # PLATFORM.md §4: keys in this order; no refresh token for this grant.
    return {"access_token": token, "scope": SCOPE, "token_type": "Bearer", "expires_in": expires_in}


def _is_number(value: Any) -> bool:
    # json.loads accepts NaN and Infinity; an assertion that never expires is not a number here.
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _key_kind(key: Any) -> str:
    if isinstance(key, rsa.RSAPublicKey):
        return f"an RSA-{key.key_size} key"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"an EC {key.curve.name} key"
    return f"a {type(key).__name__}"


__all__ = ["ACCESS_TOKEN_REASONS", "JWT_BEARER_GRANT_TYPE", "REASONS", "REFUSAL_BODY", "REFUSAL_STATUS",
           "Refusal", "RefusalRecord", "TokenRequest", "TokenService"]
