"""Query parts the mock dropped, and why (docs/platform.md §2: an invalid part is dropped, silently).

The platform ignores a condition it cannot apply and answers as if it were not there, so a
query with a typo can match every row. The mock does the same, and also records each dropped
part here and in the server log (logger ``mock_instance.query``), so a tester can see it.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import NamedTuple

log = logging.getLogger("mock_instance.query")
#: How many recent warnings the instance keeps.
RECENT_WARNINGS = 200


class QueryWarning(NamedTuple):
    """One dropped part: the table queried, where the query came from, the part, and why."""

    table: str
    source: str
    part: str
    reason: str

    def __str__(self) -> str:
        return f"{self.table} ({self.source}): dropped {self.part!r}: {self.reason}"


class QueryWarningLog:
    """The recent warnings, oldest first (thread-safe)."""

    def __init__(self) -> None:
        self._recent: deque[QueryWarning] = deque(maxlen=RECENT_WARNINGS)
        self._lock = threading.Lock()

    def for_query(self, table: str, source: str) -> Callable[[str, str], None]:
        """The ``warn(part, reason)`` callback of one query on ``table``."""
        def warn(part: str, reason: str) -> None:
            # Long parts are cut: a warning names the part, it does not carry a payload.
            warning = QueryWarning(table, source, part if len(part) <= 200 else part[:200] + "...", reason)
            with self._lock:
                self._recent.append(warning)
            log.warning("query part dropped: %s", warning)

        return warn

    def recent(self) -> list[QueryWarning]:
        with self._lock:
            return list(self._recent)

    def clear(self) -> None:
        with self._lock:
            self._recent.clear()
