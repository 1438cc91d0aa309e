"""A small timing harness: contenders run interleaved, in rounds, in one process.

These machines are shared and noisy, so a benchmark reports ratios between
contenders measured side by side, never absolute targets alone. Each round
times every contender once (in a rotating order); the figure is the median
over rounds of the per-call time.
"""

from __future__ import annotations

import argparse
import gc
import io
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any


def quick_flag(description: str | None) -> bool:
    """Parse ``--quick``: a few iterations, to check a script works (the suite runs it so); no figure is meaningful."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="a smoke run with tiny sizes")
    return parser.parse_args().quick


def per_call(fn: Callable[[], object], number: int) -> float:
    """Seconds per call of ``fn`` over ``number`` calls."""
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(number):
            fn()
        return (time.perf_counter() - start) / number
    finally:
        gc.enable()


def compare(contenders: dict[str, Callable[[], object]], *, number: int, rounds: int = 7,
            warmup: int = 1) -> dict[str, float]:
    """Median seconds per call for each contender, measured interleaved."""
    names = list(contenders)
    for name in names:
        per_call(contenders[name], max(1, number // 10) * warmup)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        for name in order:
            samples[name].append(per_call(contenders[name], number))
    return {name: statistics.median(values) for name, values in samples.items()}


def report(title: str, rows: list[tuple[str, float, float | None, float | None]]) -> None:
    """Print ``(label, ratio, target, per_call)`` rows; a ratio over its target is flagged."""
    print(f"\n{title}")
    for label, ratio, target, seconds in rows:
        goal = f"target <= {target:g}x " if target is not None else ""
        verdict = "" if target is None else ("ok" if ratio <= target else "OVER TARGET")
        timing = f"({seconds * 1e6:9.1f} us/call)" if seconds is not None else ""
        print(f"  {label:<58} {ratio:7.2f}x  {goal}{verdict:>11} {timing}")


def wsgi_post(app: Any, bodies: Iterator[bytes]) -> Callable[[], bytes]:
    """A call that POSTs the next form body to ``/oauth_token.do`` straight through WSGI (no HTTP, no client)."""
    def start_response(status: str, headers: list, exc_info: object = None) -> None:
        assert status.startswith("200"), status

    def run() -> bytes:
        body = next(bodies)
        environ = {"REQUEST_METHOD": "POST", "SCRIPT_NAME": "", "PATH_INFO": "/oauth_token.do", "QUERY_STRING": "",
                   "SERVER_NAME": "localhost", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
                   "HTTP_HOST": "localhost", "CONTENT_TYPE": "application/x-www-form-urlencoded",
                   "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": "http",
                   "wsgi.errors": sys.stderr}
        return b"".join(app(environ, start_response))
    return run
