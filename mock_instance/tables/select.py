"""A list query's page and total, by index where the query allows: the cost of its result, not of the table.

The results are exactly :func:`~mock_instance.tables.query.filter_records`'s
(docs/platform.md §2: insertion order unless ``ORDERBY``, ties in insertion
order); only the work differs:

- Candidates: an ``=``, ``IN``, ``STARTSWITH`` or ``ISEMPTY`` condition on a
  field of the table (not dot-walked) narrows the records to its index's
  buckets; an AND takes its narrowest such condition, an OR of groups (``^NQ``)
  the union, as long as every group has one. The whole query is then checked
  on the candidates alone. ``sys_id=`` is a key lookup.
- One equality alone, unordered, on a table with no children: the total is its
  bucket's size and the page a slice of the bucket.
- No condition, ordered by a field: the field's index is walked in order until
  the page is full, instead of sorting the table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import islice

from .conditions import Warn, compile_query, order_records
from .indexes import FieldIndex
from .query import Condition, EncodedQuery, Term
from .store import Record, Store
from .views import TableResolver

#: Operators an index answers.
INDEXED_OPS = frozenset({"=", "IN", "STARTSWITH", "ISEMPTY", "EMPTYSTRING"})
EMPTY = EncodedQuery()


@dataclass(frozen=True)
class Selection:
    """The records of one page, and how many records matched in all."""

    total: int
    page: list[Record]


def select(store: Store, table: str, resolver: TableResolver, query: EncodedQuery, *,
           fields: Sequence[Condition] = (), keep: Callable[[Record], bool] | None = None,
           limit: int | None = None, offset: int = 0, warn: Warn | None = None) -> Selection:
    """``query`` ANDed with every one of the ``fields`` conditions (and ``keep``) over ``table``: a page, the total.

    Call under ``store.lock``. ``limit`` None means every record from ``offset`` on. The query's
    dropped parts are reported to ``warn`` (as :func:`~.conditions.compile_query` does).
    """
    offset = max(offset, 0)
    end = None if limit is None else offset + max(limit, 0)
    predicate, order = compile_query(query, resolver, warn) if warn is not None else compile_query(query, resolver)
    query = _applying(query, resolver)
    anded = _applying(EncodedQuery(groups=(tuple((c,) for c in fields),)), resolver) if fields else EMPTY
    and_also, _ = compile_query(anded, resolver)
    conditions = [c for q in (query, anded) for group in q.groups for term in group for c in term]
    planner = _Planner(store, table, resolver)
    family = store.family(table)
    lone = store.root(table) == table and len(family) == 1
    rows = store.rows_of(table)
    lone_condition = conditions[0] if len(conditions) == 1 else None
    if isinstance(lone_condition, Condition) and lone_condition.op == "=" and planner.indexable(lone_condition) \
            and not order and keep is None:
        sys_ids = planner.lookup(lone_condition)
        if lone:
            return Selection(len(sys_ids), [rows[s] for s in islice(sys_ids, offset, end)])
        # Other tables' records under the same root (task's) share the bucket: count by set
        # intersection with each class's own bucket, and read only as far as the page goes.
        found = sys_ids if isinstance(sys_ids, dict) else dict.fromkeys(sys_ids)
        by_class = planner.index("sys_class_name")
        classes = [members for t in family if isinstance(members := by_class.lookup(t), dict)]
        total = sum(len(found.keys() & members.keys()) for members in classes)
        mine = (s for s in found if any(s in members for members in classes))
        return Selection(total, [rows[s] for s in islice(mine, offset, end)])
    if not conditions and keep is None and order and planner.walkable(order[0][0]):
        return planner.walk(order, end, offset, lone)
    candidates = planner.candidates(anded) if anded.groups else None
    if candidates is None and query.groups:
        candidates = planner.candidates(query)
    records: Iterable[Record]
    if candidates is None:
        records = store.records(table)
    else:
        records = [rows[s] for s in candidates]
        if not lone:
            records = [r for r in records if r["sys_class_name"] in family]
    matched = [r for r in records if predicate(r) and and_also(r) and (keep is None or keep(r))]
    if order:
        order_records(matched, order, resolver)
    return Selection(len(matched), matched[offset:end])


class _Planner:
    def __init__(self, store: Store, table: str, resolver: TableResolver) -> None:
        self._store = store
        self._table = table
        self._resolver = resolver

    def indexable(self, c: Term) -> bool:
        return isinstance(c, Condition) and c.op in INDEXED_OPS and "." not in c.field \
            and self._resolver.is_known(c.field)

    def index(self, field: str) -> FieldIndex:
        store = self._store
        return store.indexes.build(store.root(self._table), field, store.rows_of(self._table))

    def lookup(self, c: Condition) -> Sequence[str] | dict[str, None]:
        """The sys_ids matching one indexable condition, in insertion order."""
        if c.field == "sys_id" and c.op == "=":
            return [c.value] if c.value in self._store.rows_of(self._table) else []
        index = self.index(c.field)
        if c.op == "=":
            return index.lookup(c.value)  # type: ignore[return-value]
        if c.op in ("ISEMPTY", "EMPTYSTRING"):
            return index.lookup("")  # type: ignore[return-value]
        values = set(c.value.split(",")) if c.op == "IN" else index.starting_with(c.value)
        found = [s for v in values for s in index.lookup(v)]
        return index.ordered(found) if len(values) > 1 else found

    def _size(self, c: Condition) -> int:
        if c.field == "sys_id" and c.op == "=":
            return 1
        index = self.index(c.field)
        if c.op in ("=", "ISEMPTY", "EMPTYSTRING"):
            return index.count("" if c.op != "=" else c.value)
        values = set(c.value.split(",")) if c.op == "IN" else index.starting_with(c.value)
        return sum(index.count(v) for v in values)

    def candidates(self, query: EncodedQuery) -> list[str] | None:
        """sys_ids (insertion order) that include every match, or None when some group has no index to narrow it.

        A group (an AND) is narrowed by its narrowest term whose alternatives (an OR) each have an index.
        """
        chosen: list[Condition] = []
        for group in query.groups:
            terms = [t for t in group if all(self.indexable(c) for c in t)]  # type: ignore[misc]
            if not terms:
                return None
            chosen += min(terms, key=lambda t: sum(self._size(c) for c in t))
        if len(chosen) == 1:
            return list(self.lookup(chosen[0]))
        union = {s for c in chosen for s in self.lookup(c)}
        return sorted(union, key=self._store.indexes.positions(self._store.root(self._table)).__getitem__)

    def walkable(self, field: str) -> bool:
        return "." not in field and self._resolver.is_known(field)

    def walk(self, order: Sequence[tuple[str, bool]], end: int | None, offset: int, lone: bool) -> Selection:
        """Every record of the table, ordered by walking the first ORDERBY field's index, until the page is full."""
        store, table = self._store, self._table
        family = store.family(table)
        rows = store.rows_of(table)
        # How many records the table has: its rows, or (sharing a root) its classes' counts.
        classes = None if lone else self.index("sys_class_name")
        total = len(rows) if classes is None else sum(classes.count(t) for t in family)
        field, descending = order[0]
        index = self.index(field)
        page: list[Record] = []
        for value in index.values(numeric=self._resolver.is_numeric(field), descending=descending):
            if end is not None and len(page) >= end:
                break
            bucket = [rows[s] for s in index.lookup(value)]
            if not lone:
                bucket = [r for r in bucket if r["sys_class_name"] in family]
            page += order_records(bucket, order[1:], self._resolver) if len(order) > 1 else bucket
        return Selection(total, page[offset:end])


def _applying(query: EncodedQuery, resolver: TableResolver) -> EncodedQuery:
    """``query`` less the conditions :func:`~.conditions.compile_query` drops (and groups left empty).

    Never drops what it keeps: a JOIN or RLQUERY stays (it narrows nothing here, so it costs a scan).
    """
    groups = []
    for group in query.groups:
        terms = [kept for alternatives in group if (kept := tuple(t for t in alternatives if _applies(t, resolver)))]
        if terms:
            groups.append(tuple(terms))
    return EncodedQuery(tuple(groups), tuple((f, d) for f, d in query.order if resolver.is_known(f)))


def _applies(term: Term, resolver: TableResolver) -> bool:
    if not isinstance(term, Condition):
        return True
    if not resolver.is_known(term.field):
        return False
    if term.op in ("SAMEAS", "NSAMEAS"):
        return resolver.is_known(term.value)
    return term.op != "BETWEEN" or "@" in term.value
