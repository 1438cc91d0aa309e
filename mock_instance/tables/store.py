"""Tables in memory: records by sys_id, table inheritance, indexes, business rules, one lock.

Records are plain dicts of strings, as the Table API shows them, except
password fields, which hold :class:`~mock_instance.crypto.secret.Secret` values.
A child table's records live with its root table's (``oauth_jwt`` with
``oauth_entity``), so a parent query sees them in insertion order and
``sys_class_name`` tells them apart. The store knows no table of the
platform's: those, and the rules that run on them, come from
:mod:`mock_instance.platform`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .catalog import Catalog
from .clock import Clock
from .defaults import InsertContext, InsertPlan, plan_insert, rules_for
from .errors import BadRequest
from .fields import CUSTOM_SYS_ID, READ_ONLY, Field, NumberSeries, Table, coerce, new_sys_id
from .indexes import Indexes, plain

Record = dict[str, Any]
#: A function that fills a blank field (a generated secret, a kid).
Generator = Callable[[NumberSeries], str]


class BusinessRule:
    """What the platform does by itself around a write, inside the store's lock.

    ``table`` names the table family the rule watches; None watches every table.
    Subclasses override the hooks they need.
    """

    table: str | None = None

    def before_write(self, store: Store, record: Record, changed: set[str], inserting: bool) -> None:
        """Check or complete ``record`` before it is stored; raise to refuse (nothing is stored)."""

    def after_insert(self, store: Store, record: Record) -> None:
        """React to a stored insert (create related records)."""

    def after_delete(self, store: Store, record: Record) -> None:
        """React to a delete (cascade to related records)."""


@dataclass(frozen=True)
class Snapshot:
    """An opaque copy of a store's contents (see :meth:`Store.snapshot`)."""

    rows: dict[str, dict[str, Record]]
    files: dict[str, bytes]
    counters: dict[str, int]


