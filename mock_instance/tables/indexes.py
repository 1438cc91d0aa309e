"""Equality indexes over a store's records, kept in step with every insert, update and delete.

One :class:`FieldIndex` per (root table, field): the value, as a query compares
it, maps to the sys_ids that hold it, in insertion order (the order a list shows
records in), so a lookup costs what its result costs. The distinct values are
also kept sorted on demand, for ``STARTSWITH`` and for walking an ``ORDERBY``
without sorting the records. Declared fields (``Table.indexed``) are indexed at
registration; any other field the first time a query needs it.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator, Mapping
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
    """Every field index of a store, and each record's insertion position (the order lists show)."""

    def __init__(self) -> None:
        self._by_root: dict[str, dict[str, FieldIndex]] = {}
        self._positions: dict[str, dict[str, int]] = {}
        self._next = 0

    def positions(self, root: str) -> Mapping[str, int]:
        return self._positions.setdefault(root, {})

    def get(self, root: str, field: str) -> FieldIndex | None:
        return self._by_root.get(root, {}).get(field)

    def build(self, root: str, field: str, rows: Mapping[str, Record]) -> FieldIndex:
        """The index of ``field`` over ``rows`` (made now, over every record, if there was none)."""
        index = self.get(root, field)
        if index is None:
            index = FieldIndex(field, self.positions(root))
            for sys_id, record in rows.items():
                index.add(record.get(field), sys_id, newest=True)
            self._by_root.setdefault(root, {})[field] = index
        return index

    def inserted(self, root: str, record: Record) -> None:
        sys_id = record["sys_id"]
        self._next += 1
        self.positions(root)[sys_id] = self._next  # type: ignore[index]
        for field, index in self._by_root.get(root, {}).items():
            index.add(record.get(field), sys_id, newest=True)

    def updated(self, root: str, old: Record, new: Record) -> None:
        sys_id = new["sys_id"]
        for field, index in self._by_root.get(root, {}).items():
            before, after = old.get(field), new.get(field)
            if plain(before) != plain(after):
                index.discard(before, sys_id)
                index.add(after, sys_id, newest=False)

    def deleted(self, root: str, record: Record) -> None:
        sys_id = record["sys_id"]
        for field, index in self._by_root.get(root, {}).items():
            index.discard(record.get(field), sys_id)
        self.positions(root).pop(sys_id, None)  # type: ignore[attr-defined]

    def rebuild(self, rows: Mapping[str, Mapping[str, Record]], keep: Callable[[str, str], bool]) -> None:
        """Index ``rows`` afresh (after a restore): the fields ``keep(root, field)`` says, the others dropped."""
        fields = [(root, field) for root, by_field in self._by_root.items() for field in by_field if keep(root, field)]
        self._by_root, self._positions = {}, {}
        for root, records in rows.items():
            positions = self._positions[root] = {}
            for sys_id in records:
                self._next += 1
                positions[sys_id] = self._next
        for root, field in fields:
            self.build(root, field, rows.get(root, {}))
