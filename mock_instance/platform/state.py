"""``Platform``: everything one instance knows, in one object the layers above are handed.

Clock, settings, tables, the jtis it remembers, the authorization codes it
holds, its rate-limit counts and the refusals it logged.
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
from .refusal_log import RefusalLog
from .refusals import SYSLOG_SOURCE, Refusal
from .rules import platform_rules
from .settings import Settings

#: Used jtis: (app sys_id, jti) → the assertion's exp (see oauth/cleanup.py for when one is forgotten).
JtiMemory = dict[tuple[str, str], float]


@dataclass(frozen=True)
class PendingCode:
    """An authorization code kept in memory until exchanged or expired (docs/platform.md §10.4 step 6)."""

    app: str
    user: str
    #: Where the code was sent, and the ``redirect_uri`` the authorize request carried (None: none).
    redirect_target: str
    redirect_uri: str | None
    #: The PKCE S256 challenge (None: the code has none).
    challenge: str | None
    expires: float


@dataclass
class RateLimitCount:
    """One rule's count for one user in one window (docs/platform.md §11.2); ``limit`` it was counted under."""

    window: float
    limit: int
    count: int = 0


#: (rule sys_id, user sys_id) → the current window's count.
RateLimitCounts = dict[tuple[str, str], RateLimitCount]


@dataclass(frozen=True)
class InstanceState:
    """An opaque copy of everything a test can change (see ``MockInstance.snapshot``)."""

    store: Snapshot
    jtis: JtiMemory
    forgotten_jtis: dict[str, float]
    last_cleanup: float
    settings: Settings
    codes: dict[str, PendingCode]
    rate_limit_counts: RateLimitCounts


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
        self.jtis: JtiMemory = {}
        #: Per app, the latest exp among its forgotten jtis: an assertion expiring no later is refused.
        self.forgotten_jtis: dict[str, float] = {}
        #: Authorization codes by value (docs/platform.md §10.4): not table rows on the platform either.
        self.codes: dict[str, PendingCode] = {}
        self.rate_limit_counts: RateLimitCounts = {}
        #: Requests refused by a rate-limit rule: (rule sys_id, user sys_id, instance time) (§11.2).
        self.rate_limit_violations: list[tuple[str, str, float]] = []
        #: Instance time of the last cleanup job (docs/platform.md §4 step 11, §5).
        self.last_cleanup = 0.0
        # The URLs the instance is reachable at: configuration (never a request's Host), not state a
        # snapshot holds. A list, so two transports on one URL each count until they stop.
        self._base_urls: list[str] = []
        seed(self.store, admin_password)

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

    def snapshot(self) -> InstanceState:
        """Copy the whole state (records, files, jtis, settings)."""
        with self.store.lock:
            return InstanceState(self.store.snapshot(), dict(self.jtis), dict(self.forgotten_jtis), self.last_cleanup,
                                 self.settings, dict(self.codes), _copy_counts(self.rate_limit_counts))

    def restore(self, state: InstanceState) -> None:
        """Return to a snapshot; the clock follows real time again, refusals and faults are cleared."""
        with self.store.lock:
            self.store.restore(state.store)
            self.jtis = dict(state.jtis)
            self.forgotten_jtis = dict(state.forgotten_jtis)
            self.last_cleanup = state.last_cleanup
            self.settings = state.settings
            self.codes = dict(state.codes)
            self.rate_limit_counts = _copy_counts(state.rate_limit_counts)
            self.rate_limit_violations = []
        self.refusals.clear()
        self.faults.reset()
        self.clock.reset()


def _copy_counts(counts: RateLimitCounts) -> RateLimitCounts:
    return {key: RateLimitCount(c.window, c.limit, c.count) for key, c in counts.items()}