class Store(Catalog):
    """The instance's tables. Every public method is atomic under :attr:`lock`.

    Compose several calls atomically with ``with store.lock: ...``.
    ``generated`` maps ``(table, field)`` to the function that fills that field
    when it is blank (read at each new insert plan, so it may change).
    """

    def __init__(self, clock: Clock, rules: list[BusinessRule] | None = None,
                 generated: Mapping[tuple[str, str], Generator] | None = None) -> None:
        super().__init__()
        self.clock = clock
        self.lock = threading.RLock()
        self._rules = list(rules or [])
        self._generated = generated if generated is not None else {}
        self._rows: dict[str, dict[str, Record]] = {}
        self._files: dict[str, bytes] = {}
        self._indexes = Indexes()
        self._counters: dict[str, int] = {}
        self._plans: dict[str, InsertPlan[BusinessRule]] = {}
        #: Which client-supplied sys_ids an insert accepts (the platform narrows it by a setting).
        self.accepts_sys_id: Callable[[str], bool] = lambda s: CUSTOM_SYS_ID.fullmatch(s) is not None
        # Roots written since the last snapshot or restore, and the snapshot the others still equal:
        # restoring that snapshot again copies only what changed (the plugin restores before each test).
        self._dirty: set[str] = set()
        self._origin: Snapshot | None = None

    def register_all(self, tables: Iterable[Table]) -> list[Table]:
        """Add tables (parents before children, in any order); all or none."""
        with self.lock:
            added = super().register_all(tables)
            self._plans.clear()
            for table in added:
                root = self.root(table.name)
                self._rows.setdefault(root, {})
                self._dirty.add(root)
                for name in table.indexed:
                    self._indexes.declare(root, name, self._rows[root])
            return added

    def extend(self, name: str, fields: Iterable[Field]) -> tuple[Field, ...]:
        """Add columns to an existing table; records already stored read them as empty."""
        with self.lock:
            self._plans.clear()
            return super().extend(name, fields)

    # -- records --------------------------------------------------------------

    def records(self, table: str) -> Iterator[Record]:
        """The records of ``table`` and its children, in insertion order (live, not copies)."""
        self.table(table)
        family = self.family(table)
        root = self.root(table)
        rows = self._rows[root]
        if len(family) == 1 and root == table:
            return iter(list(rows.values()))
        return iter([r for r in rows.values() if r["sys_class_name"] in family])

    def count(self, table: str) -> int:
        return sum(1 for _ in self.records(table))

    def get(self, table: str, sys_id: str) -> Record | None:
        """The record (live) when it belongs to ``table``'s family, else None."""
        self.table(table)
        record = self._rows[self.root(table)].get(sys_id)
        if record is None or record["sys_class_name"] not in self.family(table):
            return None
        return record

    def find(self, table: str, field: str, value: str) -> list[Record]:
        """Records whose ``field`` equals ``value``, oldest first (index-backed where the table declares one)."""
        self.table(table)
        root = self.root(table)
        index = self._indexes.lookup(root, field, value)
        if index is None:
            return [r for r in self.records(table) if plain(r.get(field)) == value]
        family = self.family(table)
        rows = self._rows[root]
        return [rows[s] for s in list(index) if rows[s]["sys_class_name"] in family]

    def insert(self, table: str, values: Mapping[str, Any], *, actor: str = "system") -> Record:
        """Create a record; defaults, generated values and business rules apply.

        Unknown fields are ignored, as the Table API does. Returns the stored record.
        """
        with self.lock:
            plan = self._plan(table)
            fields = plan.fields
            record: Record = {}
            for name, f in fields.items():
                record[name] = coerce(f, values[name]) if name in values and name not in READ_ONLY else None
            sys_id = record.pop("sys_id") or ""
            if sys_id:
                # docs/platform.md §12.6: kept as sent; a bad or used one is refused, nothing stored.
                if not self.accepts_sys_id(sys_id):
                    raise BadRequest(f"sys_id {sys_id[:64]!r} is not a valid sys_id", message="Operation Failed")
                if sys_id in self._rows[self.root(table)]:
                    raise BadRequest(f"a record with sys_id {sys_id} already exists", message="Operation Failed")
            else:
                sys_id = new_sys_id()
            given = {n for n, v in record.items() if v is not None}
            context = InsertContext(self, table, actor)
            for name, f in fields.items():
                if name != "sys_id" and record.get(name) is None:
                    static = plan.static_defaults.get(name)
                    if static is None:
                        compute = plan.computed_defaults.get(name)
                        static = compute(context) if compute is not None else ""
                    record[name] = coerce(f, static)
            for name, generate in plan.generated:
                if not plain(record.get(name)):
                    record[name] = coerce(fields[name], generate(context))
            now = self.clock.glide_now()
            record.update(sys_id=sys_id, sys_created_on=now, sys_updated_on=now, sys_created_by=actor,
                          sys_updated_by=actor, sys_mod_count="0", sys_class_name=table)
            for rule in plan.rules:
                rule.before_write(self, record, given, True)
            self._put(table, record)
            for rule in plan.rules:
                rule.after_insert(self, record)
            return record

    def load(self, table: str, rows: Iterable[Mapping[str, str]], *, actor: str = "system",
             replace: bool = False) -> int:
        """Store generated rows as given, each with its ``sys_id``: literal defaults fill the rest; no rules run.

        For seeding the platform's own rows (metadata, roles) fast. A row whose sys_id is already
        stored is skipped, or with ``replace`` stored over it. Returns how many were stored.
        """
        with self.lock:
            plan = self._plan(table)
            now = self.clock.glide_now()
            stamp = {"sys_created_on": now, "sys_updated_on": now, "sys_created_by": actor,
                     "sys_updated_by": actor, "sys_mod_count": "0", "sys_class_name": table}
            existing = self._rows[self.root(table)]
            stored = 0
            for row in rows:
                if replace or row["sys_id"] not in existing:
                    self._put(table, {**plan.static_defaults, **row, **stamp})
                    stored += 1
            return stored

    def update(self, table: str, sys_id: str, values: Mapping[str, Any], *, actor: str = "system") -> Record | None:
        """Change some fields of a record; None when it does not exist. Unknown fields are ignored."""
        with self.lock:
            current = self.get(table, sys_id)
            if current is None:
                return None
            fields = self.fields(current["sys_class_name"])
            changes = {n: coerce(fields[n], v) for n, v in values.items()
                       if n in fields and n not in READ_ONLY and n != "sys_id"}
            record = {**current, **changes}
            for rule in self._rules_for(current["sys_class_name"]):
                rule.before_write(self, record, set(changes), False)
            record.update(sys_updated_on=self.clock.glide_now(), sys_updated_by=actor,
                          sys_mod_count=str(int(current["sys_mod_count"]) + 1))
            self._put(current["sys_class_name"], record)
            return record

    def delete(self, table: str, sys_id: str) -> bool:
        """Delete a record (business rules cascade); False when it does not exist."""
        with self.lock:
            record = self.get(table, sys_id)
            if record is None:
                return False
            root = self.root(table)
            self._dirty.add(root)
            self._indexes.remove(root, record)
            del self._rows[root][sys_id]
            for rule in self._rules_for(record["sys_class_name"]):
                rule.after_delete(self, record)
            return True

    def next_number(self, series: str) -> int:
        """The next value of a record-number series (``INC0010001``, ...)."""
        with self.lock:
            self._counters[series] = self._counters.get(series, 10000) + 1
            return self._counters[series]

    # -- file bytes, keyed by the sys_id of the record that describes them ----

    def put_file(self, sys_id: str, content: bytes) -> None:
        with self.lock:
            self._files[sys_id] = content

    def file(self, sys_id: str) -> bytes | None:
        return self._files.get(sys_id)

    def drop_file(self, sys_id: str) -> None:
        with self.lock:
            self._files.pop(sys_id, None)

    # -- snapshots ------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        """Copy the contents (records, files, counters); tables stay registered."""
        with self.lock:
            snap = Snapshot(
                rows={root: {s: dict(r) for s, r in rows.items()} for root, rows in self._rows.items()},
                files=dict(self._files),
                counters=dict(self._counters),
            )
            self._origin, self._dirty = snap, set()
            return snap

    def restore(self, snap: Snapshot) -> None:
        """Return to a snapshot's contents. Tables registered since keep their definition, lose their rows."""
        with self.lock:
            # Restoring the snapshot the store came from copies only the tables written since.
            roots = self._dirty if snap is self._origin else set(self._rows)
            for root in roots:
                self._rows[root] = {s: dict(r) for s, r in snap.rows.get(root, {}).items()}
            self._files = dict(snap.files)
            self._counters = dict(snap.counters)
            for root in roots:
                self._indexes.rebuild(root, self._rows[root])
            self._origin, self._dirty = snap, set()

    # -- internals ------------------------------------------------------------

    def _plan(self, table: str) -> InsertPlan[BusinessRule]:
        plan = self._plans.get(table)
        if plan is None:
            plan = self._plans[table] = plan_insert(self, table, self._generated, self._rules)
        return plan

    def _rules_for(self, table: str) -> list[BusinessRule]:
        return rules_for(self, table, self._rules)

    def _put(self, table: str, record: Record) -> None:
        root = self.root(table)
        self._dirty.add(root)
        self._indexes.put(root, self._rows[root].get(record["sys_id"]), record)
        self._rows[root][record["sys_id"]] = record
