"""One request through the WSGI app without a socket: what every in-process bridge shares.

A bridge hands over the request as plain values and gets plain values back.
It also gives the app two callbacks (docs in :mod:`mock_instance.platform.faults`)
so that an injected delay or dropped connection reaches its client the way
it would over a socket: as a wait, a read timeout, or a connection error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from werkzeug.test import EnvironBuilder, run_wsgi_app

from ..platform.faults import DELAY_KEY, DROP_KEY


@dataclass
class Served:
    """The app's answer, and how long the client must wait for it (an injected delay)."""

    status: int
    headers: list[tuple[str, str]]
    content: bytes
    delay: float = 0.0


@dataclass
class Plan:
    """What the client will see of a delay: wait ``seconds``, then time out if ``timed_out``."""

    seconds: float
    timed_out: bool


def run_app(app: Callable[..., Iterable[bytes]], method: str, url: str, headers: Iterable[tuple[str, str]],
            body: bytes, drop: Callable[[], Any]) -> Served:
    """Run one request through ``app``; ``drop`` raises the client's own error for a dropped connection."""
    parts = urlsplit(url)
    delays: list[float] = []
    environ = EnvironBuilder(
        path=parts.path or "/", query_string=parts.query, method=method,
        base_url=f"{parts.scheme}://{parts.netloc}", headers=list(headers), data=body,
    ).get_environ()
    environ[DELAY_KEY] = delays.append  # the bridge waits after the app answers, asleep or awaiting
    environ[DROP_KEY] = drop
    app_iter, status, response_headers = run_wsgi_app(app, environ, buffered=True)
    content = b"".join(app_iter)
    # A HEAD answer keeps no Content-Length: the client would wait for that many bytes.
    kept = [(k, v) for k, v in response_headers.items() if k.lower() != "content-length" or method != "HEAD"]
    return Served(int(status.split(" ", 1)[0]), kept, content, sum(delays))


def plan_delay(delay: float, read_timeout: float | None) -> Plan:
    """A client with a read timeout shorter than the delay waits that long, then times out."""
    if read_timeout is not None and delay > read_timeout:
        return Plan(read_timeout, True)
    return Plan(delay, False)
