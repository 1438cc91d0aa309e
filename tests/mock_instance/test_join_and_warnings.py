"""JOIN and RLQUERY (docs/platform.md §12.5), and the query parts the mock drops, made visible (§2)."""

from __future__ import annotations

import logging

import pytest
from werkzeug.test import Client

from conftest import basic
from mock_instance import ADMIN_SYS_ID, MockInstance, QueryWarning
from mock_instance.tables.query import Condition, Join, Related, parse

pysnc = pytest.importorskip("pysnc", reason="PySNC is in the test extra")
ADMIN_ROLE = "2831a114c611228501d4ea6c309d626d"


def test_join_parses_to_its_subquery_and_ends_where_the_spec_says() -> None:
    q = parse("active=true^JOINsys_user.sys_id=sys_user_has_role.user!role=x^ORrole=y^ORDERBYname")
    (cond,), (join,) = q.groups[0]
    assert cond == Condition("active", "=", "true")
    assert isinstance(join, Join) and (join.table, join.field, join.join_table, join.join_field) == (
        "sys_user", "sys_id", "sys_user_has_role", "user")
    assert join.subquery.groups == (((Condition("role", "=", "x"), Condition("role", "=", "y")),),)
    assert q.order == (("name", False),)
    empty = parse("JOINsys_user.sys_id=sys_user_grmember.user!^NQactive=false")
    assert empty.groups[0][0][0].subquery.groups == () and len(empty.groups) == 2  # type: ignore[union-attr]


def test_rlquery_parses_count_m2m_and_conditions() -> None:
    q = parse("RLQUERYsys_group_has_role.group,>0,m2m^role.nameLIKEadmin^ENDRLQUERY^active=true")
    (related,), (cond,) = q.groups[0]
    assert isinstance(related, Related) and (related.table, related.field, related.op, related.count) == (
        "sys_group_has_role", "group", ">", 0)
    assert related.subquery.groups == (((Condition("role.name", "LIKE", "admin"),),),)
    assert cond == Condition("active", "=", "true")
    inline = parse("RLQUERYincident.problem_id,>=1,priorityIN1,2^ENDRLQUERY").groups[0][0][0]
    assert inline.subquery.groups == (((Condition("priority", "IN", "1,2"),),),)  # type: ignore[union-attr]


@pytest.fixture
def org(instance: MockInstance) -> dict[str, str]:
    """Users with roles, a group with a manager and members, problems with incidents."""
    ids = {}
    for name in ("abel", "beth", "carl"):
        ids[name] = instance.insert("sys_user", {"user_name": name, "name": name.title()})["sys_id"]
    itil = instance.query("sys_user_role", "name=itil")[0]["sys_id"]
    instance.insert("sys_user_has_role", {"user": ids["abel"], "role": itil})
    instance.insert("sys_user_has_role", {"user": ids["beth"], "role": ADMIN_ROLE})
    group = instance.insert("sys_user_group", {"name": "Network", "manager": ids["carl"]})["sys_id"]
    instance.insert("sys_group_has_role", {"group": group, "role": itil})
    instance.insert("sys_user_group", {"name": "Empty"})
    for name in ("abel", "beth"):
        instance.insert("sys_user_grmember", {"user": ids[name], "group": group})
    ids["one"] = instance.insert("problem", {"short_description": "one"})["sys_id"]
    ids["two"] = instance.insert("problem", {"short_description": "two"})["sys_id"]
    instance.insert("problem", {"short_description": "none"})
    instance.insert("incident", {"problem_id": ids["one"], "priority": "1"})
    instance.insert("incident", {"problem_id": ids["one"], "priority": "3"})
    instance.insert("incident", {"problem_id": ids["two"], "priority": "3"})
    return ids


def users(instance: MockInstance, query: str) -> list[str]:
    return [u["user_name"] for u in instance.query("sys_user", query)]


def problems(instance: MockInstance, query: str) -> list[str]:
    return [p["short_description"] for p in instance.query("problem", query)]


