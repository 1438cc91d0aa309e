"""Which tables exist: their columns (own, inherited and system), inheritance, families."""

from __future__ import annotations

from collections.abc import Mapping

from .errors import InvalidTable
from .fields import SYSTEM_FIELDS, Field, Table


class Catalog:
    """Table definitions by name. A child table has its parent's columns (``oauth_jwt`` extends ``oauth_entity``)."""

    def __init__(self) -> None:
        self._tables: dict[str, Table] = {}
        self._fields: dict[str, dict[str, Field]] = {}
        self._family: dict[str, frozenset[str]] = {}
        self._roots: dict[str, str] = {}
        self._lineages: dict[str, tuple[str, ...]] = {}

    def register(self, table: Table) -> None:
        """Add a table (its parent must exist). Registering a name twice is refused."""
        if table.name in self._tables:
            raise ValueError(f"table {table.name!r} already exists")
        if table.parent is not None and table.parent not in self._tables:
            raise ValueError(f"table {table.name!r}: parent {table.parent!r} does not exist")
        inherited = dict(self._fields[table.parent]) if table.parent else {f.name: f for f in SYSTEM_FIELDS}
        clash = set(inherited).intersection(f.name for f in table.fields)
        if clash:
            raise ValueError(f"table {table.name!r}: field(s) {sorted(clash)} already inherited")
        inherited.update((f.name, f) for f in table.fields)
        for f in table.fields:
            if f.reference is not None and f.reference not in self._tables and f.reference != table.name:
                raise ValueError(f"field {table.name}.{f.name}: table {f.reference!r} does not exist")
        self._tables[table.name] = table
        self._fields[table.name] = inherited
        self._roots[table.name] = self._roots[table.parent] if table.parent else table.name
        self._lineages[table.name] = (*self._lineages[table.parent], table.name) if table.parent else (table.name,)
        self._family[table.name] = frozenset({table.name})
        for ancestor in self.lineage(table.name)[:-1]:
            self._family[ancestor] = self._family[ancestor] | {table.name}

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
        return self._lineages[name]

    def family(self, name: str) -> frozenset[str]:
        """``name`` and every table that extends it."""
        return self._family[name]

    def root(self, name: str) -> str:
        """The table at the top of ``name``'s lineage: where its records are kept."""
        return self._roots[name]
