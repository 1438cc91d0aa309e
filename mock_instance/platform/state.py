"""``Platform``: everything one instance knows, in one object the layers above are handed.

Clock, settings, tables, the jtis it remembers and the refusals it logged.
A snapshot copies all of it; restoring one is how a test gets a clean
instance without provisioning again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..tables.clock import Clock
from ..tables.fields import CUSTOM_SYS_ID, STRICT_SYS_ID, Table
from ..tables.store import Snapshot, Store
from .definitions import seed, seed_records
from .metadata import describe, describe_fields
from .query_warnings import QueryWarningLog
from .refusals import SYSLOG_SOURCE, Refusal, RefusalLog
from .rules import platform_rules
from .schema import Choice, Schema, core_schema
from .settings import Settings

#: (app sys_id, jti) → the instance time after which no assertion carrying it can be accepted.
JtiMemory = dict[tuple[str, str], float]


@dataclass(frozen=True)
class InstanceState:
    """An opaque copy of everything a test can change (see ``MockInstance.snapshot``)."""

    store: Snapshot
    jtis: JtiMemory
    last_cleanup: float
    settings: Settings
    #: How many schemas had been applied when it was taken (their metadata rows are in it).
    schemas: int = 0


class Platform:
    """One instance's state. Compose changes atomically under ``platform.store.lock``."""

    def __init__(self, settings: Settings, admin_password: str) -> None:
        self.clock = Clock()
        self.settings = settings
        # Rules read the settings of the moment, not the ones at start.
        schema = core_schema()
        self._generated = schema.generators()
        self.store = Store(self.clock, platform_rules(lambda: self.settings), self._generated)
        self.store.register_all(schema.tables)
        self.store.accepts_sys_id = self._accepts_sys_id
        self.refusals = RefusalLog(self.store)
        #: Query parts dropped because they could not apply (docs/platform.md §2).
        self.query_warnings = QueryWarningLog()
        self.jtis: JtiMemory = {}
        #: Instance time of the last cleanup job (docs/platform.md §4 step 11, §5).
        self.last_cleanup = 0.0
        seed(self.store, admin_password, schema)
        describe(self.store, self.store.tables(), schema.choices)
        # Tables and columns added after start stay after a restore: their metadata rows come back too.
        self._redescribe: list[Callable[[], None]] = []

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
            return InstanceState(self.store.snapshot(), dict(self.jtis), self.last_cleanup, self.settings,
                                 len(self._redescribe))

    def restore(self, state: InstanceState) -> None:
        """Return to a snapshot; the clock follows real time again, refusals and query warnings are cleared."""
        with self.store.lock:
            self.store.restore(state.store)
            for redo in self._redescribe[state.schemas:]:  # applied after the snapshot: the tables stay
                redo()
            self.jtis = dict(state.jtis)
            self.last_cleanup = state.last_cleanup
            self.settings = state.settings
        self.refusals.clear()
        self.query_warnings.clear()
        self.clock.reset()
