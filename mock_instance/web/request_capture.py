"""Capturing each request for the request log (:mod:`mock_instance.platform.request_log`).

The WSGI app starts a capture as a request arrives and finishes it with the
response: the body is captured as the handlers read it (a tee on
``wsgi.input``, bounded), the rest from the request and response objects.
"""

from __future__ import annotations

import io
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from werkzeug.wrappers import Request, Response

from ..platform.masking import basic_user
from ..platform.request_log import CAPTURED_BODY, Body, Notes, RequestRecord, begin_notes, end_notes
from ..platform.state import Platform

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

TOKEN_PATH = "/oauth_token.do"
#: Characters of a path, and of a query string, kept (a request line past the platform's limit is logged too).
MAX_TARGET = 4096


class _Tee:
    """``wsgi.input`` that keeps the first :data:`CAPTURED_BODY` bytes read and counts the rest."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self.kept = bytearray()
        self.total = 0

    def _keep(self, data: bytes) -> bytes:
        self.total += len(data)
        room = CAPTURED_BODY - len(self.kept)
        if room > 0:
            self.kept += data[:room]
        return data

    def read(self, *args: Any) -> bytes:
        return self._keep(self._stream.read(*args))

    def readline(self, *args: Any) -> bytes:
        return self._keep(self._stream.readline(*args))

    def readlines(self, *args: Any) -> list[bytes]:
        return [self._keep(line) for line in self._stream.readlines(*args)]

    def __iter__(self) -> Any:
        return iter(self.readline, b"")

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()


class Capture:
    """One request on its way through the app."""

    def __init__(self, platform: Platform, environ: WSGIEnvironment) -> None:
        self._platform = platform
        self._at = platform.clock.time()
        self._started = time.perf_counter()
        stream = environ["wsgi.input"]
        self._buffered = isinstance(stream, io.BytesIO)
        self._tee = _Tee(stream)
        environ["wsgi.input"] = self._tee
        self._token = begin_notes()

    def finish(self, request: Request, response: Response | None) -> None:
        """Log the request with its response (None: the connection was dropped)."""
        notes = end_notes(self._token)
        duration = (time.perf_counter() - self._started) * 1000
        environ = request.environ
        self._read_unread_body(request, environ)
        content = b"" if response is None or response.is_streamed else response.get_data()
        sent = {k: v for k, v in environ.items() if k.startswith(_HEADER_KEYS)}
        self._platform.requests.add(RequestRecord(
            at=self._at, method=request.method, path=request.path[:MAX_TARGET],
            query=environ.get("QUERY_STRING", "")[:MAX_TARGET],
            status=None if response is None else response.status_code,
            duration_ms=duration, caller=_caller(request, notes, self._tee.kept), reason=notes.reason,
            fault=notes.fault, remote=environ.get("REMOTE_ADDR") or "",
            request=(lambda: _header_items(sent), Body(bytes(self._tee.kept), self._tee.total,
                                                       environ.get("CONTENT_TYPE", ""))),
            response=(tuple, Body(b"", 0, "")) if response is None else (
                response.headers.items, Body(content[:CAPTURED_BODY], len(content), response.content_type or "")),
        ))

    def _read_unread_body(self, request: Request, environ: WSGIEnvironment) -> None:
        # A request refused before its body was read (a 401, a fault) still shows what it sent, when the
        # body is at hand (in-process). Over a socket it is not waited for: the answer must not wait on it.
        try:
            declared = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return
        wanted = min(declared, CAPTURED_BODY) - self._tee.total
        if wanted <= 0:
            return
        if self._buffered:
            self._tee.read(wanted)
        elif self._tee.total == 0:
            self._tee.total = declared  # shown as that many bytes, not read


_HEADER_KEYS = ("HTTP_", "CONTENT_TYPE", "CONTENT_LENGTH")


def _header_items(environ: dict[str, Any]) -> list[tuple[str, str]]:
    """Header names back from WSGI keys, as werkzeug spells them."""
    return [((key[5:] if key.startswith("HTTP_") else key).replace("_", "-").title(), value)
            for key, value in environ.items()]


def _caller(request: Request, notes: Notes, body: bytearray) -> str:
    if notes.caller:
        return notes.caller
    if request.path == TOKEN_PATH and request.mimetype == "application/x-www-form-urlencoded":
        client_id = dict(parse_qsl(bytes(body).decode("latin-1"))).get("client_id")
        if client_id:
            return f"client_id {client_id}"
    scheme, _, credentials = (request.headers.get("Authorization") or "").strip().partition(" ")
    if scheme.lower() == "basic":
        user = basic_user(credentials)
        return f"{user} (not authenticated)" if user else "Basic (unreadable)"
    if scheme.lower() == "bearer":
        return "Bearer token (not authenticated)"
    return ""
