"""``Platform``: everything one instance knows, in one object the layers above are handed.

Clock, settings, tables (with their metadata), the jtis it remembers, the
authorization codes it holds, its rate-limit counts, the refusals it logged,
the query parts it dropped and the faults a test injected. A snapshot copies
what a test can change; restoring one is how a test gets a clean instance
without provisioning again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..tables.clock import Clock
from ..tables.fields import CUSTOM_SYS_ID, STRICT_SYS_ID, Table
from ..tables.store import Snapshot, Store
from .definitions import seed, seed_records
from .faults import FaultBoard
from .grant_state import PendingCode, RateLimitCount, RateLimitCounts, copy_counts
from .grant_tables import GRANT_TABLES
from .metadata import describe, describe_fields
from .query_warnings import QueryWarningLog
from .refusal_log import RefusalLog
from .refusals import SYSLOG_SOURCE, Refusal
from .request_log import RequestLog, note_refusal
from .rules import platform_rules
from .schema import Choice, Schema, core_schema
from .settings import Settings
from .snapshots import SnapshotShelf

__all__ = ["InstanceState", "JtiMemory", "PendingCode", "Platform", "RateLimitCount", "RateLimitCounts"]

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
    codes: dict[str, PendingCode]
    rate_limit_counts: RateLimitCounts
    #: How many schemas had been applied when it was taken (their metadata rows are in it).
    schemas: int = 0


class Platform:
    """One instance's state. Compose changes atomically under ``platform.store.lock``."""

    def __init__(self, settings: Settings, admin_password: str) -> None:
        self.clock = Clock()
        self.settings = settings
        schema = core_schema()
        self._generated = schema.generators()
        # Rules read the settings of the moment, not the ones at start.
        self.store = Store(self.clock, platform_rules(lambda: self.settings), self._generated)
        self.store.register_all(schema.tables)
        self.store.register_all(GRANT_TABLES)
        self.store.accepts_sys_id = self._accepts_sys_id
        self.refusals = RefusalLog(self.store)
        #: Query parts dropped because they could not apply (docs/platform.md §2).
        self.query_warnings = QueryWarningLog()
        #: Faults a test injected (mock-only), and those served.
        self.faults = FaultBoard()
        #: Every request served, secrets masked (mock-only; bounded).
        self.requests = RequestLog()
        #: Snapshots saved by name (``/snjwt-mock/snapshots``, the console); kept across restores.
        self.snapshots = SnapshotShelf()
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
        seed(self.store, admin_password, schema)
        describe(self.store, self.store.tables(), schema.choices)
        # Tables and columns added after start stay after a restore: their metadata rows come back too.
        self._redescribe: list[Callable[[], None]] = []
        self._seeded = self.snapshot()

    def register_tables(self, tables: Iterable[Table], choices: Iterable[Choice] = ()) -> list[Table]:
        """Add tables (parents first or not; all or none) and describe them in the metadata tables."""
        return self.apply_schema(Schema(tables=tuple(tables), choices=tuple(choices)))

    def apply_schema(self, schema: Schema) -> list[Table]:
        """Load a schema on top of the tables there are: new tables, new columns, choices, seed rows.

        A choice the schema gives for a value that already has one replaces its label.
        """
        store = self.store
        with store.lock:
            self._generated.update(schema.generators())
            added = store.register_all(schema.tables)
            names = tuple(t.name for t in added)
            extended = [(name, store.extend(name, fields)) for name, fields in schema.extensions]

            def write(replace: bool) -> None:
                describe(store, names, schema.choices, replace=replace)
                for name, fields in extended:
                    describe_fields(store, name, fields)
                seed_records(store, schema)

            write(True)
            self._redescribe.append(lambda: write(False))
            return added

    def _accepts_sys_id(self, sys_id: str) -> bool:
        # docs/platform.md §12.6: any 32 letters or digits, or with strict_custom_sys_id 32 lowercase hex.
        pattern = STRICT_SYS_ID if self.settings.strict_custom_sys_id else CUSTOM_SYS_ID
        return pattern.fullmatch(sys_id) is not None

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
        """Copy the whole state (records, files, jtis, codes, counts, settings)."""
        with self.store.lock:
            return InstanceState(self.store.snapshot(), dict(self.jtis), dict(self.forgotten_jtis), self.last_cleanup,
                                 self.settings, dict(self.codes), copy_counts(self.rate_limit_counts),
                                 len(self._redescribe))

    def restore(self, state: InstanceState) -> None:
        """Return to a snapshot; the clock follows real time again; refusals, query warnings, faults and the
        request log clear (saved snapshots stay)."""
        with self.store.lock:
            self.store.restore(state.store)
            for redo in self._redescribe[state.schemas:]:  # applied after the snapshot: the tables stay
                redo()
            self.jtis = dict(state.jtis)
            self.forgotten_jtis = dict(state.forgotten_jtis)
            self.last_cleanup = state.last_cleanup
            self.settings = state.settings
            self.codes = dict(state.codes)
            self.rate_limit_counts = copy_counts(state.rate_limit_counts)
            self.rate_limit_violations = []
        self.refusals.clear()
        self.query_warnings.clear()
        self.faults.reset()
        self.requests.clear()
        self.clock.reset()

    def mark_seeded(self) -> None:
        """Take the state :meth:`reset` returns to: now (the instance calls it once its schemas and data are in)."""
        self._seeded = self.snapshot()

    def reset(self) -> None:
        """Return to the seeded state (see :meth:`restore`)."""
        self.restore(self._seeded)
