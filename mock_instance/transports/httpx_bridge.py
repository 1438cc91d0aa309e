"""In-process bridge for httpx, sync and async: one base URL served without a socket.

``httpx.HTTPTransport.handle_request`` and ``httpx.AsyncHTTPTransport.handle_async_request``
are wrapped: a request for the base URL is run through the WSGI app, every
other request goes to the transport untouched. A test's own httpx mocks keep
working whichever starts first: ``httpx.MockTransport`` never reaches these
transports, and respx (which patches httpcore, below them) wins for any request
one of its started routes matches, the base URL included. httpx itself is
never imported here: :meth:`HttpxBridge.start` is handed the loaded module.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any
from unittest import mock

from .inprocess import Served, plan_delay, run_app

#: What a dropped connection gives an httpx client (httpcore's words).
DROPPED = "Server disconnected without sending a response."


def claimed_by_respx(request: Any) -> bool:
    """Whether a started respx router has a route for this request (respx is never imported here)."""
    respx_mocks = sys.modules.get("respx.mocks")
    if respx_mocks is None:
        return False
    for mocker in list(respx_mocks.Mocker.registry.values()):
        for router in list(mocker.routers):
            for route in list(router.routes):
                pattern = route.pattern
                # A route without a pattern (respx.route()) takes every request.
                if not pattern or pattern.match(request):
                    return True
    return False


class HttpxBridge:
    """Serves ``serves(url)`` URLs to httpx clients through ``app`` while started."""

    def __init__(self, app: Callable[..., Any], serves: Callable[[str], bool]) -> None:
        self._app = app
        self._serves = serves
        self._patchers: list[Any] = []

    @property
    def active(self) -> bool:
        return bool(self._patchers)

    def start(self, httpx: ModuleType) -> None:
        """Wrap httpx's two default transports (``httpx`` is the loaded module)."""
        if self._patchers:
            return
        sync_send = httpx.HTTPTransport.handle_request
        async_send = httpx.AsyncHTTPTransport.handle_async_request
        bridge = self

        def handle_request(transport: Any, request: Any) -> Any:
            if not bridge._serves(str(request.url)):
                return sync_send(transport, request)
            body = request.read()
            if claimed_by_respx(request):
                return sync_send(transport, request)
            served = bridge._run(httpx, request, body)
            plan = plan_delay(served.delay, _read_timeout(request))
            if plan.seconds:
                time.sleep(plan.seconds)
            return _response(httpx, request, served, plan.timed_out)

        async def handle_async_request(transport: Any, request: Any) -> Any:
            if not bridge._serves(str(request.url)):
                return await async_send(transport, request)
            body = await request.aread()
            if claimed_by_respx(request):
                return await async_send(transport, request)
            served = bridge._run(httpx, request, body)
            plan = plan_delay(served.delay, _read_timeout(request))
            if plan.seconds:
                import anyio  # httpx's own dependency: asyncio or trio, whichever runs this client

                await anyio.sleep(plan.seconds)
            return _response(httpx, request, served, plan.timed_out)

        self._patchers = [mock.patch.object(httpx.HTTPTransport, "handle_request", handle_request),
                          mock.patch.object(httpx.AsyncHTTPTransport, "handle_async_request", handle_async_request)]
        for patcher in self._patchers:
            patcher.start()

    def stop(self) -> None:
        for patcher in reversed(self._patchers):
            patcher.stop()
        self._patchers = []

    def _run(self, httpx: ModuleType, request: Any, body: bytes) -> Served:
        def drop() -> None:
            raise httpx.RemoteProtocolError(DROPPED, request=request)

        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]
        return run_app(self._app, request.method, str(request.url), headers, body, drop)


def _read_timeout(request: Any) -> float | None:
    timeout = request.extensions.get("timeout") or {}
    return timeout.get("read")  # type: ignore[no-any-return]


def _response(httpx: ModuleType, request: Any, served: Served, timed_out: bool) -> Any:
    if timed_out:
        raise httpx.ReadTimeout("The read operation timed out", request=request)
    return httpx.Response(served.status, headers=served.headers, stream=httpx.ByteStream(served.content),
                          request=request, extensions={"http_version": b"HTTP/1.1"})
