"""The mock's optional demo data: a handful of records to query, marked as the mock's own."""

from __future__ import annotations

from werkzeug.test import Client

from conftest import basic
from mock_instance import MockInstance
from mock_instance.platform.demo_data import MARK, demo_id
from tests.helpers import start_serve, table_counts, url_of


def test_no_demo_data_by_default(instance: MockInstance) -> None:
    assert instance.query("sys_user", "user_nameSTARTSWITHsnjwt.demo.") == []
    assert instance.query("task") == []


def test_demo_data_is_queryable_and_says_whose_it_is() -> None:
    instance = MockInstance(demo_data=True)
    client = Client(instance)
    users = instance.query("sys_user", "user_nameSTARTSWITHsnjwt.demo.^ORDERBYuser_name")
    assert [u["user_name"] for u in users] == [
        "snjwt.demo.ada", "snjwt.demo.ben", "snjwt.demo.cleo", "snjwt.demo.dev", "snjwt.demo.eve"]
    assert all(u["email"].endswith("@demo.snjwt.test") for u in users)
    assert [g["name"] for g in instance.query("sys_user_group", "ORDERBYname")] == ["Demo Network", "Demo Service Desk"]
    assert all(MARK == d["description"] for d in instance.query("cmn_department"))
    tasks = client.get("/api/now/table/task?sysparm_fields=number,sys_class_name&sysparm_query=ORDERBYnumber",
                       headers=basic()).get_json()["result"]
    assert [t["number"] for t in tasks] == ["CHG0010001", "INC0010001", "INC0010002", "INC0010003", "PRB0010001"]
    members = instance.query("sys_user", "JOINsys_user.sys_id=sys_user_grmember.user!group.name=Demo Network")
    assert [m["user_name"] for m in members] == ["snjwt.demo.ada", "snjwt.demo.ben"]
    with_incidents = instance.query("problem", "RLQUERYincident.problem_id,>=2^ENDRLQUERY")
    assert [p["sys_id"] for p in with_incidents] == [demo_id("problem", "problem")]
    shown = client.get(f"/api/now/table/incident/{demo_id('incident', 'incident', '1')}?sysparm_display_value=true"
                       "&sysparm_fields=caller_id.department,assignment_group,state", headers=basic()).get_json()["result"]
    assert (shown["assignment_group"]["display_value"], shown["state"]) == ("Demo Network", "In Progress")
    assert shown["caller_id.department"] == ""  # Eve has no department
    assert instance.warnings == []


def test_demo_data_survives_reset_and_loads_once() -> None:
    instance = MockInstance(demo_data=True)
    counts = table_counts(instance)
    instance.load_demo_data()
    assert table_counts(instance) == counts
    instance.insert("incident", {"short_description": "mine"})
    instance.reset()
    assert table_counts(instance) == counts
    assert instance.insert("incident", {})["number"] == "INC0010004"


def test_serve_with_demo_data() -> None:
    import requests

    process, lines = start_serve("--demo-data")
    try:
        found = requests.get(f"{url_of(lines)}/api/now/table/sys_user_group?sysparm_fields=name", auth=("admin", "admin"),
                             timeout=30).json()["result"]
        assert sorted(g["name"] for g in found) == ["Demo Network", "Demo Service Desk"]
    finally:
        process.terminate()
        process.communicate(timeout=30)
