"""Query parts the mock dropped, and why (docs/platform.md §2: an invalid part is dropped, silently).

The platform ignores a condition it cannot apply and answers as if it were not there, so a
query with a typo can match every row. The mock does the same, and also records each dropped
part here and in the server log (logger ``mock_instance.query``), so a tester can see it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import NamedTuple

from .recent import Recent

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
        self._recent: Recent[QueryWarning] = Recent(RECENT_WARNINGS)

    def for_query(self, table: str, source: str) -> Callable[[str, str], None]:
        """The ``warn(part, reason)`` callback of one query on ``table``."""
        def warn(part: str, reason: str) -> None:
            # Long parts are cut: a warning names the part, it does not carry a payload.
            warning = QueryWarning(table, source, part if len(part) <= 200 else part[:200] + "...", reason)
            self._recent.add(warning)
            log.warning("query part dropped: %s", warning)

        return warn

    def recent(self) -> list[QueryWarning]:
        return self._recent.items()

    def clear(self) -> None:
        self._recent.clear()
