"""Tables in memory: records by sys_id, table inheritance, indexes, one lock.

Records are plain dicts of strings, as the Table API shows them, except
password fields, which hold :class:`~mock_instance.crypto.secret.Secret` values.
A child table's records live with its root table's (``oauth_jwt`` with
``oauth_entity``), so a parent query sees them in insertion order and
``sys_class_name`` tells them apart.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from . import fields as schema
from .clock import Clock
from .errors import BadRequest, InvalidTable
from .fields import PASSWORD, Field, Table
from ..crypto.secret import PasswordHash, Secret
from ..platform.settings import Settings

Record = dict[str, Any]
SYS_ID_PATTERN = re.compile(r"[0-9a-f]{32}")

#: Columns a client can never write (the platform ignores them in a body).
READ_ONLY = frozenset({"sys_created_on", "sys_created_by", "sys_updated_on", "sys_updated_by",
                       "sys_mod_count", "sys_class_name"})


class Rule(Protocol):
    """A business rule: runs inside the store's lock around a write to ``table``'s family."""

    table: str

    def before_write(self, store: Store, record: Record, changed: set[str], inserting: bool) -> None:
        """Check or complete ``record`` before it is stored; raise to refuse (nothing is stored)."""

    def after_insert(self, store: Store, record: Record) -> None:
        """React to a stored insert (create related records)."""


@dataclass(frozen=True)
class _InsertPlan:
    fields: Mapping[str, Field]
    generated: tuple[tuple[str, Callable[[Store], str]], ...]
    rules: tuple[Rule, ...]
    static_defaults: Mapping[str, str]


@dataclass(frozen=True)
class Snapshot:
    """An opaque copy of a store's contents (see :meth:`Store.snapshot`)."""

    rows: dict[str, dict[str, Record]]
    files: dict[str, bytes]
    counters: dict[str, int]


