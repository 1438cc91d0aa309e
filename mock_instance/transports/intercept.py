"""In-process bridges for ``requests`` and httpx: one base URL served without a socket.

For ``requests``, the instance's URL gets a dedicated transport adapter from
``requests.Session.get_adapter``; that adapter hands the request to a private
``responses.RequestsMock``, which runs the WSGI app. Every other URL goes to
the normal adapter untouched: to the test's mocks, or to the network. A
test's own ``responses`` mock (started before or after this one) comes
first: a request it has a registration for goes to it, the base URL included.
httpx is served by :mod:`.httpx_bridge`, patched when httpx is imported.
"""

from __future__ import annotations

import re
import time
import weakref
from http.client import RemoteDisconnected
from typing import Any
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import requests
import responses
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ProtocolError

from .crashes import HasApp, Transport, raise_crashes
from .httpx_bridge import HttpxBridge
from .inprocess import plan_delay, run_app
from .lazy import WhenImported

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin(url: str) -> tuple[str, str, int]:
    """``(scheme, host, port)`` of a URL, with the default port filled in."""
    parts = urlsplit(url)
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"base URL must be http(s)://host[:port], not {url!r}")
    return parts.scheme, parts.hostname.lower(), parts.port or _DEFAULT_PORTS[parts.scheme]


def users_responses_mock() -> responses.RequestsMock | None:
    """The test's own started ``responses`` mock, if any: the one ``HTTPAdapter.send`` is patched with."""
    for cell in getattr(HTTPAdapter.send, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        if isinstance(value, responses.RequestsMock):
            return value
    return None


def claimed_by(theirs: responses.RequestsMock, request: requests.PreparedRequest, kwargs: dict[str, Any]) -> bool:
    """Whether ``theirs`` has a registration for this request, asked without counting a call."""
    probe = request.copy()
    # What responses sets on a request before matching it (its matchers read them).
    query = parse_qs(urlsplit(probe.path_url).query, keep_blank_values=True)
    probe.params = {k: v[0] if len(v) == 1 else v for k, v in query.items()}  # type: ignore[attr-defined]
    probe.req_kwargs = kwargs  # type: ignore[attr-defined]
    return any(registered.matches(probe)[0] for registered in theirs.registered())


class _InstanceAdapter(HTTPAdapter):
    def __init__(self, send: Any, max_retries: Any) -> None:
        # The session's own retry policy for this URL (PySNC mounts one): responses honours it.
        super().__init__(max_retries=max_retries)
        self._send = send

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        theirs = users_responses_mock()
        if theirs is not None and claimed_by(theirs, request, kwargs):
            return HTTPAdapter.send(self, request, *args, **kwargs)  # patched by the test's mock
        return self._send(self, request, *args, **kwargs)


class Interception(Transport):
    """Serves one base URL to ``requests`` and httpx in-process while started (a context manager).

    >>> from mock_instance import MockInstance
    >>> with MockInstance().intercept("https://dev12345.service-now.com") as site:
    ...     requests.get(site.url + "/api/now/table/incident").status_code
    401
    """

    def __init__(self, instance: HasApp, base_url: str) -> None:
        self.instance = instance
        self._origin = origin(base_url)
        scheme, host, port = self._origin
        default = _DEFAULT_PORTS[scheme] == port
        #: The base URL served, without a trailing slash.
        self.url = f"{scheme}://{host}" + ("" if default else f":{port}")
        self._mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        pattern = re.compile(r"https?://[^/?#]+(?:[/?#].*)?\Z", re.DOTALL)
        for method in METHODS:
            self._mock.add_callback(method, pattern, callback=self._respond, content_type=None)
        self._patcher: Any = None
        self._adapters: weakref.WeakKeyDictionary[Any, _InstanceAdapter] = weakref.WeakKeyDictionary()
        self._httpx = HttpxBridge(instance.app, self.serves)
        self._httpx_import = WhenImported("httpx", self._httpx.start)

    def __repr__(self) -> str:
        return f"<Interception {self.url} {'on' if self.active else 'off'}>"

    @property
    def active(self) -> bool:
        return self._patcher is not None

    def serves(self, url: str) -> bool:
        """Whether ``url`` is on the intercepted base URL."""
        try:
            return origin(url) == self._origin
        except ValueError:
            return False

    def start(self) -> Interception:
        if self._patcher is not None:
            return self
        send = self._mock.unbound_on_send()
        previous = requests.Session.get_adapter

        def get_adapter(session: requests.Session, url: str) -> Any:
            mounted = previous(session, url)
            if not self.serves(url):
                return mounted
            adapter = self._adapters.get(mounted)
            if adapter is None:
                adapter = self._adapters[mounted] = _InstanceAdapter(send, getattr(mounted, "max_retries", 0))
            return adapter

        self._patcher = mock.patch.object(requests.Session, "get_adapter", get_adapter)
        self._patcher.start()
        self.instance.add_base_url(self.url)
        self._httpx_import.start()
        return self

    def stop(self) -> None:
        """Stop serving; re-raise the first handler crash seen meanwhile, if any."""
        if self._patcher is None:
            return
        self._httpx_import.cancel()
        self._httpx.stop()
        self._patcher.stop()
        self._patcher = None
        self.instance.remove_base_url(self.url)
        raise_crashes(self.instance.app)

    def _respond(self, request: requests.PreparedRequest) -> tuple[int, list[tuple[str, str]], bytes]:
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        elif not isinstance(body, bytes):  # a generator body (streamed upload)
            body = b"".join(chunk.encode() if isinstance(chunk, str) else chunk for chunk in body)

        def drop() -> None:
            # What requests raises when the server closes the connection without answering.
            reason = ProtocolError("Connection aborted.", RemoteDisconnected(DROPPED))
            raise requests.ConnectionError(reason, request=request)

        served = run_app(self.instance.app, request.method or "GET", request.url or "", request.headers.items(), body,
                         drop)
        if served.delay:
            plan = plan_delay(served.delay, _read_timeout(getattr(request, "req_kwargs", {}).get("timeout")))
            time.sleep(plan.seconds)
            if plan.timed_out:
                raise requests.ReadTimeout(f"Read timed out. (read timeout={plan.seconds})", request=request)
        return served.status, served.headers, served.content


#: What a dropped connection gives a requests client (http.client's words).
DROPPED = "Remote end closed connection without response"


def _read_timeout(timeout: Any) -> float | None:
    """requests' ``timeout=``: one number for both, or ``(connect, read)``."""
    if isinstance(timeout, tuple):
        timeout = timeout[1]
    return None if timeout is None else float(timeout)
