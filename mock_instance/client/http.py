"""HTTP sessions that carry credentials to one instance and nowhere else.

What a plain ``requests.Session`` would do wrong with admin credentials:

- wait forever on an instance that stopped answering (no default timeout);
- send them in clear over ``http://``;
- follow a redirect to another host. requests strips ``Authorization`` there,
  but a 307/308 re-posts the *body* as it is, and a token request's body holds
  ``client_secret`` and ``assertion``. An SSO login page or a hibernating
  developer instance answers with exactly such a redirect.

A :class:`PinnedSession` is bound to one origin (scheme, host, port): every
request and every redirect hop must stay on it. It never retries: a POST
that timed out may still have created its record, and a retry would create a
second one that no ledger saw.
"""

from __future__ import annotations

import base64
import ipaddress
from collections.abc import Mapping
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase
from urllib3.util.retry import Retry

#: Seconds to connect and to wait for each read, unless a request says otherwise.
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 30.0
#: The Table API answers JSON when asked (docs/platform.md §2); an HTML answer is a login or hibernation page.
JSON = "application/json"
_DEFAULT_PORTS = {"http": 80, "https": 443}
_LOOPBACK_NAMES = frozenset({"localhost", "localhost."})


class UnsafeRequestError(requests.RequestException):
    """A request the session's policy refuses to send (plain http, another host, a redirect off the instance)."""


class PlainHTTPRefused(UnsafeRequestError):
    """``http://`` to a host that is not this machine: credentials would cross the network in clear."""


class RedirectRefused(UnsafeRequestError):
    """The instance redirected to another origin; ``target_host`` says where."""

    def __init__(self, message: str, *, target_host: str, response: requests.Response | None = None) -> None:
        super().__init__(message, response=response)
        self.target_host = target_host


class _Revealable(Protocol):
    def reveal(self) -> str: ...


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine: 127.0.0.0/8, ::1 or the name ``localhost``."""
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def origin(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an absolute URL, the port made explicit."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        raise UnsafeRequestError(f"not a valid URL port: {_safe_url(url)}") from None
    return scheme, (parts.hostname or "").lower(), port or _DEFAULT_PORTS.get(scheme, 0)


def check_url(url: str) -> None:
    """Refuse what no credential should be sent to: not http(s), user:password@ in the URL,
    or plain ``http://`` to anything but loopback. Raises :class:`UnsafeRequestError`."""
    parts = urlsplit(url)
    scheme, host, _ = origin(url)
    if scheme not in _DEFAULT_PORTS or not host:
        raise UnsafeRequestError(f"not an http(s) URL: {_safe_url(url)}")
    if parts.username is not None or parts.password is not None:
        raise UnsafeRequestError(f"the URL carries a user name or password ({_safe_url(url)}): "
                                 "give credentials separately, never in the instance URL")
    if scheme == "http" and not is_loopback(host):
        raise PlainHTTPRefused(
            f"refusing plain http:// to {host}: credentials would cross the network unencrypted. "
            "Use https:// (plain http is allowed only for loopback: 127.0.0.0/8, ::1, localhost)")


class PinnedSession(requests.Session):
    """A ``requests.Session`` bound to one instance origin, with default timeouts and no retries.

    Every request, and every redirect hop, must go to ``instance_url``'s origin;
    a redirect elsewhere raises :class:`RedirectRefused` naming the target host
    before anything is sent there. ``allow_redirects=False`` returns the 3xx as is.
    """

    def __init__(self, instance_url: str, *, connect_timeout: float = CONNECT_TIMEOUT,
                 read_timeout: float = READ_TIMEOUT) -> None:
        check_url(instance_url)
        super().__init__()
        self.origin = origin(instance_url)
        self.timeout = (connect_timeout, read_timeout)
        self.headers["Accept"] = JSON
        # Retry(0, read=False) is requests' own default; mounted explicitly so that no global
        # change of it reaches these sessions. Nothing is retried: see the module docstring.
        for prefix in ("https://", "http://"):
            self.mount(prefix, HTTPAdapter(max_retries=Retry(total=0, read=False, redirect=False)))

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self._check(request.url or "")
        if kwargs.get("timeout") is None:  # Session.request passes timeout=None when not given
            kwargs["timeout"] = self.timeout
        follow = kwargs.pop("allow_redirects", True)
        # requests follows redirects inside send(); do it here instead, so each hop is checked
        # before it is sent. With allow_redirects=False requests still prepares the next hop
        # (Response.next: method rewritten, body dropped for 301-303, cookies): reuse it.
        response = super().send(request, allow_redirects=False, **kwargs)
        history: list[requests.Response] = []
        while follow and response.is_redirect and response.next is not None:
            hop = response.next
            if origin(hop.url or "") != self.origin:
                host = origin(hop.url or "")[1] or "?"
                response.close()
                raise RedirectRefused(
                    f"{request.method} {urlsplit(request.url or '').path} was redirected to another host, {host} "
                    f"(HTTP {response.status_code}): not following, since a redirect re-sends the request's "
                    "credentials. An SSO login page or a hibernating developer instance answers like this; "
                    "is the instance URL right?", target_host=host, response=response)
            if len(history) >= self.max_redirects:
                raise requests.TooManyRedirects(f"Exceeded {self.max_redirects} redirects.", response=response)
            history.append(response)
            response = super().send(hop, allow_redirects=False, **kwargs)
        if history:
            response.history = history
        return response

    def _check(self, url: str) -> None:
        check_url(url)
        if origin(url) != self.origin:
            raise UnsafeRequestError(
                f"this session talks to {self.origin[1]} only; refusing to send its credentials to "
                f"{origin(url)[1] or '?'}")

    def __repr__(self) -> str:
        scheme, host, port = self.origin
        return f"<PinnedSession {scheme}://{host}:{port}>"


