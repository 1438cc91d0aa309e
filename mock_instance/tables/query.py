"""Encoded queries (``sysparm_query``): the parser. :mod:`.conditions` compiles what it reads.

docs/platform.md §2: conditions ``field OP value`` joined by ``^`` (AND), ``^OR``
(OR with the previous condition, binding tighter than AND), ``^NQ`` (OR of
whole groups); ``ORDERBY<f>`` / ``ORDERBYDESC<f>``; dot-walking through
references; case-sensitive; an invalid part is dropped and the rest applies;
a trailing ``^EQ`` is tolerated. ``^^`` is a literal ``^`` inside a value.
§12.5: ``JOIN<table>.<field>=<join_table>.<join_field>!<subquery>`` and
``RLQUERY<table>.<field>,<count>[,m2m][,<condition>][^<conditions>]^ENDRLQUERY``.

Parsing never raises: whatever cannot be read is dropped, as the platform does with a bad
part, and listed in :attr:`EncodedQuery.dropped` with the reason, for the tester to see.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

#: Operators, longest first so that ``ISEMPTY`` wins over ``IN`` and ``<=`` over ``<``.
OPERATORS: tuple[str, ...] = (
    "NOT LIKE", "NOT IN", "ISNOTEMPTY", "ISEMPTY", "EMPTYSTRING", "ANYTHING", "STARTSWITH",
    "ENDSWITH", "BETWEEN", "NSAMEAS", "SAMEAS", "LIKE", "IN", "!=", "<=", ">=", "=", "<", ">",
)
UNARY = frozenset({"ISNOTEMPTY", "ISEMPTY", "EMPTYSTRING", "ANYTHING"})
_CONDITION = re.compile(
    r"([a-z0-9_][a-z0-9_.]*)(" + "|".join(re.escape(op) for op in OPERATORS) + r")(.*)", re.DOTALL
)
_JOIN = re.compile(r"JOIN([a-z0-9_]+)\.([a-z0-9_]+)=([a-z0-9_]+)\.([a-z0-9_]+)")
_RELATED = re.compile(r"RLQUERY([a-z0-9_]+)\.([a-z0-9_]+),(>=|<=|!=|>|<|=)(\d+)(,m2m(?=,|$))?(?:,(.*))?", re.DOTALL)
#: §12.5 [CHOSEN]: a JOIN's subquery ends at the next of these terms, or at the end.
_JOIN_ENDS = ("JOIN", "RLQUERY", "NQ", "ORDERBY")


@dataclass(frozen=True)
class Condition:
    """``field OP value``; ``field`` may be a dot-walked path."""

    field: str
    op: str
    value: str = ""


class Join(NamedTuple):
    """``JOIN``: keep a row when a ``join_table`` row matching ``subquery`` has ``join_field`` = the row's ``field``."""

    table: str
    field: str
    join_table: str
    join_field: str
    subquery: EncodedQuery
    text: str


class Related(NamedTuple):
    """``RLQUERY``: keep a row when the count of ``table`` rows whose ``field`` is its sys_id and that
    match ``subquery`` satisfies ``op count``."""

    table: str
    field: str
    op: str
    count: int
    subquery: EncodedQuery
    text: str


Term = Condition | Join | Related


@dataclass(frozen=True)
class EncodedQuery:
    """A parsed query: OR of groups (``^NQ``), each an AND of OR-alternatives, plus ordering.

    ``dropped`` lists the parts that could not be read, with why.
    """

    groups: tuple[tuple[tuple[Term, ...], ...], ...] = ()
    order: tuple[tuple[str, bool], ...] = ()  # (field, descending)
    dropped: tuple[tuple[str, str], ...] = ()

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
    """Parse an encoded query. Never raises; unreadable parts are dropped (and listed)."""
    return _parse(split_parts(text or ""))


def _parse(parts: list[str]) -> EncodedQuery:
    groups: list[list[list[Term]]] = [[]]
    order: list[tuple[str, bool]] = []
    dropped: list[tuple[str, str]] = []
    i = 0
    while i < len(parts):
        part = parts[i]
        i += 1
        if part.startswith("ORDERBY"):
            descending = part.startswith("ORDERBYDESC")
            name = part[11:] if descending else part[7:]
            if name:
                order.append((name, descending))
            else:
                dropped.append((part, "an ORDERBY with no field"))
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
        if part.startswith("JOIN"):  # ANDed, even after ^OR [INF]
            i = _read_join(parts, i, part, groups[-1], dropped)
            continue
        if part.startswith("RLQUERY"):
            i = _read_related(parts, i, part, groups[-1], dropped)
            continue
        condition = parse_condition(part)
        if condition is None:
            if part:
                dropped.append((part, "not a condition (a field in lowercase, an operator the mock knows, a value)"))
            continue
        terms = groups[-1]
        if alternative and terms:
            terms[-1].append(condition)
        else:
            terms.append([condition])
    return EncodedQuery(
        groups=tuple(tuple(tuple(t) for t in g) for g in groups if g),
        order=tuple(order),
        dropped=tuple(dropped),
    )


def _read_join(parts: list[str], i: int, part: str, terms: list[list[Term]], dropped: list[tuple[str, str]]) -> int:
    head, bang, first = part.partition("!")
    end = i
    while end < len(parts) and not parts[end].startswith(_JOIN_ENDS):
        end += 1
    body = [first, *parts[i:end]]
    text = "^".join([part, *parts[i:end]])
    m = _JOIN.fullmatch(head)
    if m is None or not bang:
        dropped.append((text, "a JOIN needs <table>.<field>=<join_table>.<join_field>!<subquery>"))
    else:
        terms.append([Join(*m.groups(), subquery=_parse(body), text=text)])
    return end


def _read_related(parts: list[str], i: int, part: str, terms: list[list[Term]], dropped: list[tuple[str, str]]) -> int:
    end = i
    while end < len(parts) and parts[end] != "ENDRLQUERY":
        end += 1
    text = "^".join([part, *parts[i:end + 1]])
    m = _RELATED.fullmatch(part)
    if m is None:
        dropped.append((text, "an RLQUERY needs <table>.<field>,<count condition> (RLQUERYincident.problem_id,>=1)"))
    elif end == len(parts):
        dropped.append((text, "an RLQUERY with no ^ENDRLQUERY"))
    else:
        table, field, op, count, _m2m, first = m.groups()
        body = ([first] if first else []) + parts[i:end]
        # m2m is accepted and has no effect [CHOSEN, docs/platform.md §12.5].
        terms.append([Related(table, field, op, int(count), _parse(body), text)])
    return min(end + 1, len(parts))
