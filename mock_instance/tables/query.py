"""Encoded queries (``sysparm_query``): parse, compile against a table, filter, order.

docs/platform.md §2: conditions ``field OP value`` joined by ``^`` (AND), ``^OR``
(OR with the previous condition, binding tighter than AND), ``^NQ`` (OR of
whole groups); ``ORDERBY<f>`` / ``ORDERBYDESC<f>``; dot-walking through
references; case-sensitive; an invalid part is dropped and the rest applies;
a trailing ``^EQ`` is tolerated. ``^^`` is a literal ``^`` inside a value.

Parsing never raises: whatever cannot be read is dropped, which is also what
the platform does with a bad part.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

#: Operators, longest first so that ``ISEMPTY`` wins over ``IN`` and ``<=`` over ``<``.
OPERATORS: tuple[str, ...] = (
    "NOT LIKE", "NOT IN", "ISNOTEMPTY", "ISEMPTY", "EMPTYSTRING", "ANYTHING", "STARTSWITH",
    "ENDSWITH", "BETWEEN", "NSAMEAS", "SAMEAS", "LIKE", "IN", "!=", "<=", ">=", "=", "<", ">",
)
UNARY = frozenset({"ISNOTEMPTY", "ISEMPTY", "EMPTYSTRING", "ANYTHING"})
_CONDITION = re.compile(
    r"([a-z0-9_][a-z0-9_.]*)(" + "|".join(re.escape(op) for op in OPERATORS) + r")(.*)", re.DOTALL
)


@dataclass(frozen=True)
class Condition:
    """``field OP value``; ``field`` may be a dot-walked path."""

    field: str
    op: str
    value: str = ""


@dataclass(frozen=True)
class EncodedQuery:
    """A parsed query: OR of groups (``^NQ``), each an AND of OR-alternatives, plus ordering."""

    groups: tuple[tuple[tuple[Condition, ...], ...], ...] = ()
    order: tuple[tuple[str, bool], ...] = ()  # (field, descending)

    @property
    def empty(self) -> bool:
        return not self.groups and not self.order


def split_parts(text: str) -> list[str]:
    """Split on ``^``, keeping ``^^`` as a literal caret."""
    parts, current, i = [], [], 0
    while i < len(text):
        ch = text[i]
        if ch == "^":
            if text.startswith("^^", i):
                current.append("^")
                i += 2
                continue
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return parts


def parse_condition(text: str) -> Condition | None:
    """Parse one ``field OP value``; None when it is not one."""
    m = _CONDITION.fullmatch(text)
    if m is None:
        return None
    field, op, value = m.groups()
    return Condition(field, op, "" if op in UNARY else value)


def parse(text: str | None) -> EncodedQuery:
    """Parse an encoded query. Never raises; unreadable parts are dropped."""
    groups: list[list[list[Condition]]] = [[]]
    order: list[tuple[str, bool]] = []
    for part in split_parts(text or ""):
        if part.startswith("ORDERBYDESC"):
            if part[11:]:
                order.append((part[11:], True))
            continue
        if part.startswith("ORDERBY"):
            if part[7:]:
                order.append((part[7:], False))
            continue
        if part in ("EQ", ""):
            continue
        if part.startswith("NQ"):
            groups.append([])
            part = part[2:]
            alternative = False
        elif part.startswith("OR"):
            part = part[2:]
            alternative = True
        else:
            alternative = False
        condition = parse_condition(part)
        if condition is None:
            continue
        terms = groups[-1]
        if alternative and terms:
            terms[-1].append(condition)
        else:
            terms.append([condition])
    return EncodedQuery(
        groups=tuple(tuple(tuple(t) for t in g) for g in groups if g),
        order=tuple(order),
    )


class Resolver(Protocol):
    """What a query needs from a table: which paths exist, and their values."""

    def is_known(self, path: str) -> bool: ...
    def is_numeric(self, path: str) -> bool: ...
    def value(self, record: Any, path: str) -> str: ...


Predicate = Callable[[Any], bool]


def compile_query(query: EncodedQuery, resolver: Resolver) -> tuple[Predicate, tuple[tuple[str, bool], ...]]:
    """Turn a parsed query into a record predicate and the valid ordering.

    Conditions on unknown fields are dropped; a group left with nothing is
    dropped; with no valid condition at all every record matches (the
    platform's behaviour for an invalid query).
    """
    groups: list[list[list[Predicate]]] = []
    for group in query.groups:
        terms = []
        for alternatives in group:
            preds = [p for c in alternatives if (p := _condition(c, resolver)) is not None]
            if preds:
                terms.append(preds)
        if terms:
            groups.append(terms)
    order = tuple((f, d) for f, d in query.order if resolver.is_known(f))
    if not groups:
        return (lambda record: True), order

    def predicate(record: Any) -> bool:
        return any(all(any(p(record) for p in alts) for alts in terms) for terms in groups)

    return predicate, order


def effective_query(query: EncodedQuery, resolver: Resolver) -> EncodedQuery:
    """``query`` as :func:`compile_query` applies it: only the conditions that compile, only groups left with one."""
    groups = []
    for group in query.groups:
        terms = [kept for alternatives in group if (kept := tuple(c for c in alternatives
                                                                 if _condition(c, resolver) is not None))]
        if terms:
            groups.append(tuple(terms))
    return EncodedQuery(tuple(groups), tuple((f, d) for f, d in query.order if resolver.is_known(f)))


def order_records(records: list[Any], order: Sequence[tuple[str, bool]], resolver: Resolver) -> list[Any]:
    """Sort by the ORDERBY fields, first one primary; ties keep insertion order."""
    for field, descending in reversed(order):
        numeric = resolver.is_numeric(field)
        records.sort(key=lambda r: _sort_key(resolver.value(r, field), numeric), reverse=descending)
    return records


def filter_records(records: Iterable[Any], text: str | None, resolver: Resolver) -> list[Any]:
    """Parse, compile, filter and order in one call."""
    predicate, order = compile_query(parse(text), resolver)
    return order_records([r for r in records if predicate(r)], order, resolver)


def _sort_key(value: str, numeric: bool) -> tuple[int, Any]:
    if numeric:
        number = _number(value)
        if number is not None:
            return (0, number)
    return (1, value)


def _number(value: str) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _condition(c: Condition, resolver: Resolver) -> Predicate | None:
    if not resolver.is_known(c.field):
        return None
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
        lo, hi = _sort_key(low, numeric), _sort_key(high, numeric)
        return lambda r: lo <= _sort_key(get(r, path), numeric) <= hi
    bound = _sort_key(value, numeric)
    compare = {
        "<": lambda a: a < bound, "<=": lambda a: a <= bound,
        ">": lambda a: a > bound, ">=": lambda a: a >= bound,
    }[op]
    return lambda r: compare(_sort_key(get(r, path), numeric))
