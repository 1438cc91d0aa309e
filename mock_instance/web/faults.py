"""Injected faults over HTTP: serving one to a request, and ``/snjwt-mock/faults`` (mock-only).

The answers follow :mod:`mock_instance.platform.faults`. A fault is served
before the request is routed, so nothing else about it runs: a faulted
request changes no state (the ``token_refused`` 401 writes its ``syslog``
row, as every token refusal does).
"""

from __future__ import annotations

import time
from typing import Any

from werkzeug.wrappers import Request, Response

from ..platform.faults import (
    DELAY_KEY,
    DROP_KEY,
    MAINTENANCE_BODY,
    MAINTENANCE_CONTENT_TYPE,
    Fault,
    api_name,
    make_fault,
    rate_limit_body,
)
from ..platform.refusals import REFUSAL_BODY, REFUSAL_STATUS, Refusal
from ..platform.request_log import note_fault
from ..platform.state import Platform
from ..tables.errors import BadRequest, json_response
from .request import read_json_object

#: Seconds in a rate-limit window: UTC clock hours (docs/platform.md §11.2).
WINDOW = 3600
#: What ``POST /snjwt-mock/faults`` takes besides ``kind``.
FAULT_FIELDS = ("path", "count", "seconds", "retry_after", "limit")


class ConnectionDropped(ConnectionAbortedError):
    """An injected ``drop`` fault, raised out of the WSGI app when no transport can close a socket."""


def serve_fault(platform: Platform, request: Request) -> Response | None:
    """The answer of the fault armed for this request, or None to handle it as usual (after any delay)."""
    fault = platform.faults.take(request.method, request.path, at=platform.clock.time())
    if fault is None:
        return None
    note_fault(fault.kind)
    if fault.kind == "delay":
        wait = request.environ.get(DELAY_KEY, time.sleep)
        wait(fault.seconds)
        return None
    if fault.kind == "drop":
        drop = request.environ.get(DROP_KEY)
        if drop is not None:
            drop()  # raises the transport's own error
        raise ConnectionDropped("the connection was dropped (an injected fault)")
    if fault.kind == "token_refused":
        left = "until cleared" if fault.remaining is None else f"{fault.remaining} more after this one"
        platform.refuse(Refusal("fault_injected", f"a test injected a 401 for token requests ({left})"))
        return json_response(REFUSAL_BODY, REFUSAL_STATUS)
    if fault.kind == "rate_limited":
        return _rate_limited(platform, fault, request.path)
    headers = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
    return Response(MAINTENANCE_BODY, status=503, headers=headers, content_type=MAINTENANCE_CONTENT_TYPE)


def _rate_limited(platform: Platform, fault: Fault, path: str) -> Response:
    now = int(platform.clock.time())
    # Retry-After: seconds until the next window, unless the test chose its own (to keep retries fast).
    retry_after = WINDOW - now % WINDOW if fault.retry_after is None else fault.retry_after
    headers = {"Retry-After": str(retry_after), "X-RateLimit-Limit": str(fault.limit),
               "X-RateLimit-Reset": str(now + retry_after), "X-RateLimit-Rule": fault.id}
    return json_response(rate_limit_body(fault.limit, api_name(path)), 429, headers)


# -- /snjwt-mock/faults -------------------------------------------------------------

def list_faults(platform: Platform) -> Response:
    """``GET``: the armed faults and the recent faults served."""
    return json_response({"result": {"armed": [f.as_dict() for f in platform.faults.armed()],
                                     "served": [r.as_dict() for r in platform.faults.served()]}})


def add_fault(platform: Platform, request: Request) -> Response:
    """``POST`` ``{"kind": ..., "path": ..., "count": ..., ...}``: arm a fault; 201 with it."""
    body = read_json_object(request, platform.settings.rest_body_limit)
    unknown = sorted(set(body) - {"kind", *FAULT_FIELDS})
    if unknown:
        raise BadRequest(f"unknown field(s) {unknown}; known: kind, {', '.join(FAULT_FIELDS)}",
                         message="Invalid fault")
    options: dict[str, Any] = {name: body[name] for name in FAULT_FIELDS if name in body}
    try:
        fault = make_fault(body.get("kind"), **options)  # type: ignore[arg-type]
    except ValueError as e:
        raise BadRequest(str(e), message="Invalid fault") from e
    platform.faults.arm(fault)
    return json_response({"result": fault.as_dict()}, 201)


def clear_faults(platform: Platform) -> Response:
    """``DELETE``: disarm every fault (those served stay listed)."""
    return json_response({"result": {"cleared": platform.faults.clear()}})
