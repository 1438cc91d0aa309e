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

import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..crypto.secret import Secret
from .catalog import Catalog
from .clock import Clock
from .errors import BadRequest
from .fields import PASSWORD, Field, NumberSeries, Table, coerce, new_sys_id

Record = dict[str, Any]
#: A function that fills a blank field (a generated secret, a kid).
Generator = Callable[[NumberSeries], str]
SYS_ID_PATTERN = re.compile(r"[0-9a-f]{32}")

#: Columns a client can never write (the platform ignores them in a body).
READ_ONLY = frozenset({"sys_created_on", "sys_created_by", "sys_updated_on", "sys_updated_by",
                       "sys_mod_count", "sys_class_name"})


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
class _InsertPlan:
    fields: Mapping[str, Field]
    generated: tuple[tuple[str, Generator], ...]
    rules: tuple[BusinessRule, ...]
    static_defaults: Mapping[str, str]


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
        # Buckets are insertion-ordered (dicts as ordered sets): find() returns records oldest first.
        self._indexes: dict[tuple[str, str], dict[str, dict[str, None]]] = {}
        self._counters: dict[str, int] = {}
        self._plans: dict[str, _InsertPlan] = {}

    def register(self, table: Table) -> None:
        """Add a table (its parent must exist). Registering a name twice is refused."""
        with self.lock:
            super().register(table)
            self._plans.clear()
            root = self.root(table.name)
            self._rows.setdefault(root, {})
            for name in table.indexed:
                self._indexes.setdefault((root, name), {})
                for sys_id, record in self._rows[root].items():
                    self._index_add(root, name, record.get(name), sys_id)

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
        index = self._indexes.get((root, field))
        if index is None:
            return [r for r in self.records(table) if _plain(r.get(field)) == value]
        family = self.family(table)
        rows = self._rows[root]
        return [rows[s] for s in list(index.get(value, ())) if rows[s]["sys_class_name"] in family]

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
                if not SYS_ID_PATTERN.fullmatch(sys_id):
                    raise BadRequest(f"sys_id must be 32 lowercase hexadecimal characters, not {sys_id!r}",
                                     message="Operation Failed")
                if sys_id in self._rows[self.root(table)]:
                    raise BadRequest(f"a record with sys_id {sys_id} already exists", message="Operation Failed")
            else:
                sys_id = new_sys_id()
            given = {n for n, v in record.items() if v is not None}
            for name, f in fields.items():
                if name != "sys_id" and record.get(name) is None:
                    static = plan.static_defaults.get(name)
                    record[name] = static if static is not None else coerce(f, f.default_for(self))
            for name, generate in plan.generated:
                if not _plain(record.get(name)):
                    record[name] = coerce(fields[name], generate(self))
            now = self.clock.glide_now()
            record.update(sys_id=sys_id, sys_created_on=now, sys_updated_on=now, sys_created_by=actor,
                          sys_updated_by=actor, sys_mod_count="0", sys_class_name=table)
            for rule in plan.rules:
                rule.before_write(self, record, given, True)
            self._put(table, record)
            for rule in plan.rules:
                rule.after_insert(self, record)
            return record

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
            for name in self._indexed_fields(root):
                self._index_discard(root, name, record.get(name), sys_id)
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
            return Snapshot(
                rows={root: {s: dict(r) for s, r in rows.items()} for root, rows in self._rows.items()},
                files=dict(self._files),
                counters=dict(self._counters),
            )

    def restore(self, snap: Snapshot) -> None:
        """Return to a snapshot's contents. Tables registered since keep their definition, lose their rows."""
        with self.lock:
            self._rows = {root: {s: dict(r) for s, r in snap.rows.get(root, {}).items()} for root in self._rows}
            self._files = dict(snap.files)
            self._counters = dict(snap.counters)
            for (root, name) in self._indexes:
                self._indexes[(root, name)] = {}
                for sys_id, record in self._rows[root].items():
                    self._index_add(root, name, record.get(name), sys_id)

    # -- internals ------------------------------------------------------------

    def _plan(self, table: str) -> _InsertPlan:
        # What an insert needs, worked out once per table (the token endpoint inserts a lot).
        plan = self._plans.get(table)
        if plan is None:
            fields = self.fields(table)  # raises InvalidTable for an unknown name
            lineage = self.lineage(table)
            generated = tuple((name, generate) for (t, name), generate in self._generated.items() if t in lineage)
            # Literal defaults of plain fields, coerced once (passwords stay per-record Secrets).
            static = {name: f.default for name, f in fields.items()
                      if isinstance(f.default, str) and f.kind != PASSWORD}
            plan = self._plans[table] = _InsertPlan(fields, generated, tuple(self._rules_for(table)), static)
        return plan

    def _rules_for(self, table: str) -> list[BusinessRule]:
        lineage = self.lineage(table)
        return [r for r in self._rules if r.table is None or r.table in lineage]

    def _indexed_fields(self, root: str) -> list[str]:
        return [name for (r, name) in self._indexes if r == root]

    def _put(self, table: str, record: Record) -> None:
        root = self.root(table)
        sys_id = record["sys_id"]
        old = self._rows[root].get(sys_id)
        for name in self._indexed_fields(root):
            if old is not None:
                if _plain(old.get(name)) == _plain(record.get(name)):
                    continue  # unchanged: the record keeps its place in the bucket
                self._index_discard(root, name, old.get(name), sys_id)
            self._index_add(root, name, record.get(name), sys_id)
        self._rows[root][sys_id] = record

    def _index_add(self, root: str, field: str, value: Any, sys_id: str) -> None:
        self._indexes[(root, field)].setdefault(_plain(value), {})[sys_id] = None

    def _index_discard(self, root: str, field: str, value: Any, sys_id: str) -> None:
        bucket = self._indexes[(root, field)].get(_plain(value))
        if bucket is not None:
            bucket.pop(sys_id, None)
            if not bucket:
                del self._indexes[(root, field)][_plain(value)]


def _plain(value: Any) -> str:
    if isinstance(value, Secret):
        return value.reveal()
    return "" if value is None else value
