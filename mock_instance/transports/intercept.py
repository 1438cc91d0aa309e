"""In-process bridge for ``requests``: one base URL served without a socket.

The instance's URL gets a dedicated transport adapter from
``requests.Session.get_adapter``; that adapter hands the request to a private
``responses.RequestsMock``, which runs the WSGI app. Because the adapter
overrides ``send`` itself, a test's own ``responses`` mocks (started before
or after this one) never see the instance's URL, and every other URL goes to
the normal adapter untouched: to the test's mocks, or to the network.
"""

from __future__ import annotations

import re
from types import TracebackType
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

import requests
import responses
from requests.adapters import HTTPAdapter
from werkzeug.test import EnvironBuilder, run_wsgi_app

from .crashes import HasApp, ServerCrashed, raise_crashes

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin(url: str) -> tuple[str, str, int]:
    """``(scheme, host, port)`` of a URL, with the default port filled in."""
    parts = urlsplit(url)
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"base URL must be http(s)://host[:port], not {url!r}")
    return parts.scheme, parts.hostname.lower(), parts.port or _DEFAULT_PORTS[parts.scheme]


class _InstanceAdapter(HTTPAdapter):
    def __init__(self, send: Any) -> None:
        super().__init__()
        self._send = send

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        return self._send(self, request, *args, **kwargs)


class Interception:
    """Serves one base URL to ``requests`` in-process while started (a context manager).

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
        adapter = _InstanceAdapter(self._mock.unbound_on_send())
        previous = requests.Session.get_adapter

        def get_adapter(session: requests.Session, url: str) -> Any:
            return adapter if self.serves(url) else previous(session, url)

        self._patcher = mock.patch.object(requests.Session, "get_adapter", get_adapter)
        self._patcher.start()
        self.instance.add_base_url(self.url)
        return self

    def stop(self) -> None:
        """Stop serving; re-raise the first handler crash seen meanwhile, if any."""
        if self._patcher is None:
            return
        self._patcher.stop()
        self._patcher = None
        self.instance.remove_base_url(self.url)
        raise_crashes(self.instance.app)

    def __enter__(self) -> Interception:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            self.stop()
        except ServerCrashed:
            if exc_type is None:
                raise
            # else: the test's own failure comes first; don't mask it

    def _respond(self, request: requests.PreparedRequest) -> tuple[int, list[tuple[str, str]], bytes]:
        parts = urlsplit(request.url or "")
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        elif not isinstance(body, bytes):  # a generator body (streamed upload)
            body = b"".join(chunk.encode() if isinstance(chunk, str) else chunk for chunk in body)
        environ = EnvironBuilder(
            path=parts.path or "/", query_string=parts.query, method=request.method,
            base_url=f"{parts.scheme}://{parts.netloc}", headers=list(request.headers.items()),
            data=body,
        ).get_environ()
        app_iter, status, headers = run_wsgi_app(self.instance.app, environ, buffered=True)
        content = b"".join(app_iter)
        kept = [(k, v) for k, v in headers.items() if k.lower() != "content-length" or request.method != "HEAD"]
        return int(status.split(" ", 1)[0]), kept, content
