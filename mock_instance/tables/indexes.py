"""Equality indexes over a store's rows, kept in step with every insert, update and delete.

One :class:`FieldIndex` per (root table, field): the value, as a query compares
it, maps to the sys_ids that hold it, in insertion order (the order a list shows
records in), so a lookup costs what its result costs. The distinct values are
also kept sorted on demand, for ``STARTSWITH`` and for walking an ``ORDERBY``
without sorting the records. Declared fields (``Table.indexed``) are indexed at
registration; any other field the first time a query needs it.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..crypto.secret import Secret

Record = dict[str, Any]


def plain(value: Any) -> str:
    """A stored value as queries and indexes compare it: text, ``""`` for none, a secret revealed."""
    if isinstance(value, Secret):
        return value.reveal()
    return "" if value is None else value


def sort_key(value: str, numeric: bool) -> tuple[int, Any]:
    """How ``ORDERBY`` compares values: numbers first by value on an integer field, then text."""
    if numeric:
        try:
            return (0, float(value))
        except ValueError:
            pass
    return (1, value)


class FieldIndex:
    """value -> {sys_id: None} of one field over one root table's records, each bucket in insertion order."""

    __slots__ = ("field", "_buckets", "_positions", "_disordered", "_sorted")

    def __init__(self, field: str, positions: Mapping[str, int]) -> None:
        self.field = field
        self._buckets: dict[str, dict[str, None]] = {}
        self._positions = positions
        #: Buckets that gained a sys_id out of insertion order (an update moved a record in).
        self._disordered: set[str] = set()
        #: The distinct values sorted, by ``numeric`` (built on first use, then kept in step).
        self._sorted: dict[bool, list[str]] = {}

    def __len__(self) -> int:
        return len(self._buckets)

    def add(self, value: Any, sys_id: str, *, newest: bool) -> None:
        """Index ``sys_id`` under ``value``; ``newest``: it was inserted after every record already indexed."""
        key = plain(value)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = {}
            for numeric, keys in self._sorted.items():
                bisect.insort(keys, key, key=lambda v, n=numeric: sort_key(v, n))  # type: ignore[misc]
        elif not newest:
            self._disordered.add(key)
        bucket[sys_id] = None

    def discard(self, value: Any, sys_id: str) -> None:
        key = plain(value)
        bucket = self._buckets.get(key)
        if bucket is None:
            return
        bucket.pop(sys_id, None)
        if not bucket:
            del self._buckets[key]
            self._disordered.discard(key)
            for numeric, keys in self._sorted.items():
                at = bisect.bisect_left(keys, sort_key(key, numeric), key=lambda v, n=numeric: sort_key(v, n))
                if at < len(keys) and keys[at] == key:
                    del keys[at]

    def count(self, value: str) -> int:
        """How many records hold ``value``."""
        bucket = self._buckets.get(value)
        return 0 if bucket is None else len(bucket)

    def lookup(self, value: str) -> Iterable[str]:
        """The sys_ids holding ``value``, in insertion order."""
        bucket = self._buckets.get(value)
        if bucket is None:
            return ()
        if value in self._disordered:
            bucket = self._buckets[value] = dict.fromkeys(sorted(bucket, key=self._positions.__getitem__))
            self._disordered.discard(value)
        return bucket

    def values(self, *, numeric: bool = False, descending: bool = False) -> Iterator[str]:
        """The distinct values in ``ORDERBY`` order."""
        keys = self._sorted.get(numeric)
        if keys is None:
            keys = self._sorted[numeric] = sorted(self._buckets, key=lambda v: sort_key(v, numeric))
        return reversed(keys) if descending else iter(keys)

    def starting_with(self, prefix: str) -> list[str]:
        """The distinct values that start with ``prefix``."""
        keys = self._sorted.get(False)
        if keys is None:
            keys = self._sorted[False] = sorted(self._buckets)
        at = bisect.bisect_left(keys, prefix)
        found = []
        while at < len(keys) and keys[at].startswith(prefix):
            found.append(keys[at])
            at += 1
        return found

    def ordered(self, sys_ids: Iterable[str]) -> list[str]:
        """``sys_ids`` in insertion order."""
        return sorted(sys_ids, key=self._positions.__getitem__)


class Indexes:
    """Every field index of a store, and each record's insertion position; the store calls these under its lock."""

    def __init__(self) -> None:
        self._by_root: dict[str, dict[str, FieldIndex]] = {}
        self._positions: dict[str, dict[str, int]] = {}
        self._next = 0
        #: Per root, the count of writes when it was last written (or restored): caches compare it.
        self._generations: dict[str, int] = {}

    def generation(self, root: str) -> int:
        """A number that changes whenever a record under ``root`` is written or deleted, or the root restored."""
        return self._generations.get(root, 0)

    def _touch(self, root: str) -> None:
        self._next += 1
        self._generations[root] = self._next

    def positions(self, root: str) -> Mapping[str, int]:
        """Each record's insertion position under ``root`` (the order lists show)."""
        return self._positions.setdefault(root, {})

    def get(self, root: str, field: str) -> FieldIndex | None:
        return self._by_root.get(root, {}).get(field)

    def declare(self, root: str, field: str, rows: Mapping[str, Record]) -> None:
        """Index ``field`` of the records kept under ``root`` (a no-op when it already is)."""
        self.build(root, field, rows)

    def build(self, root: str, field: str, rows: Mapping[str, Record]) -> FieldIndex:
        """The index of ``field`` over ``rows`` (made now, over every record, if there was none)."""
        index = self.get(root, field)
        if index is None:
            positions = self._positions.setdefault(root, {})
            for sys_id in rows:
                if sys_id not in positions:
                    self._next += 1
                    positions[sys_id] = self._next
            index = FieldIndex(field, positions)
            for sys_id, record in rows.items():
                index.add(record.get(field), sys_id, newest=True)
            self._by_root.setdefault(root, {})[field] = index
        return index

    def lookup(self, root: str, field: str, value: str) -> list[str] | None:
        """The sys_ids whose ``field`` is ``value``, oldest first; None when the field has no index."""
        index = self.get(root, field)
        return None if index is None else list(index.lookup(value))

    def put(self, root: str, old: Record | None, new: Record) -> None:
        """A record written (``old`` the previous version, if any)."""
        sys_id = new["sys_id"]
        self._touch(root)
        if old is None:
            self._next += 1
            self._positions.setdefault(root, {})[sys_id] = self._next
            for field, index in self._by_root.get(root, {}).items():
                index.add(new.get(field), sys_id, newest=True)
            return
        for field, index in self._by_root.get(root, {}).items():
            before, after = old.get(field), new.get(field)
            if plain(before) != plain(after):  # unchanged: the record keeps its place in the bucket
                index.discard(before, sys_id)
                index.add(after, sys_id, newest=False)

    def remove(self, root: str, record: Record) -> None:
        """A record deleted."""
        sys_id = record["sys_id"]
        self._touch(root)
        for field, index in self._by_root.get(root, {}).items():
            index.discard(record.get(field), sys_id)
        self._positions.get(root, {}).pop(sys_id, None)

    def rebuild(self, root: str, rows: Mapping[str, Record], fields: Iterable[str] | None = None) -> None:
        """Index ``rows`` afresh (after a restore): every index of ``root``, or those of ``fields``."""
        indexes = self._by_root.get(root, {})
        names = [f for f in indexes if fields is None or f in fields]
        if fields is None:
            self._touch(root)
            positions = self._positions[root] = {}
            for sys_id in rows:
                self._next += 1
                positions[sys_id] = self._next
        for name in names:
            del indexes[name]
            self.build(root, name, rows)