@pytest.mark.parametrize(("query", "expected"), [
    (f"JOINsys_user.sys_id=sys_user_has_role.user!role={ADMIN_ROLE}", ["admin", "beth"]),
    ("JOINsys_user.sys_id=sys_user_has_role.user!role.name=itil", ["abel"]),
    ("JOINsys_user.sys_id=sys_user_has_role.user!", ["admin", "abel", "beth"]),
    ("JOINsys_user.sys_id=sys_user_group.manager!active=true", ["carl"]),  # PySNC's test: group managers
    ("JOINsys_user.sys_id=sys_user_grmember.user!group.name=Network^JOINsys_user.sys_id=sys_user_has_role.user!"
     "role.name=itil", ["abel"]),  # several JOINs are ANDed
    ("user_nameSTARTSWITHc^NQJOINsys_user.sys_id=sys_user_has_role.user!role.name=itil", ["abel", "carl"]),
])
def test_join(instance: MockInstance, org: dict[str, str], query: str, expected: list[str]) -> None:
    assert users(instance, query) == expected
    assert instance.warnings == []


@pytest.mark.parametrize(("query", "expected"), [
    ("RLQUERYincident.problem_id,>=1^ENDRLQUERY", ["one", "two"]),
    ("RLQUERYincident.problem_id,>=1,priority=1^ENDRLQUERY", ["one"]),  # the docs' own example
    ("RLQUERYincident.problem_id,=0^ENDRLQUERY", ["none"]),
    ("RLQUERYincident.problem_id,>1^ENDRLQUERY", ["one"]),
    ("RLQUERYincident.problem_id,<2^ENDRLQUERY^short_description!=none", ["two"]),
    ("RLQUERYincident.problem_id,!=1^ENDRLQUERY", ["one", "none"]),
    ("RLQUERYincident.problem_id,=1^priority=3^ENDRLQUERY^RLQUERYincident.problem_id,>=2^ENDRLQUERY", ["one"]),
])
def test_rlquery(instance: MockInstance, org: dict[str, str], query: str, expected: list[str]) -> None:
    assert problems(instance, query) == expected
    assert instance.warnings == []


def test_rlquery_m2m_dot_walks_the_related_row(instance: MockInstance, org: dict[str, str]) -> None:
    groups = instance.query("sys_user_group", "RLQUERYsys_group_has_role.group,>0,m2m^role.nameLIKEitil^ENDRLQUERY")
    assert [g["name"] for g in groups] == ["Network"]
    assert users(instance, "RLQUERYsys_user_grmember.user,=0^ENDRLQUERY") == ["admin", "carl"]


def test_pysnc_writes_joins_and_related_list_queries_the_mock_reads(instance: MockInstance,
                                                                    org: dict[str, str]) -> None:
    with instance.intercept("https://dev12345.service-now.com"):
        client = pysnc.ServiceNowClient("https://dev12345.service-now.com", ("admin", "admin"))
        managers = client.GlideRecord("sys_user")
        managers.add_join_query("sys_user_group", join_table_field="manager").add_query("active", "true")
        managers.query()
        assert [m.get_value("user_name") for m in managers] == ["carl"]
        admins = client.GlideRecord("sys_user")
        admins.add_rl_query("sys_user_has_role", "user", ">0", True).add_query("role.name", "admin")
        admins.query()
        assert sorted(a.get_value("user_name") for a in admins) == ["admin", "beth"]
    assert instance.warnings == []


