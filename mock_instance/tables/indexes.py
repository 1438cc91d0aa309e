"""Equality indexes over a store's rows: ``(root table, field) → value → sys_ids``.

Lookups by token, user name or client id stay constant-time however many records there are.
Buckets are insertion-ordered (dicts as ordered sets), so a lookup returns records oldest first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..crypto.secret import Secret

Index = dict[str, dict[str, None]]


def plain(value: Any) -> str:
    """A stored value as text (a password field's secret revealed, None as ``""``): what an index keys on."""
    if isinstance(value, Secret):
        return value.reveal()
    return "" if value is None else value


class Indexes:
    """The indexes of one store; the store calls these under its lock."""

    def __init__(self) -> None:
        self._by_root: dict[str, dict[str, Index]] = {}

    def declare(self, root: str, field: str, rows: Mapping[str, Mapping[str, Any]]) -> None:
        """Index ``field`` of the records kept under ``root`` (a no-op when it already is)."""
        indexes = self._by_root.setdefault(root, {})
        if field not in indexes:
            indexes[field] = {}
            self.rebuild(root, rows, fields=(field,))

    def lookup(self, root: str, field: str, value: str) -> list[str] | None:
        """The sys_ids whose ``field`` is ``value``, oldest first; None when the field has no index."""
        index = self._by_root.get(root, {}).get(field)
        return None if index is None else list(index.get(value, ()))

    def put(self, root: str, old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> None:
        """A record written (``old`` the previous version, if any)."""
        for field, index in self._by_root.get(root, {}).items():
            if old is not None:
                if plain(old.get(field)) == plain(new.get(field)):
                    continue  # unchanged: the record keeps its place in the bucket
                _discard(index, plain(old.get(field)), old["sys_id"])
            index.setdefault(plain(new.get(field)), {})[new["sys_id"]] = None

    def remove(self, root: str, record: Mapping[str, Any]) -> None:
        """A record deleted."""
        for field, index in self._by_root.get(root, {}).items():
            _discard(index, plain(record.get(field)), record["sys_id"])

    def rebuild(self, root: str, rows: Mapping[str, Mapping[str, Any]], fields: Iterable[str] | None = None) -> None:
        """Index ``rows`` afresh (after a restore)."""
        for field, index in self._by_root.get(root, {}).items():
            if fields is None or field in fields:
                index.clear()
                for sys_id, record in rows.items():
                    index.setdefault(plain(record.get(field)), {})[sys_id] = None


def _discard(index: Index, value: str, sys_id: str) -> None:
    bucket = index.get(value)
    if bucket is not None:
        bucket.pop(sys_id, None)
        if not bucket:
            del index[value]
