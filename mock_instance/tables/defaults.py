"""What a new record gets for a field it was not given: literal defaults, a table's overrides, computed ones.

A computed default is a function of the insert (:class:`InsertContext`): the store's number
series, the acting user and the instance time (docs/platform.md §12.1 "Defaults").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Generic, NamedTuple, Protocol, TypeVar

from .catalog import Catalog
from .clock import Clock
from .fields import PASSWORD, Default, Field, NumberSeries


class _Counters(Protocol):
    clock: Clock

    def next_number(self, series: str) -> int: ...


class InsertContext:
    """What a computed default sees: the store's counters, the acting user and the time of the insert."""

    def __init__(self, store: _Counters, table: str, actor: str) -> None:
        self.store = store
        #: The table the record is inserted into.
        self.table = table
        #: The acting user's ``user_name``.
        self.actor = actor

    def next_number(self, series: str) -> int:
        """The next value of a record-number series."""
        return self.store.next_number(series)

    def now(self) -> str:
        """The instance time, ``YYYY-MM-DD HH:MM:SS`` in UTC."""
        return self.store.clock.glide_now()


class _Rule(Protocol):
    table: str | None


RuleT = TypeVar("RuleT", bound=_Rule)


class InsertPlan(NamedTuple, Generic[RuleT]):
    """What an insert into one table needs, worked out once (the token endpoint inserts a lot)."""

    fields: Mapping[str, Field]
    generated: tuple[tuple[str, Callable[[NumberSeries], str]], ...]
    rules: tuple[RuleT, ...]
    static_defaults: Mapping[str, str]
    computed_defaults: Mapping[str, Callable[[NumberSeries], str]]


def rules_for(catalog: Catalog, table: str, rules: Sequence[RuleT]) -> list[RuleT]:
    """The rules that watch ``table``: those on it or an ancestor, and those on every table."""
    lineage = catalog.lineage(table)
    return [r for r in rules if r.table is None or r.table in lineage]


def plan_insert(catalog: Catalog, table: str, generated: Mapping[tuple[str, str], Callable[[NumberSeries], str]],
                rules: Sequence[RuleT]) -> InsertPlan[RuleT]:
    """The :class:`InsertPlan` of ``table`` (:class:`InvalidTable` for an unknown name)."""
    fields = catalog.fields(table)
    lineage = catalog.lineage(table)
    made = tuple((name, generate) for (t, name), generate in generated.items() if t in lineage)
    static, computed = default_plan(catalog, table)
    return InsertPlan(fields, made, tuple(rules_for(catalog, table, rules)), static, computed)


def default_plan(catalog: Catalog, table: str) -> tuple[dict[str, str], dict[str, Callable[[NumberSeries], str]]]:
    """``(literal, computed)`` defaults of ``table``'s fields, a child's overrides beating its parents'.

    Password fields' literal defaults count as computed: each record gets its own secret.
    """
    fields = catalog.fields(table)
    defaults: dict[str, Default] = {name: f.default for name, f in fields.items()}
    for t in catalog.lineage(table):
        defaults.update(catalog.table(t).defaults)
    static: dict[str, str] = {}
    computed: dict[str, Callable[[NumberSeries], str]] = {}
    for name, default in defaults.items():
        if callable(default):
            computed[name] = default
        elif fields[name].kind == PASSWORD:
            computed[name] = _constant(default)
        else:
            static[name] = default
    return static, computed


def _constant(value: str) -> Callable[[NumberSeries], str]:
    return lambda _context: value