@pytest.mark.parametrize(("query", "part", "reason"), [
    ("bogus=1", "bogus=1", "no field bogus on sys_user"),
    ("sys_created_onONToday@javascript:gs.beginningOfToday()@javascript:gs.endOfToday()",
     "sys_created_onONToday@javascript:gs.beginningOfToday()@javascript:gs.endOfToday()", "not a condition"),
    ("user_password=hunter2", "user_password=********", "a password field, which queries cannot read"),
    ("department.bogus=x", "department.bogus=x", "no field bogus on cmn_department"),
    ("ORDERBYbogus", "ORDERBYbogus", "no field bogus on sys_user"),
    ("nameSAMEASbogus", "nameSAMEASbogus", "SAMEAS compares with another field: no field bogus"),
    ("failed_attemptsBETWEEN1", "failed_attemptsBETWEEN1", "BETWEEN takes <low>@<high>"),
    ("JOINsys_user.sys_id=u_nope.user!x=1", "JOINsys_user.sys_id=u_nope.user!x=1", "no table u_nope"),
    ("JOINincident.sys_id=sys_user_has_role.user!", "JOINincident.sys_id=sys_user_has_role.user!",
     "names the queried table first"),
    ("JOINsys_user_has_role!", "JOINsys_user_has_role!", "a JOIN needs"),
    ("JOINsys_user.sys_id=sys_user_has_role.user!bogus=1^ORDERBYuser_name", "bogus=1",
     "in the sys_user_has_role subquery: no field"),
    ("RLQUERYsys_user_has_role.nope,>0^ENDRLQUERY", "RLQUERYsys_user_has_role.nope,>0^ENDRLQUERY",
     "no field nope on sys_user_has_role"),
    ("RLQUERYsys_user_has_role.user,>0", "RLQUERYsys_user_has_role.user,>0", "no ^ENDRLQUERY"),
    ("RLQUERYsys_user_has_role.user,about5^ENDRLQUERY", "RLQUERYsys_user_has_role.user,about5^ENDRLQUERY",
     "an RLQUERY needs"),
])
def test_a_dropped_part_is_a_warning_and_the_rest_applies(instance: MockInstance, query: str, part: str,
                                                          reason: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="mock_instance.query")
    instance.insert("sys_user", {"user_name": "abel", "user_password": "hunter2"})
    # Dropped: every row, as on the platform (a JOIN whose subquery is dropped: every user with a role).
    assert users(instance, query) == (["admin"] if query.startswith("JOINsys_user.sys_id=sys_user_has_role.user!b")
                                      else ["admin", "abel"])
    assert len(instance.warnings) == 1
    warning = instance.warnings[0]
    assert isinstance(warning, QueryWarning)
    assert (warning.table, warning.source, warning.part) == ("sys_user", "MockInstance.query", part)
    assert reason in warning.reason
    assert [r.getMessage() for r in caplog.records] == [f"query part dropped: {warning}"]
    assert "hunter2" not in caplog.text and "hunter2" not in str(instance.warnings)


def test_warnings_come_from_every_list_and_restore_clears_them(client: Client, instance: MockInstance) -> None:
    response = client.get("/api/now/table/incident?sysparm_query=stat=1^ORDERBYnumber", headers=basic())
    assert response.status_code == 200
    attachments = client.get("/api/now/attachment?sysparm_query=nope=1", headers=basic())
    assert attachments.status_code == 200
    assert [(w.table, w.source, w.part) for w in instance.warnings] == [
        ("incident", "Table API sysparm_query", "stat=1"), ("sys_attachment", "Attachment API sysparm_query", "nope=1")]
    instance.reset()
    assert instance.warnings == []
    instance.query("incident", "x=1")
    instance.clear_warnings()
    assert instance.warnings == []


def test_a_good_query_warns_nothing(instance: MockInstance) -> None:
    instance.query("incident", f"caller_id={ADMIN_SYS_ID}^stateIN1,2^ORpriority<3^NQactive=true^ORDERBYDESCnumber^EQ")
    assert instance.warnings == []


def test_the_server_logs_a_dropped_part() -> None:
    import requests

    from tests.helpers import start_serve, url_of

    process, lines = start_serve()
    try:
        found = requests.get(f"{url_of(lines)}/api/now/table/incident?sysparm_query=short_descripton=x",
                             auth=("admin", "admin"), timeout=30)
        assert (found.status_code, found.json()) == (200, {"result": []})
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    assert ("query part dropped: incident (Table API sysparm_query): dropped 'short_descripton=x': "
            "no field short_descripton on incident") in stderr
