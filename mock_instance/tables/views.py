"""Reading records the way clients see them: dot-walked paths and public views."""

from __future__ import annotations

from collections.abc import Callable

from .fields import NUMERIC_KINDS, PASSWORD, Field
from .store import Record, Store


class TableResolver:
    """Resolves query paths (``caller_id.email``) on one table for :mod:`mock_instance.tables.query`.

    Password fields are not queryable, as on the platform. With ``readable`` (the
    caller's ACL), a path that reads a field of a table the caller may not read, at
    any hop, is unknown: ignored in ``sysparm_fields``, its condition dropped from a
    query (docs/platform.md §2's rule for unknown fields), never its value.
    """

    def __init__(self, store: Store, table: str, readable: Callable[[str], bool] | None = None) -> None:
        self._store = store
        self.table = table
        self._readable = readable
        self._paths: dict[str, tuple[tuple[Field, ...], bool] | None] = {}

    def _walk(self, path: str) -> tuple[tuple[Field, ...], bool] | None:
        if path in self._paths:
            return self._paths[path]
        table: str | None = self.table
        chain: list[Field] = []
        for segment in path.split("."):
            if table is None or not self._store.has_table(table) \
                    or (self._readable is not None and not self._readable(table)):
                chain = []
                break
            f = self._store.fields(table).get(segment)
            if f is None or f.kind == PASSWORD:
                chain = []
                break
            chain.append(f)
            table = f.reference
        result = (tuple(chain), chain[-1].kind in NUMERIC_KINDS) if chain else None
        self._paths[path] = result
        return result

    def is_known(self, path: str) -> bool:
        return self._walk(path) is not None

    def why_unknown(self, path: str) -> str:
        """Why a query cannot use ``path`` (for the warning that says a part was dropped)."""
        table: str | None = self.table
        for segment in path.split("."):
            if table is None:
                return f"{path}: {segment!r} follows a column that is not a reference"
            if not self._store.has_table(table):
                return f"{path}: the mock does not carry table {table}"
            if self._readable is not None and not self._readable(table):
                return f"{path}: the caller may not read {table}"
            f = self._store.fields(table).get(segment)
            if f is None:
                return f"no field {segment} on {table}"
            if f.kind == PASSWORD:
                return f"{table}.{segment} is a password field, which queries cannot read"
            table = f.reference
        return f"{path} is known"

    def is_secret(self, path: str) -> bool:
        """Whether ``path`` ends on a password field (its value is never written to a warning)."""
        table: str | None = self.table
        for segment in path.split("."):
            f = self._store.fields(table).get(segment) if table and self._store.has_table(table) else None
            if f is None:
                return False
            if f.kind == PASSWORD:
                return True
            table = f.reference
        return False

    def related(self, table: str) -> TableResolver | None:
        """A resolver on another table (for JOIN and RLQUERY), with the same ACL; None when it does not
        exist or the caller may not read it (the condition is then dropped, as for an unknown table)."""
        if not self._store.has_table(table) or (self._readable is not None and not self._readable(table)):
            return None
        return TableResolver(self._store, table, self._readable)

    def why_unrelated(self, table: str) -> str:
        """Why :meth:`related` has no resolver for ``table`` (for the warning that says a part was dropped)."""
        if not self._store.has_table(table):
            return f"no table {table}"
        return f"the caller may not read {table}"

    def records(self) -> list[Record]:
        """The table's records (its children's included)."""
        return list(self._store.records(self.table))

    def is_numeric(self, path: str) -> bool:
        walked = self._walk(path)
        return bool(walked and walked[1])

    def value(self, record: Record, path: str) -> str:
        walked = self._paths.get(path) if path in self._paths else self._walk(path)
        if walked is not None and len(walked[0]) == 1:  # a plain column: every filtered record comes here
            value = record.get(walked[0][0].name)
        else:
            target, f = self.walk(record, path)
            value = target.get(f.name) if target is not None and f is not None else None
        return value if isinstance(value, str) else ""

    def walk(self, record: Record, path: str) -> tuple[Record | None, Field | None]:
        """The record at the end of a dot-walk and its last column: ``(None, field)`` when a link is empty."""
        walked = self._walk(path)
        if walked is None:
            return None, None
        chain = walked[0]
        current: Record | None = record
        for f in chain[:-1]:
            target = current.get(f.name) if current else None
            ref_table = f.reference or ""
            current = self._store.get(ref_table, target) if target and self._store.has_table(ref_table) else None
            if current is None:
                return None, chain[-1]
        return current, chain[-1]


def public_view(store: Store, record: Record) -> dict[str, str]:
    """A record as Python callers see it: every value a string, password fields empty."""
    fields = store.fields(record["sys_class_name"])
    return {name: ("" if fields[name].kind == PASSWORD or not isinstance(record.get(name), str)
                   else record[name]) for name in fields}
