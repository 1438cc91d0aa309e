"""The request log: every request the instance served, with what it sent and got, secrets masked.

Mock-only (the platform keeps no such log a client can read). Each entry has
the method, path, query, status, the reason code of a refusal, the fault that
answered it, the caller, the time taken, and the headers and bodies both ways.
The log keeps the last :data:`RECENT_REQUESTS`; each body is captured up to
:data:`CAPTURED_BODY` bytes. Headers and bodies are masked when first read
(:mod:`.masking`), so serving a request pays only for the capture.

While a request is handled, lower layers add what only they know to it
(:func:`note_refusal`, :func:`note_fault`, :func:`note_caller`): the notes
travel in a context variable, so concurrent requests never mix them up.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from .masking import mask_body, mask_header, mask_query

#: How many requests the log keeps, newest last.
RECENT_REQUESTS = 500
#: Bytes of each request and response body kept for display (masked when shown).
CAPTURED_BODY = 16 * 1024

Headers = tuple[tuple[str, str], ...]
#: Headers as captured: read (and masked) only when someone looks, so serving pays nothing for them.
RawHeaders = Callable[[], Iterable[tuple[str, str]]]


@dataclass
class Notes:
    """What the layers below the web app learned about the request being handled."""

    reason: str | None = None
    fault: str | None = None
    caller: str | None = None


_notes: ContextVar[Notes | None] = ContextVar("snjwt_request_notes", default=None)


def begin_notes() -> Any:
    """Start collecting notes for the request about to be handled; returns the token for :func:`end_notes`."""
    return _notes.set(Notes())


def end_notes(token: Any) -> Notes:
    """The notes of the request just handled (and stop collecting them)."""
    notes = _notes.get() or Notes()
    _notes.reset(token)
    return notes


def note_refusal(code: str) -> None:
    """The request being handled was refused for ``code`` (a reason of :mod:`.refusals`)."""
    notes = _notes.get()
    if notes is not None:
        notes.reason = code


def note_fault(kind: str) -> None:
    """An injected fault of ``kind`` answered (or delayed) the request being handled."""
    notes = _notes.get()
    if notes is not None:
        notes.fault = kind


def note_caller(user_name: str) -> None:
    """The request being handled authenticated as ``user_name``."""
    notes = _notes.get()
    if notes is not None:
        notes.caller = user_name


@dataclass(frozen=True)
class Body:
    """A captured body, as it came (never shown as is): :attr:`RequestRecord.request_body` masks it."""

    data: bytes
    total: int
    content_type: str


class RequestRecord:
    """One request the instance served. Every field shown is masked; ``str()`` is its access-log line."""

    __slots__ = ("id", "at", "method", "path", "status", "duration_ms", "caller", "reason", "fault", "remote",
                 "_query", "_request", "_response", "_masked")

    def __init__(self, *, at: float, method: str, path: str, query: str, status: int | None,
                 duration_ms: float, caller: str, reason: str | None, fault: str | None, remote: str,
                 request: tuple[RawHeaders, Body], response: tuple[RawHeaders, Body]) -> None:
        #: Sequence number in the order requests finished, from 1 at instance start (a reset keeps counting).
        self.id = 0
        #: Instance-clock epoch seconds when the request arrived.
        self.at = at
        self.method = method
        self.path = path
        #: The status answered; None when the connection was dropped (a ``drop`` fault).
        self.status = status
        #: Wall-clock milliseconds the instance took to answer.
        self.duration_ms = duration_ms
        #: Who the request acted as: a user name, ``client_id <id>`` for a token request, or ``""``.
        self.caller = caller
        #: The refusal's reason code (token endpoint or Bearer check), when one was logged.
        self.reason = reason
        #: The kind of injected fault that answered or delayed it.
        self.fault = fault
        self.remote = remote
        self._query = query
        self._request = request
        self._response = response
        self._masked: dict[str, Any] = {}

    def _cached(self, name: str, make: Any) -> Any:
        if name not in self._masked:
            self._masked[name] = make()
        return self._masked[name]

    @property
    def query(self) -> str:
        """The query string, secret parameters masked."""
        return self._cached("query", lambda: mask_query(self._query))

    @property
    def target(self) -> str:
        """Path and masked query, as a request line shows them."""
        return f"{self.path}?{self.query}" if self._query else self.path

    @property
    def request_headers(self) -> Headers:
        return self._cached("request_headers", lambda: _masked_headers(self._request[0]))

    @property
    def request_body(self) -> str:
        return self._cached("request_body", lambda: _shown(self._request[1]))

    @property
    def response_headers(self) -> Headers:
        return self._cached("response_headers", lambda: _masked_headers(self._response[0]))

    @property
    def response_body(self) -> str:
        return self._cached("response_body", lambda: _shown(self._response[1]))

    @property
    def outcome(self) -> str:
        """The status, with the reason code or the fault when there is one."""
        status = "dropped" if self.status is None else str(self.status)
        extras = [f"[{self.reason}]"] if self.reason else []
        if self.fault:
            extras.append(f"fault {self.fault}")
        return " ".join([status, *extras])

    def __str__(self) -> str:
        who = self.caller or "anonymous"
        return f"{self.method} {self.target} -> {self.outcome} ({who}, {self.duration_ms:.1f} ms)"

    def __repr__(self) -> str:
        return f"<RequestRecord #{self.id} {self}>"

    def as_dict(self, *, details: bool = True) -> dict[str, Any]:
        """The JSON shape (``GET /snjwt-mock/requests``); ``details`` adds headers and bodies."""
        out: dict[str, Any] = {
            "id": self.id, "at": self.at, "method": self.method, "path": self.path, "query": self.query,
            "status": self.status, "reason": self.reason, "fault": self.fault, "caller": self.caller,
            "duration_ms": round(self.duration_ms, 3), "remote": self.remote}
        if details:
            out.update(request={"headers": [list(h) for h in self.request_headers], "body": self.request_body},
                       response={"headers": [list(h) for h in self.response_headers], "body": self.response_body})
        return out


def _masked_headers(headers: RawHeaders) -> Headers:
    return tuple((name, mask_header(name, value)) for name, value in headers())


def _shown(body: Body) -> str:
    return mask_body(body.data, body.content_type, total=body.total)


class RequestLog:
    """The recent requests, oldest first, bounded; thread-safe."""

    def __init__(self, size: int = RECENT_REQUESTS) -> None:
        self._recent: deque[RequestRecord] = deque(maxlen=size)
        self._lock = threading.Lock()
        self._next_id = 1

    def add(self, record: RequestRecord) -> None:
        """Keep a request just answered, numbering it: ids follow the order requests finish in."""
        with self._lock:
            record.id = self._next_id
            self._next_id += 1
            self._recent.append(record)

    def recent(self, *, after: int = 0) -> list[RequestRecord]:
        """The kept requests with an id above ``after``, oldest first."""
        with self._lock:
            return [r for r in self._recent if r.id > after]

    def get(self, request_id: int) -> RequestRecord | None:
        """One kept request by id."""
        with self._lock:
            return next((r for r in self._recent if r.id == request_id), None)

    def clear(self) -> None:
        with self._lock:
            self._recent.clear()
