"""Display values as the platform computes them (docs/platform.md §12.2), through the Table API."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.test import Client

from conftest import basic
from mock_instance import ADMIN_SYS_ID, Field, MockInstance, Table

#: 2027-01-15 08:00:00 UTC: midnight in Los Angeles (UTC-8 in January).
WINTER = 1_800_000_000


def read(client: Client, table: str, sys_id: str, fields: str, display: str = "all",
         headers: dict[str, str] | None = None) -> Any:
    response = client.get(f"/api/now/table/{table}/{sys_id}?sysparm_fields={fields}&sysparm_display_value={display}",
                          headers=headers or basic())
    assert response.status_code == 200, response.data
    return response.get_json()["result"]


@pytest.fixture
def frozen(instance: MockInstance) -> MockInstance:
    instance.clock.freeze(WINTER)
    return instance


@pytest.mark.parametrize(("table", "values", "expected"), [
    ("incident", {"state": "2", "impact": "1", "urgency": "2", "priority": "1"},
     {"state": "In Progress", "impact": "1 - High", "urgency": "2 - Medium", "priority": "1 - Critical"}),
    ("incident", {"state": "4"}, {"state": "Closed Incomplete"}),  # no incident row for 4: task's
    ("problem", {"state": "104"}, {"state": "Fix in Progress"}),
    ("change_request", {"type": "emergency", "state": "-3"}, {"type": "Emergency", "state": "Authorize"}),
    ("task", {"state": "3"}, {"state": "Closed Complete"}),
    ("incident", {"state": "42"}, {"state": "42"}),  # a value with no row displays as itself
])
def test_choice_labels(client: Client, instance: MockInstance, table: str, values: dict[str, str],
                       expected: dict[str, str]) -> None:
    record = instance.insert(table, values)
    shown = read(client, table, record["sys_id"], ",".join(expected))
    assert shown == {name: {"display_value": label, "value": values[name]} for name, label in expected.items()}
    assert read(client, table, record["sys_id"], ",".join(expected), "true") == expected
    assert read(client, table, record["sys_id"], ",".join(expected), "false") == values


def test_labels_follow_the_caller_s_language_then_english(client: Client, instance: MockInstance) -> None:
    instance.insert("sys_choice", {"name": "incident", "element": "state", "value": "2", "label": "In Bearbeitung",
                                   "language": "de", "inactive": "true"})
    instance.insert("sys_user", {"user_name": "greta", "user_password": "pw", "preferred_language": "de"})
    incident = instance.insert("incident", {"state": "2", "impact": "1"})
    assert read(client, "incident", incident["sys_id"], "state,impact", "true", basic("greta", "pw")) == {
        "state": "In Bearbeitung", "impact": "1 - High"}  # inactive still labels; no German impact row: English
    assert read(client, "incident", incident["sys_id"], "state", "true") == {"state": "In Progress"}


def test_sys_class_name_shows_the_table_label(client: Client, instance: MockInstance) -> None:
    instance.insert("change_request", {})
    listed = client.get("/api/now/table/task?sysparm_fields=sys_class_name&sysparm_display_value=all",
                        headers=basic()).get_json()["result"]
    assert listed == [{"sys_class_name": {"display_value": "Change Request", "value": "change_request"}}]


def test_references_show_the_display_field(client: Client, instance: MockInstance) -> None:
    problem = instance.insert("problem", {"short_description": "root"})
    group = instance.insert("sys_user_group", {"name": "Network"})
    incident = instance.insert("incident", {"problem_id": problem["sys_id"], "assignment_group": group["sys_id"],
                                            "caller_id": ADMIN_SYS_ID, "cmdb_ci": "a" * 32})
    shown = read(client, "incident", incident["sys_id"], "problem_id,assignment_group,caller_id,cmdb_ci,parent", "true")
    base = "http://localhost/api/now/table"
    assert shown == {
        "problem_id": {"display_value": "PRB0010001", "link": f"{base}/problem/{problem['sys_id']}"},
        "assignment_group": {"display_value": "Network", "link": f"{base}/sys_user_group/{group['sys_id']}"},
        "caller_id": {"display_value": "System Administrator", "link": f"{base}/sys_user/{ADMIN_SYS_ID}"},
        "cmdb_ci": {"display_value": "", "link": f"{base}/cmdb_ci/{'a' * 32}"},  # a table the mock does not carry
        "parent": "",
    }
    assert read(client, "incident", incident["sys_id"], "parent")["parent"] == {"display_value": "", "value": ""}
    instance.delete("problem", problem["sys_id"])
    assert read(client, "incident", incident["sys_id"], "problem_id")["problem_id"] == {
        "display_value": "", "link": f"{base}/problem/{problem['sys_id']}", "value": problem["sys_id"]}


def test_date_times_in_the_callers_zone_and_format(client: Client, frozen: MockInstance) -> None:
    incident = frozen.insert("incident", {})
    frozen.insert("sys_user", {"user_name": "tokyo", "user_password": "pw", "time_zone": "Asia/Tokyo",
                               "date_format": "dd/MM/yyyy", "time_format": "hh:mm:ss a"})
    frozen.insert("sys_user", {"user_name": "nowhere", "user_password": "pw", "time_zone": "Mars/Olympus"})

    def opened(headers: dict[str, str] | None = None) -> object:
        return read(client, "incident", incident["sys_id"], "opened_at", "all", headers)["opened_at"]

    assert opened() == {"display_value": "2027-01-15 00:00:00", "value": "2027-01-15 08:00:00"}  # America/Los_Angeles
    assert opened(basic("tokyo", "pw"))["display_value"] == "15/01/2027 05:00:00 PM"  # type: ignore[index]
    frozen.update("sys_properties", next(p["sys_id"] for p in frozen.query("sys_properties", "name=glide.sys.default.tz")),
                  {"value": "Europe/Paris"})
    assert opened()["display_value"] == "2027-01-15 09:00:00"  # type: ignore[index]
    assert opened(basic("nowhere", "pw"))["display_value"] == "2027-01-15 09:00:00"  # an unknown zone: the next one
    frozen.configure(system_time_zone="Asia/Kolkata")
    assert opened()["display_value"] == "2027-01-15 09:00:00"  # the property still comes first


def test_the_system_zone_setting_and_the_format_properties(client: Client, frozen: MockInstance) -> None:
    incident = frozen.insert("incident", {})
    frozen.configure(system_time_zone="Asia/Kolkata")
    for name, value in (("glide.sys.date_format", "MM-dd-yyyy"), ("glide.sys.time_format", "HH:mm")):
        frozen.update("sys_properties", frozen.query("sys_properties", f"name={name}")[0]["sys_id"], {"value": value})
    assert read(client, "incident", incident["sys_id"], "opened_at", "true") == {"opened_at": "01-15-2027 13:30"}


def test_date_only_fields_use_the_format_and_no_zone(client: Client, instance: MockInstance) -> None:
    instance.register_table("u_event", ["u_name", Field("u_day", "glide_date")])
    instance.insert("sys_user", {"user_name": "tokyo", "user_password": "pw", "time_zone": "Asia/Tokyo",
                                 "date_format": "dd.MM.yyyy"})
    event = instance.insert("u_event", {"u_name": "launch", "u_day": "2027-01-15"})
    assert read(client, "u_event", event["sys_id"], "u_day", "all", basic("tokyo", "pw")) == {
        "u_day": {"display_value": "15.01.2027", "value": "2027-01-15"}}


def test_password_fields_are_masked_when_set(client: Client, instance: MockInstance) -> None:
    instance.insert("sys_user", {"user_name": "nopass"})
    shown = client.get("/api/now/table/sys_user?sysparm_fields=user_name,user_password&sysparm_display_value=all"
                       "&sysparm_query=ORDERBYuser_name", headers=basic()).get_json()["result"]
    assert shown == [
        {"user_name": {"display_value": "admin", "value": "admin"},
         "user_password": {"display_value": "********", "value": ""}},
        {"user_name": {"display_value": "nopass", "value": "nopass"},
         "user_password": {"display_value": "", "value": ""}},
    ]


def test_dot_walked_fields_show_the_last_field_s_display(client: Client, frozen: MockInstance) -> None:
    department = frozen.insert("cmn_department", {"name": "Finance"})
    user = frozen.insert("sys_user", {"user_name": "abel", "name": "Abel Tuter", "department": department["sys_id"],
                                      "email": "abel@example.com"})
    incident = frozen.insert("incident", {"caller_id": user["sys_id"]})
    fields = "caller_id.department,caller_id.email,caller_id.sys_created_on,caller_id.department.name,problem_id.number"
    shown = read(client, "incident", incident["sys_id"], fields, "all")
    assert shown == {
        "caller_id.department": {"display_value": "Finance", "link":
                                 f"http://localhost/api/now/table/cmn_department/{department['sys_id']}",
                                 "value": department["sys_id"]},
        "caller_id.email": {"display_value": "abel@example.com", "value": "abel@example.com"},
        "caller_id.sys_created_on": {"display_value": "2027-01-15 00:00:00", "value": "2027-01-15 08:00:00"},
        "caller_id.department.name": {"display_value": "Finance", "value": "Finance"},
        "problem_id.number": {"display_value": "", "value": ""},
    }
    assert read(client, "incident", incident["sys_id"], fields, "false")["caller_id.department"] == {
        "link": f"http://localhost/api/now/table/cmn_department/{department['sys_id']}", "value": department["sys_id"]}


def test_the_display_field_rule_ends_with_the_property_then_sys_created_on(client: Client, frozen: MockInstance) -> None:
    frozen.platform.register_tables([Table("u_plain", (Field("u_colour"),)),
                                     Table("u_holder", (Field("u_plain", "reference", reference="u_plain"),))])
    plain = frozen.insert("u_plain", {"u_colour": "blue"})
    holder = frozen.insert("u_holder", {"u_plain": plain["sys_id"]})

    def shown() -> str:
        return read(client, "u_holder", holder["sys_id"], "u_plain", "true")["u_plain"]["display_value"]

    assert shown() == "2027-01-15 00:00:00"  # no display field, no name, no number: sys_created_on, displayed
    frozen.insert("sys_properties", {"name": "glide.record.display_value_default", "value": "u_colour"})
    assert shown() == "blue"
