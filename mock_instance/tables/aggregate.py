"""Aggregates over records: count, avg, min, max, sum, grouped, filtered by having (docs/platform.md §12.4).

Values follow SQL: an empty value takes no part in avg, min, max or sum. All results are text,
as the Aggregate API writes them: ``avg`` with four decimals, the others as stored, integers
without decimals [CHOSEN].
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, NamedTuple

from .conditions import Resolver, sort_key

AGGREGATES = ("avg", "max", "min", "sum")
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    ">": lambda a, b: a > b, "<": lambda a, b: a < b, ">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b,
    "=": lambda a, b: a == b, "!=": lambda a, b: a != b,
}


class Having(NamedTuple):
    """``aggregate^field^operator^value``: keep a group whose aggregate compares so."""

    aggregate: str
    field: str
    op: str
    value: float


class Spec(NamedTuple):
    """What to compute: ``count``, fields per aggregate, groups, having, order (``COUNT``, ``AVG^f``, a field)."""

    count: bool = False
    fields: Mapping[str, tuple[str, ...]] = MappingProxyType({})
    group_by: tuple[str, ...] = ()
    having: tuple[Having, ...] = ()
    order_by: tuple[str, str, bool] | None = None  # (aggregate or "", field, descending)


class Group(NamedTuple):
    """One group: its values for the group-by fields, its records, and its stats."""

    key: tuple[str, ...]
    rows: list[Any]
    stats: dict[str, Any]

    @property
    def sample(self) -> Any:
        """A record of the group (to display its group-by values), None for an empty group."""
        return self.rows[0] if self.rows else None


def parse_having(text: str) -> tuple[list[Having], list[str]]:
    """``sysparm_having``: the clauses read, and those that could not be."""
    read, bad = [], []
    for clause in (c for c in text.split(",") if c.strip()):
        parts = clause.split("^")
        if len(parts) == 4 and parts[0].lower() in ("count", *AGGREGATES) and parts[2] in _COMPARE:
            try:
                read.append(Having(parts[0].lower(), parts[1], parts[2], float(parts[3])))
                continue
            except ValueError:
                pass
        bad.append(clause)
    return read, bad


def parse_order(text: str) -> tuple[str, str, bool] | None:
    """``sysparm_order_by``: ``COUNT``, ``AVG^field``..., or a group-by field, then ``^DESC``."""
    parts = [p for p in text.split("^") if p]
    if not parts:
        return None
    descending = parts[-1].upper() == "DESC"
    if descending:
        parts = parts[:-1]
    if parts and parts[0].upper() == "COUNT":
        return ("count", "", descending)
    if len(parts) == 2 and parts[0].lower() in AGGREGATES:
        return (parts[0].lower(), parts[1], descending)
    return ("", parts[0], descending) if len(parts) == 1 else None


def compute(records: Iterable[Any], spec: Spec, resolver: Resolver,
            display_key: Callable[[Group], tuple[str, ...]]) -> list[Group]:
    """The groups (one, with no key, when nothing is grouped), filtered by ``having`` and ordered."""
    buckets: dict[tuple[str, ...], list[Any]] = {}
    for record in records:
        buckets.setdefault(tuple(resolver.value(record, f) for f in spec.group_by), []).append(record)
    if not spec.group_by and not buckets:
        buckets[()] = []
    groups = [Group(key, rows, _stats(rows, spec, resolver)) for key, rows in buckets.items()]
    groups = [g for g in groups if all(_keeps(g, h, resolver) for h in spec.having)]
    if spec.order_by is not None and spec.order_by[0]:
        aggregate, name, descending = spec.order_by
        groups.sort(key=lambda g: _ordered(_measure(g.rows, aggregate, name, resolver)), reverse=descending)
    else:  # by a group-by field's display value, then the others' (docs/platform.md §12.4)
        first = spec.group_by.index(spec.order_by[1]) if spec.order_by and spec.order_by[1] in spec.group_by else 0
        descending = bool(spec.order_by and spec.order_by[2])
        groups.sort(key=lambda g: (display_key(g)[first:first + 1], display_key(g)), reverse=descending)
    return groups


def _stats(rows: Sequence[Any], spec: Spec, resolver: Resolver) -> dict[str, Any]:
    stats: dict[str, Any] = {}
    if spec.count:
        stats["count"] = str(len(rows))
    for aggregate in AGGREGATES:
        names = spec.fields.get(aggregate, ())
        if names:
            stats[aggregate] = {name: _text(aggregate, _values(rows, name, resolver), resolver.is_numeric(name))
                                for name in names}
    return stats


def _values(rows: Sequence[Any], name: str, resolver: Resolver) -> list[str]:
    return [v for v in (resolver.value(r, name) for r in rows) if v != ""]


def _aggregate(aggregate: str, values: list[str], numeric: bool) -> float | str | None:
    if not values:
        return None
    if aggregate in ("min", "max"):
        pick = min if aggregate == "min" else max
        return pick(values, key=lambda v: sort_key(v, numeric))
    numbers = [n for n in (_number(v) for v in values) if n is not None]
    if not numbers:
        return None
    total = sum(numbers)
    return total / len(numbers) if aggregate == "avg" else total


def _text(aggregate: str, values: list[str], numeric: bool) -> str:
    result = _aggregate(aggregate, values, numeric)
    if result is None:
        return ""
    if isinstance(result, str):
        return result
    if aggregate == "avg":
        return f"{result:.4f}"
    return str(int(result)) if float(result).is_integer() else repr(result)


def _measure(rows: Sequence[Any], aggregate: str, name: str, resolver: Resolver) -> float | None:
    if aggregate == "count":
        return float(len(rows))
    return _number(_aggregate(aggregate, _values(rows, name, resolver), resolver.is_numeric(name)))


def _ordered(value: float | None) -> tuple[bool, float]:
    return (value is None, value or 0.0)


def _keeps(group: Group, having: Having, resolver: Resolver) -> bool:
    value = _measure(group.rows, having.aggregate, having.field, resolver)
    return value is not None and _COMPARE[having.op](value, having.value)


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
