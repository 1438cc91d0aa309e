"""Helpers shared by the project's tests."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from hypothesis import strategies as st

if TYPE_CHECKING:
    from mock_instance import MockInstance

#: Integers no float can hold (JSON has no size limit; Python's int() stops at 4300 digits).
huge_integers = st.integers(309, 4200).flatmap(lambda digits: st.sampled_from([10**digits, -(10**digits)])) \
    | st.integers(2**1024, 2**1100) | st.integers(-(2**1100), -(2**1024))
#: Every JSON type, at every size: null, booleans, integers small and past float range, floats
#: with NaN and the infinities, short and long strings, arrays and objects nested in each other.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | huge_integers | st.floats() | st.text(max_size=30)
    | st.integers(0, 200_000).map(lambda n: "x" * n),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


def start_serve(*args: str, timeout: float = 30) -> tuple[subprocess.Popen[str], list[str]]:
    """Start ``python -m mock_instance serve --port 0 ARGS``; return it and the lines up to 'ready'."""
    process = subprocess.Popen([sys.executable, "-m", "mock_instance", "serve", "--port", "0", *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        lines.append(line.rstrip("\n"))
        if line.startswith("snjwt-mock: ready") or not line:
            break
    return process, lines


def url_of(lines: list[str]) -> str:
    """The instance URL printed by ``snjwt-mock serve``."""
    match = re.search(r"instance URL (https?://\S+)", "\n".join(lines))
    assert match, lines
    return match.group(1)


@contextmanager
def serving(*args: str) -> Iterator[tuple[str, list[str]]]:
    """``snjwt-mock serve`` in a separate process for the duration of the block: (url, printed lines)."""
    process, lines = start_serve(*args)
    try:
        yield url_of(lines), lines
    finally:
        process.terminate()
        try:
            process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def run_threads(work: Callable[[int], object], count: int) -> list[object]:
    """Run ``work(i)`` on ``count`` threads released together; return their results, in no order.

    An exception in a thread is returned as its result (the caller asserts on it);
    a thread still running after 10 minutes fails the test.
    """
    results: list[object] = []
    lock = threading.Lock()
    start = threading.Barrier(count)

    def wrapped(index: int) -> None:
        try:
            start.wait()
            result: object = work(index)
        except BaseException as e:  # returned to the test, which asserts on it
            result = e
        with lock:
            results.append(result)

    threads = [threading.Thread(target=wrapped, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return results


def table_counts(instance: MockInstance) -> dict[str, int]:
    """Rows per table: compared before and after a request that must change nothing."""
    return {table: instance.store.count(table) for table in instance.store.tables()}