class _BasicAuth(AuthBase):
    """HTTP Basic whose repr (and so pytest's ``-l`` output) never shows the password."""

    def __init__(self, user: str, password: str | _Revealable) -> None:
        self.username = user
        self._password = password

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = basic_header(self.username, _clear(self._password))
        return request

    def __repr__(self) -> str:
        return f"<BasicAuth {self.username!r}:***>"


class _NoAuth(AuthBase):
    """No credentials, and none from ``~/.netrc`` (requests adds those when a session has no auth)."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        return request


def basic_header(user: str, password: str) -> str:
    """``Basic base64(user:password)``, encoded as requests does (latin-1)."""
    token = base64.b64encode(f"{user}:{password}".encode("latin1")).decode("ascii")
    return f"Basic {token}"


def admin_session(instance_url: str, user: str, password: str | _Revealable, *,
                  connect_timeout: float = CONNECT_TIMEOUT, read_timeout: float = READ_TIMEOUT) -> PinnedSession:
    """A session with the instance admin's Basic credentials, pinned to ``instance_url``.

    ``password`` may be a :class:`~mock_instance.crypto.secret.Secret` (revealed only
    when a request is signed). Raises :class:`PlainHTTPRefused` for ``http://``
    to anything but loopback.

    >>> with admin_session("https://dev12345.service-now.com", "admin", secret) as s:  # doctest: +SKIP
    ...     s.get("https://dev12345.service-now.com/api/now/table/sys_user", params={"sysparm_limit": 1})
    """
    session = PinnedSession(instance_url, connect_timeout=connect_timeout, read_timeout=read_timeout)
    session.auth = _BasicAuth(user, password)
    return session


def token_session(instance_url: str, *, connect_timeout: float = CONNECT_TIMEOUT,
                  read_timeout: float = READ_TIMEOUT) -> PinnedSession:
    """A session for ``/oauth_token.do`` on ``instance_url``: the same policy, no credentials of its own."""
    session = PinnedSession(instance_url, connect_timeout=connect_timeout, read_timeout=read_timeout)
    session.auth = _NoAuth()
    return session


def post_token_form(session: requests.Session, token_url: str, form: Mapping[str, str]) -> requests.Response:
    """POST a token request's form; a redirect of any kind raises :class:`RedirectRefused`.

    The token endpoint never redirects (docs/platform.md §4): a redirect here means a
    login page or a sleeping instance, and re-posting the form (``client_secret``,
    ``assertion``, passwords) anywhere serves no purpose, not even on the same host.
    """
    response = session.post(token_url, data=dict(form), allow_redirects=False)
    if response.is_redirect:
        target = response.headers.get("Location", "")
        host = origin(target)[1] if "//" in target else origin(token_url)[1]
        response.close()
        raise RedirectRefused(
            f"the token endpoint redirected (HTTP {response.status_code}) to {host}: not re-sending the form. "
            "An SSO login page or a hibernating developer instance answers like this",
            target_host=host, response=response)
    return response


def _clear(password: str | _Revealable) -> str:
    return password if isinstance(password, str) else password.reveal()


def _safe_url(url: str) -> str:
    # For error messages: never repeat a user:password@ part.
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return f"{parts.scheme}://{host}{parts.path}"