class Store:
    """The instance's tables. Every public method is atomic under :attr:`lock`.

    Compose several calls atomically with ``with store.lock: ...``.
    """

    def __init__(self, clock: Clock, settings: Callable[[], Settings], rules: list[Rule] | None = None) -> None:
        self.clock = clock
        self._settings = settings
        self.lock = threading.RLock()
        self._rules = list(rules or [])
        self._tables: dict[str, Table] = {}
        self._fields: dict[str, dict[str, Field]] = {}
        self._family: dict[str, frozenset[str]] = {}
        self._roots: dict[str, str] = {}
        self._rows: dict[str, dict[str, Record]] = {}
        self._files: dict[str, bytes] = {}
        self._indexes: dict[tuple[str, str], dict[str, set[str]]] = {}
        self._counters: dict[str, int] = {}
        self._plans: dict[str, _InsertPlan] = {}

    @property
    def settings(self) -> Settings:
        """The owning instance's current settings."""
        return self._settings()

    # -- tables ---------------------------------------------------------------

    def register(self, table: Table) -> None:
        """Add a table (its parent must exist). Registering a name twice is refused."""
        with self.lock:
            if table.name in self._tables:
                raise ValueError(f"table {table.name!r} already exists")
            if table.parent is not None and table.parent not in self._tables:
                raise ValueError(f"table {table.name!r}: parent {table.parent!r} does not exist")
            inherited = dict(self._fields[table.parent]) if table.parent else {f.name: f for f in schema.SYSTEM_FIELDS}
            clash = set(inherited).intersection(f.name for f in table.fields)
            if clash:
                raise ValueError(f"table {table.name!r}: field(s) {sorted(clash)} already inherited")
            inherited.update((f.name, f) for f in table.fields)
            for f in table.fields:
                if f.reference is not None and f.reference not in self._tables and f.reference != table.name:
                    raise ValueError(f"field {table.name}.{f.name}: table {f.reference!r} does not exist")
            self._tables[table.name] = table
            self._fields[table.name] = inherited
            self._plans.clear()
            root = self._roots[table.parent] if table.parent else table.name
            self._roots[table.name] = root
            self._rows.setdefault(root, {})
            self._family[table.name] = frozenset({table.name})
            for ancestor in self.lineage(table.name)[:-1]:
                self._family[ancestor] = self._family[ancestor] | {table.name}
            for name in table.indexed:
                self._indexes.setdefault((root, name), {})
                for sys_id, record in self._rows[root].items():
                    self._index_add(root, name, record.get(name), sys_id)

    def has_table(self, name: str) -> bool:
        return name in self._tables

    def table(self, name: str) -> Table:
        """The table definition; :class:`InvalidTable` when it does not exist."""
        try:
            return self._tables[name]
        except KeyError:
            raise InvalidTable(name) from None

    def tables(self) -> list[str]:
        return list(self._tables)

    def fields(self, name: str) -> Mapping[str, Field]:
        """Every column of ``name``: system, inherited and its own."""
        self.table(name)
        return self._fields[name]

    def lineage(self, name: str) -> tuple[str, ...]:
        """``name`` and its ancestors, root first."""
        chain = [name]
        while (parent := self._tables[chain[-1]].parent) is not None:
            chain.append(parent)
        return tuple(reversed(chain))

    def family(self, name: str) -> frozenset[str]:
        """``name`` and every table that extends it."""
        return self._family[name]

    # -- records --------------------------------------------------------------

    def records(self, table: str) -> Iterator[Record]:
        """The records of ``table`` and its children, in insertion order (live, not copies)."""
        self.table(table)
        family = self._family[table]
        rows = self._rows[self._roots[table]]
        if len(family) == 1 and self._roots[table] == table:
            return iter(list(rows.values()))
        return iter([r for r in rows.values() if r["sys_class_name"] in family])

    def count(self, table: str) -> int:
        return sum(1 for _ in self.records(table))

    def get(self, table: str, sys_id: str) -> Record | None:
        """The record (live) when it belongs to ``table``'s family, else None."""
        self.table(table)
        record = self._rows[self._roots[table]].get(sys_id)
        if record is None or record["sys_class_name"] not in self._family[table]:
            return None
        return record

    def find(self, table: str, field: str, value: str) -> list[Record]:
        """Records whose ``field`` equals ``value`` (index-backed where the table declares one)."""
        self.table(table)
        root = self._roots[table]
        index = self._indexes.get((root, field))
        if index is None:
            return [r for r in self.records(table) if _plain(r.get(field)) == value]
        family = self._family[table]
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
                record[name] = self._coerce(table, f, values[name]) if name in values and name not in READ_ONLY else None
            sys_id = record.pop("sys_id") or ""
            if sys_id:
                if not SYS_ID_PATTERN.fullmatch(sys_id):
                    raise BadRequest(f"sys_id must be 32 lowercase hexadecimal characters, not {sys_id!r}",
                                     message="Operation Failed")
                if sys_id in self._rows[self._roots[table]]:
                    raise BadRequest(f"a record with sys_id {sys_id} already exists", message="Operation Failed")
            else:
                sys_id = schema.new_sys_id()
            given = {n for n, v in record.items() if v is not None}
            for name, f in fields.items():
                if name != "sys_id" and record.get(name) is None:
                    static = plan.static_defaults.get(name)
                    record[name] = static if static is not None else self._coerce(table, f, f.default_for(self))
            for name, generate in plan.generated:
                if not _plain(record.get(name)):
                    record[name] = self._coerce(table, fields[name], generate(self))
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
            changes = {n: self._coerce(table, fields[n], v) for n, v in values.items()
                       if n in fields and n not in READ_ONLY and n != "sys_id"}
            record = {**current, **changes}
            for rule in self._rules_for(current["sys_class_name"]):
                rule.before_write(self, record, set(changes), False)
            record.update(sys_updated_on=self.clock.glide_now(), sys_updated_by=actor,
                          sys_mod_count=str(int(current["sys_mod_count"]) + 1))
            self._put(current["sys_class_name"], record)
            return record

    def delete(self, table: str, sys_id: str) -> bool:
        """Delete a record and its attachments; False when it does not exist."""
        with self.lock:
            record = self.get(table, sys_id)
            if record is None:
                return False
            root = self._roots[table]
            for name in self._tables_indexed(root):
                self._index_discard(root, name, record.get(name), sys_id)
            del self._rows[root][sys_id]
            self._files.pop(sys_id, None)
            if "sys_attachment" in self._tables and table != "sys_attachment":
                for attachment in self.find("sys_attachment", "table_sys_id", sys_id):
                    self.delete("sys_attachment", attachment["sys_id"])
            return True

    def next_number(self, series: str) -> int:
        """The next value of a record-number series (``INC0010001``, ...)."""
        with self.lock:
            self._counters[series] = self._counters.get(series, 10000) + 1
            return self._counters[series]

    # -- attachment bytes ----------------------------------------------------

    def put_file(self, attachment_sys_id: str, content: bytes) -> None:
        with self.lock:
            self._files[attachment_sys_id] = content

    def file(self, attachment_sys_id: str) -> bytes | None:
        return self._files.get(attachment_sys_id)

    def attachments(self, table: str, sys_id: str) -> list[Record]:
        """The ``sys_attachment`` records on a record, oldest first."""
        return [a for a in self.find("sys_attachment", "table_sys_id", sys_id) if a["table_name"] == table]

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
            generated = tuple((name, generate) for (t, name), generate in schema.GENERATED_WHEN_BLANK.items()
                              if t in lineage)
            # Literal defaults of plain fields, coerced once (passwords stay per-record Secrets).
            static = {name: f.default for name, f in fields.items()
                      if isinstance(f.default, str) and f.kind != PASSWORD}
            plan = self._plans[table] = _InsertPlan(fields, generated, tuple(self._rules_for(table)), static)
        return plan

    def _rules_for(self, table: str) -> list[Rule]:
        lineage = self.lineage(table)
        return [r for r in self._rules if r.table in lineage]

    def _tables_indexed(self, root: str) -> list[str]:
        return [name for (r, name) in self._indexes if r == root]

    def _put(self, table: str, record: Record) -> None:
        root = self._roots[table]
        sys_id = record["sys_id"]
        old = self._rows[root].get(sys_id)
        for name in self._tables_indexed(root):
            if old is not None:
                self._index_discard(root, name, old.get(name), sys_id)
            self._index_add(root, name, record.get(name), sys_id)
        self._rows[root][sys_id] = record

    def _index_add(self, root: str, field: str, value: Any, sys_id: str) -> None:
        self._indexes[(root, field)].setdefault(_plain(value), set()).add(sys_id)

    def _index_discard(self, root: str, field: str, value: Any, sys_id: str) -> None:
        bucket = self._indexes[(root, field)].get(_plain(value))
        if bucket is not None:
            bucket.discard(sys_id)
            if not bucket:
                del self._indexes[(root, field)][_plain(value)]

    def _coerce(self, table: str, f: Field, value: Any) -> Any:
        text = to_text(value)
        if f.kind == PASSWORD:
            if isinstance(value, Secret):
                return value
            if f.name == "user_password":
                return PasswordHash(text) if text else Secret("")
            return Secret(text)
        return text


