"""Indexed list queries: the same records, total and order as a full scan, without the scan."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mock_instance import MockInstance, number
from mock_instance.tables.conditions import compile_query, filter_records
from mock_instance.tables.query import Condition, EncodedQuery, parse
from mock_instance.tables.select import select
from mock_instance.tables.views import TableResolver


def build() -> MockInstance:
    """Parent and child tables whose records were inserted, updated (moved between values) and deleted."""
    instance = MockInstance()
    instance.register_table("u_thing", ["u_name", "u_kind", number("u_rank")])
    instance.register_table("u_special", ["u_extra"], parent="u_thing")
    made = []
    for n in range(40):
        table = "u_special" if n % 5 == 0 else "u_thing"
        made.append(instance.insert(table, {"u_name": f"n{n % 9}", "u_kind": "ab"[n % 2] + str(n % 3),
                                            "u_rank": str((n * 7) % 11) if n % 4 else "x", "u_extra": str(n % 2)}))
    instance.query("u_thing", "u_kind=a0^u_rank=3")  # indexes made now are kept in step below
    for record in reversed(made[::3]):  # moved in reverse: the buckets they join are out of order
        instance.update(record["sys_class_name"], record["sys_id"], {"u_kind": "b9", "u_name": "n1"})
    for record in made[::7]:
        instance.delete(record["sys_class_name"], record["sys_id"])
    instance.insert("u_thing", {"u_name": "n1", "u_kind": "a0", "u_rank": "2"})
    return instance


INSTANCE = build()
VALUES = {"u_name": ["n1", "n3", "n", ""], "u_kind": ["a0", "b9", "b", "a0,b9,zz"], "u_rank": ["3", "10", "x", "3,x"],
          "u_extra": ["0", "1"], "sys_class_name": ["u_special", "u_thing"], "sys_id": ["0" * 32], "bogus": ["1"]}
OPS = ["=", "=", "=", "IN", "STARTSWITH", "ISEMPTY", "!=", "LIKE", ">", "NOT IN"]
condition = st.sampled_from(sorted(VALUES)).flatmap(
    lambda f: st.builds(lambda op, v: f"{f}{op}{v}", st.sampled_from(OPS), st.sampled_from(VALUES[f])))
joiner = st.sampled_from(["^", "^", "^OR", "^NQ"])
ordering = st.sampled_from(["", "^ORDERBYu_rank", "^ORDERBYDESCu_rank", "^ORDERBYu_name^ORDERBYDESCu_kind",
                            "^ORDERBYDESCu_name", "^ORDERBYbogus"])
queries = st.builds(lambda first, rest, order: first + "".join(j + c for j, c in rest) + order,
                    st.one_of(st.just(""), condition), st.lists(st.tuples(joiner, condition), max_size=3), ordering)
field_params = st.lists(st.sampled_from(["u_name", "u_kind", "u_extra"]).flatmap(
    lambda f: st.tuples(st.just(f), st.sampled_from(VALUES[f]))), max_size=2)


def reference(table: str, text: str, fields: list[tuple[str, str]]) -> list[str]:
    resolver = TableResolver(INSTANCE.store, table)
    matched = filter_records(INSTANCE.store.records(table), text, resolver)
    conditions = tuple((Condition(k, "=", v),) for k, v in fields if resolver.is_known(k))
    if conditions:
        predicate, _ = compile_query(EncodedQuery(groups=(conditions,)), resolver)
        matched = [r for r in matched if predicate(r)]
    return [r["sys_id"] for r in matched]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["u_thing", "u_special"]), queries, field_params, st.integers(0, 8),
       st.one_of(st.none(), st.integers(0, 6)))
def test_select_finds_what_a_full_scan_finds(table: str, text: str, fields: list[tuple[str, str]], offset: int,
                                             limit: int | None) -> None:
    expected = reference(table, text, fields)
    store = INSTANCE.store
    with store.lock:
        resolver = TableResolver(store, table)
        got = select(store, table, resolver, parse(text), limit=limit, offset=offset,
                     fields=[Condition(k, "=", v) for k, v in fields if resolver.is_known(k)])
    assert got.total == len(expected)
    assert [r["sys_id"] for r in got.page] == expected[offset:None if limit is None else offset + limit]


@pytest.fixture
def big() -> Iterator[MockInstance]:
    instance = MockInstance()
    for n in range(300):
        instance.insert("incident", {"short_description": f"row {n}", "state": str(n % 7), "caller_id": ""})
    yield instance


@pytest.mark.parametrize("query", ["state=3", "state=3^ORstate=4", "stateIN3,4^active=true", "state=3^NQstate=5",
                                   "short_descriptionSTARTSWITHrow 1^ORDERBYDESCnumber", "numberISEMPTY"])
def test_an_indexed_query_reads_no_other_record(big: MockInstance, query: str, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = [r["sys_id"] for r in big.query("incident", query)]
    assert expected or query == "numberISEMPTY"

    def no_scan(table: str) -> None:
        raise AssertionError(f"scanned {table}")

    monkeypatch.setattr(big.store, "records", no_scan)
    assert [r["sys_id"] for r in big.query("incident", query)] == expected


def test_ordered_pages_walk_the_index(big: MockInstance, monkeypatch: pytest.MonkeyPatch) -> None:
    store = big.store
    expected = sorted(big.query("incident"), key=lambda r: r["number"], reverse=True)[10:15]
    monkeypatch.setattr(store, "records", lambda table: pytest.fail("scanned"))
    with store.lock:
        got = select(store, "incident", TableResolver(store, "incident"), parse("ORDERBYDESCnumber"), limit=5, offset=10)
    assert got.total == 300
    assert [r["number"] for r in got.page] == [r["number"] for r in expected]


def test_indexes_follow_updates_and_deletes(big: MockInstance) -> None:
    first, second = big.query("incident", "state=3")[:2]
    big.update("incident", first["sys_id"], {"state": "9"})
    big.delete("incident", second["sys_id"])
    assert [r["sys_id"] for r in big.query("incident", "state=9")] == [first["sys_id"]]
    assert second["sys_id"] not in {r["sys_id"] for r in big.query("incident", "state=3")}
    big.update("incident", first["sys_id"], {"state": "3"})  # back among older records: insertion order holds
    threes = big.query("incident", "state=3")
    assert [r["sys_id"] for r in threes] == [r["sys_id"] for r in big.query("incident", "state!=99") if r["state"] == "3"]
    assert threes[0]["sys_id"] == first["sys_id"]
