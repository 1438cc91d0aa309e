"""Reading records the way clients see them: dot-walked paths and public views."""

from __future__ import annotations

from collections.abc import Callable

from .fields import INTEGER, PASSWORD, Field
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
        self._table = table
        self._readable = readable
        self._paths: dict[str, tuple[tuple[Field, ...], bool] | None] = {}

    def _walk(self, path: str) -> tuple[tuple[Field, ...], bool] | None:
        if path in self._paths:
            return self._paths[path]
        table: str | None = self._table
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
        result = (tuple(chain), chain[-1].kind == INTEGER) if chain else None
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
