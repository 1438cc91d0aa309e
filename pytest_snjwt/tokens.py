"""Getting and using tokens: what the token fixtures return. Every secret-bearing value masks its repr.

pytest prints fixture values in failure reports, so an access token is a
``str`` whose ``repr`` shows only its first characters, and the token response
is a ``dict`` whose ``repr`` does the same.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

import requests

from mock_instance.client import Chain, GrantApp, mask_token, post_token_form
from mock_instance.client import token_form as _token_form

if TYPE_CHECKING:
    from mock_instance import MockInstance


@dataclass(frozen=True)
class InstanceInfo:
    """What ``snjwt_instance`` gives a test: where the instance is, and the mock if there is one."""

    url: str
    token_url: str
    live: bool
    mock: MockInstance | None


class AccessToken(str):
    """An access token: a plain ``str`` to every API, masked in ``repr``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"AccessToken({mask_token(self)!r})"


class Assertion(str):
    """A signed JWT assertion: a plain ``str``, masked in ``repr`` (it is a credential until it expires)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Assertion({mask_token(self, 12)!r})"


class TokenResponse(dict):  # type: ignore[type-arg]
    """The token endpoint's JSON response; ``repr`` masks the access token."""

    def __repr__(self) -> str:
        shown = {k: (mask_token(v) if k in ("access_token", "refresh_token") and isinstance(v, str) else v)
                 for k, v in self.items()}
        return f"TokenResponse({shown!r})"

    @property
    def access_token(self) -> AccessToken:
        return AccessToken(self["access_token"])


class TokenRefused(AssertionError):
    """The instance refused the token request (the message carries the mock's reasons)."""


def token_form(chain: Chain, assertion: str) -> dict[str, str]:
    """The form ServiceNow expects: grant type, client id and secret (unless a public client), assertion."""
    return _token_form(chain.client_id, assertion, None if chain.variant.public_client else chain.client_secret)


def request_token(token_url: str, chain: Chain, assertion: str, *, reasons: Any = None,
                  session: requests.Session | None = None) -> TokenResponse:
    """POST the assertion; a refusal raises :class:`TokenRefused` with the reasons when known.

    ``reasons`` is a callable returning the mock's refusal lines (None when live:
    the platform writes them only to its system log).
    """
    __tracebackhide__ = True
    return post_token(token_url, token_form(chain, assertion), reasons=reasons, session=session)


def grant_form(app: GrantApp, grant_type: str) -> dict[str, str]:
    """A password (for the app's user) or client-credentials form, the client in the body."""
    form = {"grant_type": grant_type, "client_id": app.client_id, "client_secret": app.client_secret.reveal()}
    if grant_type == "password":
        form.update(username=app.user_name, password=app.user_password.reveal())
    return form


def post_token(token_url: str, form: dict[str, str], *, reasons: Any = None,
               session: requests.Session | None = None) -> TokenResponse:
    """POST a token request form; a refusal raises :class:`TokenRefused` (with the mock's reasons when known)."""
    __tracebackhide__ = True
    # Never re-posts the form (client secret, assertion, password) on a redirect, to any host.
    response = post_token_form(session or requests.Session(), token_url, form)
    if response.status_code != 200:
        why = ""
        if reasons is not None:
            lines = reasons()
            why = "; the mock's reasons: " + "; ".join(lines) if lines else ""
        else:
            why = "; a live instance writes the reason only to its system log (System Logs > All)"
        raise TokenRefused(f"the token request was refused: HTTP {response.status_code} {response.text[:200]}{why}")
    return TokenResponse(response.json())


#: Where a POST creates a record: the Table API (its table) and the Attachment API's uploads.
_CREATING = re.compile(r"/api/now(?:/v[12])?/(?:table/(?P<table>[A-Za-z0-9_]+)|attachment/(?:file|upload))/?$")
#: Told of each record a session creates: ``(table, sys_id)``.
CreationHook = Callable[[str, str], None]


class InstanceSession(requests.Session):
    """A ``requests.Session`` that sends the bearer token and resolves relative URLs against the instance.

    >>> snjwt_session.get("/api/now/table/incident")  # doctest: +SKIP

    ``timeout`` applies to every request that gives none; ``on_created`` hears of every
    record a POST creates (live mode deletes them when the test ends).
    """

    def __init__(self, base_url: str, access_token: str, *, timeout: tuple[float, float] | None = None,
                 on_created: CreationHook | None = None) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/") + "/"
        self.headers["Authorization"] = f"Bearer {access_token}"
        self.headers["Accept"] = "application/json"
        self.timeout = timeout
        self._on_created = on_created

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if isinstance(url, bytes):
            url = url.decode()
        if self.timeout is not None and kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        response = super().request(method, urljoin(self.base_url, url.lstrip("/")), *args, **kwargs)
        if self._on_created is not None and response.status_code == 201:
            self._note_created(response)
        return response

    def _note_created(self, response: requests.Response) -> None:
        created = created_record(response.request.path_url if response.request else "", response.content)
        if created is not None and self._on_created is not None:
            self._on_created(*created)


def created_record(path: str, body: bytes) -> tuple[str, str] | None:
    """``(table, sys_id)`` of the record a 201 answer to a POST on ``path`` created, if it is one."""
    found = _CREATING.search(path.split("?", 1)[0])
    if found is None:
        return None
    try:
        sys_id = json.loads(body)["result"]["sys_id"]
    except (ValueError, KeyError, TypeError):
        return None  # X-no-response-body, or not the platform's shape: nothing to note
    return (found.group("table") or "sys_attachment", sys_id) if isinstance(sys_id, str) else None

    def __repr__(self) -> str:
        return f"<InstanceSession {self.base_url} Authorization=Bearer ***>"


def masked(value: Any) -> str:
    """A value as the plugin lets reports show it."""
    if isinstance(value, AccessToken | Assertion):
        return repr(value)
    if isinstance(value, Mapping) and "access_token" in value:
        return repr(TokenResponse(value))
    return repr(value)