def to_text(value: Any) -> str:
    """A JSON body value as the platform stores it: every value a string (PLATFORM.md §2)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, Secret):
        return value.reveal()
    if isinstance(value, dict) and "value" in value:
        # A reference or display_value=all shape sent back as it was read.
        return to_text(value["value"])
    return json.dumps(value, separators=(",", ":"))


def _plain(value: Any) -> str:
    if isinstance(value, Secret):
        return value.reveal()
    return "" if value is None else value


class TableResolver:
    """Resolves query paths (``caller_id.email``) on one table for :mod:`mock_instance.tables.query`.

    Password fields are not queryable, as on the platform.
    """

    def __init__(self, store: Store, table: str) -> None:
        self._store = store
        self._table = table
        self._paths: dict[str, tuple[tuple[Field, ...], bool] | None] = {}

    def _walk(self, path: str) -> tuple[tuple[Field, ...], bool] | None:
        if path in self._paths:
            return self._paths[path]
        table: str | None = self._table
        chain: list[Field] = []
        for segment in path.split("."):
            if table is None or not self._store.has_table(table):
                chain = []
                break
            f = self._store.fields(table).get(segment)
            if f is None or f.kind == PASSWORD:
                chain = []
                break
            chain.append(f)
            table = f.reference
        result = (tuple(chain), chain[-1].kind == schema.INTEGER) if chain else None
        self._paths[path] = result
        return result

    def is_known(self, path: str) -> bool:
        return self._walk(path) is not None

    def is_numeric(self, path: str) -> bool:
        walked = self._walk(path)
        return bool(walked and walked[1])

    def value(self, record: Record, path: str) -> str:
        walked = self._walk(path)
        if walked is None:
            return ""
        chain = walked[0]
        current: Record | None = record
        for f in chain[:-1]:
            target = current.get(f.name) if current else None
            current = self._store.get(f.reference, target) if target else None  # type: ignore[arg-type]
            if current is None:
                return ""
        value = current.get(chain[-1].name) if current else None
        return value if isinstance(value, str) else ""


def public_view(store: Store, record: Record) -> dict[str, str]:
    """A record as Python callers see it: every value a string, password fields empty."""
    fields = store.fields(record["sys_class_name"])
    return {name: ("" if fields[name].kind == PASSWORD or not isinstance(record.get(name), str)
                   else record[name]) for name in fields}
