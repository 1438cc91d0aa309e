"""The tables that describe the mock's own tables: ``sys_db_object``, ``sys_dictionary``, ``sys_choice``.

docs/platform.md §12.1 "Schema tables": one ``sys_db_object`` row per table the mock carries,
one ``sys_dictionary`` row per column a table defines (a root table's also its system
columns), and the choice lists; generated from the schema, so a client that reads the
metadata sees what the mock serves. Rows have stable sys_ids (the same in every instance).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from functools import lru_cache

from ..tables.fields import SYSTEM_FIELDS, Field, Table
from ..tables.store import Store
from .schema import Choice

Rows = tuple[tuple[str, Mapping[str, str]], ...]


def stable_id(*parts: str) -> str:
    """A sys_id derived from what a generated row describes: 32 lowercase hex characters."""
    return hashlib.md5("\x1f".join(parts).encode("utf-8"), usedforsecurity=False).hexdigest()


def describe(store: Store, tables: Iterable[str], choices: Iterable[Choice] = (), *, replace: bool = False) -> None:
    """Write the metadata rows of ``tables`` and ``choices``; rows already there are kept, or replaced."""
    with store.lock:
        rows: list[tuple[str, Mapping[str, str]]] = []
        for name in tables:
            rows += _table_rows(store.table(name))
        rows += _choice_rows(tuple(choices))
        _load(store, rows, replace)


def describe_fields(store: Store, table: str, fields: Iterable[Field]) -> None:
    """Write the dictionary rows of columns added to an existing table."""
    with store.lock:
        _load(store, [("sys_dictionary", _dictionary_row(store.table(table), f)) for f in fields], False)


def _load(store: Store, rows: list[tuple[str, Mapping[str, str]]], replace: bool) -> None:
    by_table: dict[str, list[Mapping[str, str]]] = {}
    for target, row in rows:
        by_table.setdefault(target, []).append(row)
    for target, batch in by_table.items():
        store.load(target, batch, replace=replace)


@lru_cache(maxsize=4096)
def _table_rows(table: Table) -> Rows:
    # The same Table object (the core schema is read once per process) gives the same rows.
    rows: list[tuple[str, Mapping[str, str]]] = [("sys_db_object", {
        "sys_id": stable_id("sys_db_object", table.name), "name": table.name, "label": table.title,
        "is_extendable": "true" if table.extensible else "false",
        "super_class": stable_id("sys_db_object", table.parent) if table.parent else "",
    })]
    own = table.fields if table.parent else SYSTEM_FIELDS + table.fields
    rows += [("sys_dictionary", _dictionary_row(table, f)) for f in own]
    return tuple(rows)


def _dictionary_row(table: Table, f: Field) -> Mapping[str, str]:
    default = f.default_text if f.default_text is not None else (f.default if isinstance(f.default, str) else "")
    return {
        "sys_id": stable_id("sys_dictionary", table.name, f.name), "name": table.name, "element": f.name,
        "column_label": f.column_label, "internal_type": f.dictionary_type, "reference": f.reference or "",
        "max_length": "" if f.max_length is None else str(f.max_length), "attributes": "",
        "display": "true" if table.display == f.name else "false", "default_value": default,
        "mandatory": "true" if f.mandatory else "false",
    }


@lru_cache(maxsize=64)
def _choice_rows(choices: tuple[Choice, ...]) -> Rows:
    return tuple(("sys_choice", {
        "sys_id": stable_id("sys_choice", c.table, c.element, c.language, c.value), "name": c.table,
        "element": c.element, "language": c.language, "value": c.value, "label": c.label,
        "sequence": str(c.sequence), "inactive": "true" if c.inactive else "false",
        "dependent_value": c.dependent_value, "hint": c.hint,
    }) for c in choices)
