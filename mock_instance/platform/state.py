"""``Platform``: everything one instance knows, in one object the layers above are handed.

Clock, settings, tables, the jtis it remembers and the refusals it logged.
A snapshot copies all of it; restoring one is how a test gets a clean
instance without provisioning again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..tables.clock import Clock
from ..tables.store import Snapshot, Store
from .definitions import GENERATED_WHEN_BLANK, PLATFORM_TABLES, seed
from .faults import FaultBoard
from .refusals import SYSLOG_SOURCE, Refusal, RefusalLog
from .request_log import RequestLog, note_refusal
from .rules import platform_rules
from .settings import Settings
from .snapshots import SnapshotShelf

#: Used jtis: (app sys_id, jti) → the assertion's exp (see oauth/cleanup.py for when one is forgotten).
JtiMemory = dict[tuple[str, str], float]


@dataclass(frozen=True)
class InstanceState:
    """An opaque copy of everything a test can change (see ``MockInstance.snapshot``)."""

    store: Snapshot
    jtis: JtiMemory
    forgotten_jtis: dict[str, float]
    last_cleanup: float
    settings: Settings


class Platform:
    """One instance's state. Compose changes atomically under ``platform.store.lock``."""

    def __init__(self, settings: Settings, admin_password: str) -> None:
        self.clock = Clock()
        self.settings = settings
        # Rules read the settings of the moment, not the ones at start.
        self.store = Store(self.clock, platform_rules(lambda: self.settings), GENERATED_WHEN_BLANK)
        for table in PLATFORM_TABLES:
            self.store.register(table)
        self.refusals = RefusalLog(self.store)
        #: Faults a test injected (mock-only), and those served.
        self.faults = FaultBoard()
        #: Every request served, secrets masked (mock-only; bounded).
        self.requests = RequestLog()
        self.jtis: JtiMemory = {}
        #: Per app, the latest exp among its forgotten jtis: an assertion expiring no later is refused.
        self.forgotten_jtis: dict[str, float] = {}
        #: Instance time of the last cleanup job (docs/platform.md §4 step 11, §5).
        self.last_cleanup = 0.0
        # The URLs the instance is reachable at: configuration (never a request's Host), not state a
        # snapshot holds. A list, so two transports on one URL each count until they stop.
        self._base_urls: list[str] = []
        seed(self.store, admin_password)
        #: Snapshots saved by name (``/snjwt-mock/snapshots``, the console); kept across restores.
        self.snapshots = SnapshotShelf()
        self._seeded = self.snapshot()

    @property
    def base_urls(self) -> frozenset[str]:
        """Every base URL the instance is reachable at (see ``MockInstance.base_urls``)."""
        with self.store.lock:
            return frozenset(self._base_urls)

    def add_base_url(self, url: str) -> None:
        with self.store.lock:
            self._base_urls.append(url.rstrip("/"))

    def remove_base_url(self, url: str) -> None:
        """Undo one :meth:`add_base_url`."""
        with self.store.lock:
            if url.rstrip("/") in self._base_urls:
                self._base_urls.remove(url.rstrip("/"))

    def configure(self, **changes: Any) -> Settings:
        """Change settings by name; unknown names and wrong types are refused (nothing changes)."""
        self.settings = self.settings.replace(**changes)
        return self.settings

    def refuse(self, refusal: Refusal, *, source: str = SYSLOG_SOURCE) -> None:
        """Log a refusal at the instance's current time (see :class:`~.refusals.RefusalLog`)."""
        self.refusals.record(refusal, at=self.clock.time(), source=source)
        note_refusal(refusal.code)

    def snapshot(self) -> InstanceState:
        """Copy the whole state (records, files, jtis, settings)."""
        with self.store.lock:
            return InstanceState(self.store.snapshot(), dict(self.jtis), dict(self.forgotten_jtis), self.last_cleanup,
                                 self.settings)

    def restore(self, state: InstanceState) -> None:
        """Return to a snapshot; the clock follows real time again, refusals, faults and requests are cleared."""
        with self.store.lock:
            self.store.restore(state.store)
            self.jtis = dict(state.jtis)
            self.forgotten_jtis = dict(state.forgotten_jtis)
            self.last_cleanup = state.last_cleanup
            self.settings = state.settings
        self.refusals.clear()
        self.faults.reset()
        self.requests.clear()
        self.clock.reset()

    def reset(self) -> None:
        """Return to the state at start: the seeded tables and the initial settings (see :meth:`restore`)."""
        self.restore(self._seeded)
