"""Which tables exist: their columns (own, inherited and system), inheritance, families, display fields."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from .errors import InvalidTable
from .fields import SYSTEM_FIELDS, Field, Table

#: docs/platform.md §12.2: after a field marked as the display, these names in order, then ``sys_created_on``.
DISPLAY_NAMES = ("name", "u_name", "x_name", "number", "u_number", "x_number")


class Catalog:
    """Table definitions by name. A child table has its parent's columns (``oauth_jwt`` extends ``oauth_entity``).

    A reference may name a table the mock does not carry (``task.cmdb_ci`` → ``cmdb_ci``): its
    value and link are served as usual, and its display value is ``""``.
    """

    def __init__(self) -> None:
        self._tables: dict[str, Table] = {}
        self._fields: dict[str, dict[str, Field]] = {}
        self._family: dict[str, frozenset[str]] = {}
        self._roots: dict[str, str] = {}
        self._display: dict[str, str | None] = {}
        #: What callers derive from the tables and keep (a render plan...): emptied when the tables change.
        self.memo: dict[Any, Any] = {}

    def register(self, table: Table) -> None:
        """Add a table (its parent must exist). Registering a name twice is refused."""
        self.register_all([table])

    def register_all(self, tables: Iterable[Table]) -> list[Table]:
        """Add tables, parents before children in any order; all or none. Returns them in the order added."""
        pending = list(tables)
        names = [t.name for t in pending]
        for table in pending:
            if table.name in self._tables or names.count(table.name) > 1:
                raise ValueError(f"table {table.name!r} already exists")
        ordered: list[Table] = []
        known = set(self._tables)
        while pending:
            ready = [t for t in pending if t.parent is None or t.parent in known]
            if not ready:
                t = pending[0]
                raise ValueError(f"table {t.name!r}: parent {t.parent!r} does not exist")
            for t in ready:
                known.add(t.name)
                ordered.append(t)
                pending.remove(t)
        fields: dict[str, dict[str, Field]] = {}
        for table in ordered:
            base = fields.get(table.parent or "") or self._fields.get(table.parent or "")
            inherited = dict(base) if base is not None else {f.name: f for f in SYSTEM_FIELDS}
            clash = set(inherited).intersection(f.name for f in table.fields)
            if clash:
                raise ValueError(f"table {table.name!r}: field(s) {sorted(clash)} already inherited")
            inherited.update((f.name, f) for f in table.fields)
            unknown = {name for name, _ in table.defaults} - set(inherited)
            if unknown:
                raise ValueError(f"table {table.name!r}: defaults for unknown field(s) {sorted(unknown)}")
            fields[table.name] = inherited
        for table in ordered:
            self._tables[table.name] = table
            self._fields[table.name] = fields[table.name]
            self._roots[table.name] = self._roots[table.parent] if table.parent else table.name
            self._family[table.name] = frozenset({table.name})
            for ancestor in self.lineage(table.name)[:-1]:
                self._family[ancestor] = self._family[ancestor] | {table.name}
        self._display.clear()
        self.memo.clear()
        return ordered

    def extend(self, name: str, fields: Iterable[Field]) -> tuple[Field, ...]:
        """Add columns to an existing table (and so to its children); a name any of them has is skipped.

        Returns the columns added.
        """
        table = self.table(name)
        taken = set().union(*(self._fields[t] for t in self.family(name)))
        added = tuple(f for f in fields if f.name not in taken)
        if added:
            self._tables[name] = dataclasses.replace(table, fields=table.fields + added)
            for member in self.family(name):
                self._fields[member].update((f.name, f) for f in added)
            self._display.clear()
            self.memo.clear()
        return added

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

    def root(self, name: str) -> str:
        """The table at the top of ``name``'s lineage: where its records are kept."""
        return self._roots[name]

    def display_field(self, name: str, fallback: str | None = None) -> str:
        """The field a reference to ``name`` displays (docs/platform.md §12.2).

        The field marked as the display on the lowest table, then on its parents; else the
        first of :data:`DISPLAY_NAMES` the table has; else ``fallback`` (the platform reads it
        from the ``glide.record.display_value_default`` property) when the table has it; else
        ``sys_created_on``.
        """
        if name not in self._display:
            marked = (self._tables[t].display for t in reversed(self.lineage(name)))
            columns = self.fields(name)
            self._display[name] = next((d for d in marked if d), None) \
                or next((n for n in DISPLAY_NAMES if n in columns), None)
        found = self._display[name]
        if found is not None:
            return found
        return fallback if fallback and fallback in self.fields(name) else "sys_created_on"
