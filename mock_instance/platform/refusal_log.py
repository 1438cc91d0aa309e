"""The one writer of refusals: the platform's ``syslog`` row where it writes one, and the recent ones in memory."""

from __future__ import annotations

import threading
from collections import deque

from ..tables.store import Store
from .definitions import write_syslog
from .refusals import AUTHORIZE_SOURCE, RECENT_REFUSALS, SYSLOG_SOURCE, Refusal, RefusalRecord


class RefusalLog:
    """The one writer of refusals: a ``syslog`` row where the platform writes one, and the recent ones in memory."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._recent: deque[RefusalRecord] = deque(maxlen=RECENT_REFUSALS)
        self._lock = threading.Lock()

    def record(self, refusal: Refusal, *, at: float, source: str = SYSLOG_SOURCE) -> None:
        """Log a refusal: the token endpoint's get a syslog row (docs/platform.md §4); every one is remembered."""
        if source in (SYSLOG_SOURCE, AUTHORIZE_SOURCE):
            with self._store.lock:
                write_syslog(self._store, "error", source, f"[{refusal.code}] {refusal.sentence}")
        with self._lock:
            self._recent.append(RefusalRecord(refusal.code, refusal.sentence, at, source))

    def recent(self) -> list[RefusalRecord]:
        """Recent refusals, oldest first."""
        with self._lock:
            return list(self._recent)

    def clear(self) -> None:
        with self._lock:
            self._recent.clear()
