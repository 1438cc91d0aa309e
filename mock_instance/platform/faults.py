"""Faults a test injects: the failures a real instance gives under load and in outages.

Mock-only (the platform has no such switch). A fault is armed for a path
pattern and a count; each matching request takes one, and every fault
served is remembered (bounded, like the refusals) for the test to read.
The answers are the platform's own where docs/platform.md states them:

- ``rate_limited``: 429 with ``Retry-After``, ``X-RateLimit-Limit``,
  ``X-RateLimit-Reset``, ``X-RateLimit-Rule`` and the rate-limit body (§11.2).
- ``unavailable``: 503, the maintenance page. The spec has no 503 body; this
  one (:data:`MAINTENANCE_BODY`, HTML from the front end) is our choice.
- ``token_refused``: the token endpoint's bare 401 (§4) on the next token requests.
- ``delay``: the request waits ``seconds`` before it is handled.
- ``drop``: the connection closes without an answer (over a socket; in-process
  the client gets the error a dropped connection gives it).
"""

from __future__ import annotations

import re
import secrets
import threading
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from .recent import Recent

FAULT_KINDS = ("rate_limited", "unavailable", "token_refused", "delay", "drop")
#: The token endpoint: the only path a ``token_refused`` fault answers.
TOKEN_PATH = "/oauth_token.do"
#: How many served faults the instance remembers.
RECENT_FAULTS = 200
#: An injected delay longer than this is a mistake in the test (the server's own idle timeout is 30 s).
MAX_DELAY = 60.0
#: ``X-RateLimit-Limit`` of an injected 429 when the test names none (our choice: the rule is imaginary).
DEFAULT_RATE_LIMIT = 100

#: docs/platform.md §11.2: the API names in the 429 detail, by the API's path segment.
API_NAMES = {"table": "Table API", "attachment": "Attachment API", "stats": "Aggregate API", "batch": "Batch API"}
_API_PATH = re.compile(r"/api/now(?:/v\d+)?/(\w+)(?:/|\Z)")
#: A path outside those APIs (which the platform never limits, §11.2) is named by this (our choice).
OTHER_API_NAME = "REST API"

#: The 503 answer [CHOSEN: the spec has no 503 body]. An outage or upgrade is answered by the
#: front end, before any REST API runs, so it is an HTML page rather than the JSON error envelope.
MAINTENANCE_BODY = (
    "<html><head><title>Service Unavailable</title></head><body><h1>Service Unavailable</h1>"
    "<p>The instance is unavailable while it is under maintenance. Please try again later.</p></body></html>"
)
MAINTENANCE_CONTENT_TYPE = "text/html;charset=UTF-8"

#: WSGI environ keys an in-process transport sets so that delays and drops reach its client as
#: they would over a socket: ``DELAY_KEY`` is called with the seconds (the transport waits,
#: and times its client out if the client would give up first); ``DROP_KEY`` raises the
#: client's own connection error. Without them, the app sleeps, or the server drops the socket.
DELAY_KEY = "snjwt.delay"
DROP_KEY = "snjwt.drop"


def api_name(path: str) -> str:
    """The API a path belongs to, as the 429 body names it (docs/platform.md §11.2)."""
    match = _API_PATH.match(path)
    return API_NAMES.get(match.group(1), OTHER_API_NAME) if match else OTHER_API_NAME


def rate_limit_body(limit: int, api: str) -> dict[str, Any]:
    """The 429 body of docs/platform.md §11.2."""
    return {"error": {"message": "Rate limit exceeded",
                      "detail": f"Rate limit of {limit} requests per hour for {api} exceeded"},
            "status": "failure"}


