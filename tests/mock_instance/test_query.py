"""Encoded queries: the parser alone, then filtering through the store."""

from __future__ import annotations

import pytest

from mock_instance import MockInstance
from mock_instance.tables.query import Condition, parse, split_parts


def test_split_keeps_escaped_carets() -> None:
    assert split_parts("a=1^^2^b=3") == ["a=1^2", "b=3"]


def test_parse_structure() -> None:
    q = parse("a=1^ORb=2^c!=3^NQd=4^ORDERBYDESCe^ORDERBYf^EQ")
    assert q.groups == (
        ((Condition("a", "=", "1"), Condition("b", "=", "2")), (Condition("c", "!=", "3"),)),
        ((Condition("d", "=", "4"),),),
    )
    assert q.order == (("e", True), ("f", False))


@pytest.mark.parametrize(("text", "condition"), [
    ("nameLIKEfoo", Condition("name", "LIKE", "foo")),
    ("nameNOT LIKEfoo", Condition("name", "NOT LIKE", "foo")),
    ("sys_idINa,b", Condition("sys_id", "IN", "a,b")),
    ("sys_idNOT INa,b", Condition("sys_id", "NOT IN", "a,b")),
    ("nameISEMPTY", Condition("name", "ISEMPTY", "")),
    ("nameISNOTEMPTY", Condition("name", "ISNOTEMPTY", "")),
    ("state<=2", Condition("state", "<=", "2")),
    ("state>=2", Condition("state", ">=", "2")),
    ("stateBETWEEN1@3", Condition("state", "BETWEEN", "1@3")),
    ("caller_id.email=a@b.c", Condition("caller_id.email", "=", "a@b.c")),
    ("nameSAMEASemail", Condition("name", "SAMEAS", "email")),
    ("a=", Condition("a", "=", "")),
])
def test_operators(text: str, condition: Condition) -> None:
    assert parse(text).groups == (((condition,),),)


@pytest.mark.parametrize("text", ["", "^", "garbage", "ORDERBY", "NQ", "^OR^NQ^EQ", "Name=x"])
def test_unreadable_parts_are_dropped(text: str) -> None:
    assert parse(text).groups == ()


@pytest.fixture
def people(instance: MockInstance) -> MockInstance:
    for user_name, email, state in [("abel", "abel@x.com", "1"), ("beth", "beth@y.com", "2"),
                                    ("carl", "", "10"), ("dana", "dana@x.com", "2")]:
        user = instance.insert("sys_user", {"user_name": user_name, "email": email, "name": user_name.title()})
        instance.insert("incident", {"short_description": user_name, "state": state, "caller_id": user["sys_id"]})
    return instance


def names(instance: MockInstance, table: str, query: str) -> list[str]:
    field = "user_name" if table == "sys_user" else "short_description"
    return [r[field] for r in instance.query(table, query)]


@pytest.mark.parametrize(("query", "expected"), [
    ("email=abel@x.com", ["abel"]),
    ("email!=abel@x.com", ["admin", "beth", "carl", "dana"]),
    ("emailLIKE@x.", ["abel", "dana"]),
    ("emailNOT LIKE@x.", ["admin", "beth", "carl"]),
    ("user_nameSTARTSWITHb", ["beth"]),
    ("emailENDSWITH.com", ["admin", "abel", "beth", "dana"]),
    ("user_nameINabel,carl", ["abel", "carl"]),
    ("user_nameNOT INabel,carl", ["admin", "beth", "dana"]),
    ("emailISEMPTY", ["carl"]),
    ("emailEMPTYSTRING", ["carl"]),
    ("emailISNOTEMPTY", ["admin", "abel", "beth", "dana"]),
    ("emailANYTHING", ["admin", "abel", "beth", "carl", "dana"]),
    ("user_name=ABEL", []),  # case-sensitive
    ("user_name=abel^ORuser_name=beth", ["abel", "beth"]),
    ("user_name=abel^ORuser_name=beth^emailLIKEx", ["abel"]),  # OR binds tighter than AND
    ("user_name=abel^NQuser_name=beth", ["abel", "beth"]),
    ("bogus=1^user_name=abel", ["abel"]),  # an invalid part is dropped
    ("bogus=1", ["admin", "abel", "beth", "carl", "dana"]),
    ("user_name=abel^EQ", ["abel"]),
    ("user_nameSAMEASname", []),
    ("user_passwordISEMPTY^user_name=abel", ["abel"]),  # password fields are not queryable
    ("ORDERBYDESCuser_name", ["dana", "carl", "beth", "admin", "abel"]),
])
def test_user_queries(people: MockInstance, query: str, expected: list[str]) -> None:
    assert names(people, "sys_user", query) == expected


@pytest.mark.parametrize(("query", "expected"), [
    ("state<2", ["abel"]),
    ("state>2", ["carl"]),  # integers compare as numbers: 10 > 2
    ("state>=2", ["beth", "carl", "dana"]),
    ("stateBETWEEN2@10", ["beth", "carl", "dana"]),
    ("ORDERBYstate", ["abel", "beth", "dana", "carl"]),  # ties keep insertion order
    ("ORDERBYDESCstate^ORDERBYshort_description", ["carl", "beth", "dana", "abel"]),
    ("caller_id.email=dana@x.com", ["dana"]),
    ("caller_id.emailLIKE@x.^ORDERBYDESCcaller_id.user_name", ["dana", "abel"]),
    ("caller_id.bogus=1^state=1", ["abel"]),
])
def test_incident_queries(people: MockInstance, query: str, expected: list[str]) -> None:
    assert names(people, "incident", query) == expected


def test_reference_by_sys_id(people: MockInstance) -> None:
    beth = people.query("sys_user", "user_name=beth")[0]
    assert names(people, "incident", f"caller_id={beth['sys_id']}") == ["beth"]
