"""Encoded queries compiled against a table: predicates, ordering, and what was dropped and why.

docs/platform.md §2: a condition on an unknown field (or any other invalid part) is dropped
and the rest applies; with no valid condition left, every record matches. §12.5: JOIN and
RLQUERY read other tables. Every dropped part is reported to ``warn(part, reason)``, so a
tester can see that a condition did not apply (the platform says nothing).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

from .query import Condition, EncodedQuery, Join, Related, Term, parse

Predicate = Callable[[Any], bool]
Warn = Callable[[str, str], None]
#: How a value of a password field is shown in a warning: never in clear.
HIDDEN = "********"
_COUNTS: dict[str, Callable[[int, int], bool]] = {
    ">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, "<": lambda a, b: a < b,
    "=": lambda a, b: a == b, "!=": lambda a, b: a != b,
}


class Resolver(Protocol):
    """What a query needs from a table: which paths exist, their values, and the other tables."""

    table: str

    def is_known(self, path: str) -> bool: ...
    def is_numeric(self, path: str) -> bool: ...
    def value(self, record: Any, path: str) -> str: ...
    def why_unknown(self, path: str) -> str: ...
    def is_secret(self, path: str) -> bool: ...
    def related(self, table: str) -> Resolver | None: ...
    def why_unrelated(self, table: str) -> str: ...
    def records(self) -> Iterable[Any]: ...


def _ignore(part: str, reason: str) -> None:
    pass


def compile_query(query: EncodedQuery, resolver: Resolver,
                  warn: Warn = _ignore) -> tuple[Predicate, tuple[tuple[str, bool], ...]]:
    """Turn a parsed query into a record predicate and the valid ordering.

    Conditions that cannot apply are dropped (and reported to ``warn``); a group left with
    nothing is dropped; with no valid condition at all every record matches (the platform's
    behaviour for an invalid query).
    """
    for part, reason in query.dropped:
        warn(part, reason)
    groups: list[list[list[Predicate]]] = []
    for group in query.groups:
        terms = []
        for alternatives in group:
            preds = [p for c in alternatives if (p := _term(c, resolver, warn)) is not None]
            if preds:
                terms.append(preds)
        if terms:
            groups.append(terms)
    order = []
    for name, descending in query.order:
        if resolver.is_known(name):
            order.append((name, descending))
        else:
            warn(f"ORDERBY{'DESC' if descending else ''}{name}", resolver.why_unknown(name))
    if not groups:
        return (lambda record: True), tuple(order)

    def predicate(record: Any) -> bool:
        return any(all(any(p(record) for p in alts) for alts in terms) for terms in groups)

    return predicate, tuple(order)


def order_records(records: list[Any], order: Sequence[tuple[str, bool]], resolver: Resolver) -> list[Any]:
    """Sort by the ORDERBY fields, first one primary; ties keep insertion order."""
    for field, descending in reversed(order):
        numeric = resolver.is_numeric(field)
        records.sort(key=lambda r: sort_key(resolver.value(r, field), numeric), reverse=descending)
    return records


def filter_records(records: Iterable[Any], text: str | None, resolver: Resolver, warn: Warn = _ignore) -> list[Any]:
    """Parse, compile, filter and order in one call."""
    predicate, order = compile_query(parse(text), resolver, warn)
    return order_records([r for r in records if predicate(r)], order, resolver)


def sort_key(value: str, numeric: bool) -> tuple[int, Any]:
    """How a value orders: numbers as numbers in a numeric column, else as text."""
    if numeric:
        try:
            return (0, float(value))
        except (TypeError, ValueError):
            pass
    return (1, value)


def _term(term: Term, resolver: Resolver, warn: Warn) -> Predicate | None:
    if isinstance(term, Join):
        return _join(term, resolver, warn)
    if isinstance(term, Related):
        return _related(term, resolver, warn)
    if not resolver.is_known(term.field):
        shown = HIDDEN if resolver.is_secret(term.field) else term.value
        warn(f"{term.field}{term.op}{shown}", resolver.why_unknown(term.field))
        return None
    predicate = _condition(term, resolver)
    if predicate is None:
        warn(f"{term.field}{term.op}{term.value}", _bad_value(term, resolver))
    return predicate


def _bad_value(c: Condition, resolver: Resolver) -> str:
    if c.op in ("SAMEAS", "NSAMEAS"):
        return f"{c.op} compares with another field: {resolver.why_unknown(c.value)}"
    return "BETWEEN takes <low>@<high>"


def _join(join: Join, resolver: Resolver, warn: Warn) -> Predicate | None:
    other = resolver.related(join.join_table)
    if join.table != resolver.table:
        reason = f"a JOIN names the queried table first ({resolver.table}, not {join.table})"
    elif other is None:
        reason = resolver.why_unrelated(join.join_table)
    elif not resolver.is_known(join.field):
        reason = resolver.why_unknown(join.field)
    elif not other.is_known(join.join_field):
        reason = other.why_unknown(join.join_field)
    else:
        inner, _ = compile_query(join.subquery, other, _nested(warn, join.join_table))
        found = {other.value(r, join.join_field) for r in other.records() if inner(r)}
        get, field = resolver.value, join.field
        return lambda record: get(record, field) in found
    warn(join.text, reason)
    return None


def _related(rel: Related, resolver: Resolver, warn: Warn) -> Predicate | None:
    other = resolver.related(rel.table)
    if other is None:
        warn(rel.text, resolver.why_unrelated(rel.table))
        return None
    if not other.is_known(rel.field):
        warn(rel.text, other.why_unknown(rel.field))
        return None
    inner, _ = compile_query(rel.subquery, other, _nested(warn, rel.table))
    counts = Counter(other.value(r, rel.field) for r in other.records() if inner(r))
    compare, bound, get = _COUNTS[rel.op], rel.count, resolver.value
    return lambda record: compare(counts.get(get(record, "sys_id"), 0), bound)


def _nested(warn: Warn, table: str) -> Warn:
    return lambda part, reason: warn(part, f"in the {table} subquery: {reason}")


def _condition(c: Condition, resolver: Resolver) -> Predicate | None:
    get = resolver.value
    path, value = c.field, c.value
    op = c.op
    if op == "=":
        return lambda r: get(r, path) == value
    if op == "!=":
        return lambda r: get(r, path) != value
    if op == "LIKE":
        return lambda r: value in get(r, path)
    if op == "NOT LIKE":
        return lambda r: value not in get(r, path)
    if op == "STARTSWITH":
        return lambda r: get(r, path).startswith(value)
    if op == "ENDSWITH":
        return lambda r: get(r, path).endswith(value)
    if op in ("IN", "NOT IN"):
        options = frozenset(value.split(","))
        if op == "IN":
            return lambda r: get(r, path) in options
        return lambda r: get(r, path) not in options
    if op in ("ISEMPTY", "EMPTYSTRING"):
        return lambda r: get(r, path) == ""
    if op == "ISNOTEMPTY":
        return lambda r: get(r, path) != ""
    if op == "ANYTHING":
        return lambda r: True
    if op in ("SAMEAS", "NSAMEAS"):
        if not resolver.is_known(value):
            return None
        same = op == "SAMEAS"
        return lambda r: (get(r, path) == get(r, value)) is same
    numeric = resolver.is_numeric(path)
    if op == "BETWEEN":
        low, sep, high = value.partition("@")
        if not sep:
            return None
        lo, hi = sort_key(low, numeric), sort_key(high, numeric)
        return lambda r: lo <= sort_key(get(r, path), numeric) <= hi
    bound = sort_key(value, numeric)
    compare = {
        "<": lambda a: a < bound, "<=": lambda a: a <= bound,
        ">": lambda a: a > bound, ">=": lambda a: a >= bound,
    }[op]
    return lambda r: compare(sort_key(get(r, path), numeric))