@dataclass
class Fault:
    """One armed fault. ``remaining`` counts down; ``None`` means every matching request until cleared."""

    kind: str
    path: str
    remaining: int | None
    seconds: float | None = None
    retry_after: int | None = None
    limit: int = DEFAULT_RATE_LIMIT
    id: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape (``/snjwt-mock/faults``)."""
        return {"id": self.id, "kind": self.kind, "path": self.path, "remaining": self.remaining,
                "seconds": self.seconds, "retry_after": self.retry_after, "limit": self.limit}


@dataclass(frozen=True)
class FaultRecord:
    """A fault that was served: which, to what request, when (instance-clock epoch seconds)."""

    kind: str
    method: str
    path: str
    at: float
    fault_id: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.method} {self.path}"

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "method": self.method, "path": self.path, "at": self.at,
                "fault_id": self.fault_id}


def make_fault(kind: str, *, path: str | None = None, count: int | None = 1, seconds: float | None = None,
               retry_after: int | None = None, limit: int | None = None) -> Fault:
    """Check a fault's arguments (a clear ``ValueError`` for each mistake) and build it."""
    if kind not in FAULT_KINDS:
        raise ValueError(f"unknown fault kind {kind!r}; known: {', '.join(FAULT_KINDS)}")
    if kind == "token_refused":
        if path not in (None, TOKEN_PATH):
            raise ValueError(f"a token_refused fault answers {TOKEN_PATH} only; give no path")
        path = TOKEN_PATH
    path = "*" if path is None else path
    if not isinstance(path, str) or not path.startswith(("/", "*")):
        raise ValueError(f"path is a glob pattern on the request path, e.g. '/api/now/table/*', not {path!r}")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        raise ValueError(f"count is a whole number of requests, 1 or more (or None for all), not {count!r}")
    if kind == "delay":
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 < seconds <= MAX_DELAY:
            raise ValueError(f"a delay needs seconds, more than 0 and at most {MAX_DELAY:g}, not {seconds!r}")
    elif seconds is not None:
        raise ValueError(f"seconds is for a delay fault, not {kind}")
    if retry_after is not None and (kind not in ("rate_limited", "unavailable")
                                    or isinstance(retry_after, bool) or not isinstance(retry_after, int)
                                    or retry_after < 0):
        raise ValueError("retry_after is whole seconds, 0 or more, for a rate_limited or unavailable fault")
    if limit is not None and (kind != "rate_limited" or isinstance(limit, bool) or not isinstance(limit, int)
                              or limit < 1):
        raise ValueError("limit is a whole number of requests per hour, 1 or more, for a rate_limited fault")
    return Fault(kind, path, count, float(seconds) if seconds is not None else None, retry_after,
                 limit or DEFAULT_RATE_LIMIT, secrets.token_hex(16))


class FaultBoard:
    """The armed faults, first armed first served, and the recent faults served."""

    def __init__(self) -> None:
        self._armed: list[Fault] = []
        self._served: Recent[FaultRecord] = Recent(RECENT_FAULTS)
        self._lock = threading.Lock()

    def arm(self, fault: Fault) -> Fault:
        with self._lock:
            self._armed.append(fault)
        return fault

    def armed(self) -> list[Fault]:
        """The faults still armed, in the order they were armed."""
        with self._lock:
            return list(self._armed)

    def take(self, method: str, path: str, *, at: float) -> Fault | None:
        """The first armed fault whose pattern matches ``path``, counted down and recorded; or None."""
        with self._lock:
            if not self._armed:
                return None
            for fault in self._armed:
                if fnmatchcase(path, fault.path):
                    break
            else:
                return None
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._armed.remove(fault)
            self._served.add(FaultRecord(fault.kind, method, path, at, fault.id))
            return fault

    def served(self) -> list[FaultRecord]:
        """Recent faults served, oldest first."""
        return self._served.items()

    def clear(self) -> int:
        """Disarm every fault (those served stay on record); returns how many were armed."""
        with self._lock:
            count = len(self._armed)
            self._armed.clear()
            return count

    def reset(self) -> None:
        """Disarm every fault and forget those served (a test's clean start)."""
        with self._lock:
            self._armed.clear()
            self._served.clear()
