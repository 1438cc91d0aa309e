"""The one writer of refusals: the platform's ``syslog`` row where it writes one, and the recent ones in memory."""

from __future__ import annotations

from ..tables.store import Store
from .definitions import write_syslog
from .recent import Recent
from .refusals import AUTHORIZE_SOURCE, RECENT_REFUSALS, SYSLOG_SOURCE, Refusal, RefusalRecord


class RefusalLog:
    """The one writer of refusals: a ``syslog`` row where the platform writes one, and the recent ones in memory."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._recent: Recent[RefusalRecord] = Recent(RECENT_REFUSALS)

    def record(self, refusal: Refusal, *, at: float, source: str = SYSLOG_SOURCE) -> None:
        """Log a refusal: the token endpoint's get a syslog row (docs/platform.md §4); every one is remembered."""
        if source in (SYSLOG_SOURCE, AUTHORIZE_SOURCE):
            with self._store.lock:
                write_syslog(self._store, "error", source, f"[{refusal.code}] {refusal.sentence}")
        self._recent.add(RefusalRecord(refusal.code, refusal.sentence, at, source))

    def recent(self) -> list[RefusalRecord]:
        """Recent refusals, oldest first."""
        return self._recent.items()

    def clear(self) -> None:
        self._recent.clear()
