"""The out-of-box core as data (docs/platform.md §12.1): tables, inheritance, numbers, defaults, roles, metadata."""

from __future__ import annotations

import json
from importlib import resources

import pytest
from werkzeug.test import Client

from conftest import basic
from mock_instance import ADMIN_SYS_ID, MockInstance
from mock_instance.platform.schema import CORE_FILES, SchemaError, parse_schema

#: docs/platform.md §12.1: table → (parent, documented columns, references).
SPEC_TABLES: dict[str, tuple[str | None, set[str], dict[str, str]]] = {
    "task": (None, {"number", "state", "active", "priority", "impact", "urgency", "short_description", "description",
                    "opened_at", "closed_at", "close_notes", "due_date", "approval", "contact_type", "watch_list",
                    "work_notes", "comments", "escalation", "reassignment_count", "sys_domain"},
             {"opened_by": "sys_user", "closed_by": "sys_user", "assigned_to": "sys_user",
              "assignment_group": "sys_user_group", "company": "core_company", "location": "cmn_location",
              "cmdb_ci": "cmdb_ci", "parent": "task"}),
    "incident": ("task", {"category", "subcategory", "incident_state", "severity", "close_code", "resolved_at", "notify",
                          "reopen_count", "child_incidents", "business_stc", "calendar_stc"},
                 {"caller_id": "sys_user", "problem_id": "problem", "resolved_by": "sys_user",
                  "parent_incident": "incident", "rfc": "change_request", "caused_by": "change_request"}),
    "problem": ("task", {"problem_state"}, {}),
    "change_request": ("task", {"type", "phase", "risk", "start_date", "end_date", "implementation_plan", "backout_plan",
                                "test_plan", "cab_required", "on_hold", "production_system",
                                "outside_maintenance_schedule"},
                       {"requested_by": "sys_user", "chg_model": "chg_model",
                        "std_change_producer_version": "std_change_producer_version"}),
    "sys_user": (None, {"user_name", "first_name", "last_name", "name", "email", "title", "active", "locked_out",
                        "web_service_access_only", "internal_integration_user", "user_password", "phone", "mobile_phone",
                        "time_zone", "date_format", "time_format", "preferred_language", "vip", "employee_number",
                        "roles", "failed_attempts", "last_login_time"},
                 {"department": "cmn_department", "manager": "sys_user", "company": "core_company",
                  "location": "cmn_location"}),
    "sys_user_group": (None, {"name", "description", "email", "type", "active", "exclude_manager", "include_members"},
                       {"manager": "sys_user", "parent": "sys_user_group"}),
    "sys_user_grmember": (None, set(), {"user": "sys_user", "group": "sys_user_group"}),
    "sys_user_role": (None, {"name"}, {}),
    "sys_user_has_role": (None, set(), {"user": "sys_user", "role": "sys_user_role"}),
    "sys_group_has_role": (None, set(), {"group": "sys_user_group", "role": "sys_user_role"}),
    "cmn_department": (None, {"name", "id", "description"},
                       {"company": "core_company", "dept_head": "sys_user", "primary_contact": "sys_user"}),
    "cmn_location": (None, {"name", "latitude", "longitude"}, {"parent": "cmn_location"}),
    "core_company": (None, {"name", "stock_symbol", "phone", "manufacturer", "vendor", "street", "city", "state", "zip",
                            "latitude", "longitude"}, {}),
    "sys_choice": (None, {"name", "element", "language", "value", "label", "sequence", "inactive", "dependent_value",
                          "hint"}, {}),
    "sys_db_object": (None, {"name", "label", "is_extendable"}, {"super_class": "sys_db_object"}),
    "sys_dictionary": (None, {"name", "element", "internal_type", "reference", "max_length", "attributes", "display",
                              "default_value", "mandatory", "column_label"}, {}),
    "sys_metadata": (None, {"sys_name", "sys_update_name"}, {"sys_scope": "sys_scope", "sys_package": "sys_package"}),
    "sys_script": ("sys_metadata", {"name", "collection", "when", "order", "active", "action_insert"}, {}),
    "sys_properties": (None, {"name", "value", "write_roles", "description", "type", "choices", "ignore_cache",
                              "is_private", "read_roles"}, {"sys_scope": "sys_scope"}),
}


@pytest.mark.parametrize("table", sorted(SPEC_TABLES))
def test_every_spec_table_has_its_parent_columns_and_references(instance: MockInstance, table: str) -> None:
    parent, columns, references = SPEC_TABLES[table]
    definition = instance.store.table(table)
    assert definition.parent == parent
    fields = instance.store.fields(table)
    assert columns <= set(fields)
    assert {name: fields[name].reference for name in references} == references


def test_every_schema_table_says_where_it_comes_from() -> None:
    folder = resources.files("mock_instance.platform") / "schema"
    for name in CORE_FILES:
        for table in json.loads(folder.joinpath(name).read_text("utf-8"))["tables"]:
            assert "docs/platform.md §" in table["source"], table["name"]


def admin_get(client: Client, path: str) -> object:
    response = client.get(path, headers=basic())
    assert response.status_code == 200, response.data
    return response.get_json()["result"]


def test_each_task_table_has_its_number_series_and_task_sees_them_all(client: Client) -> None:
    numbers = {}
    for table in ("incident", "problem", "change_request", "task", "incident"):
        created = client.post(f"/api/now/table/{table}", json={"short_description": table}, headers=basic())
        assert created.status_code == 201
        numbers.setdefault(table, []).append(created.get_json()["result"]["number"])
    assert numbers == {"incident": ["INC0010001", "INC0010002"], "problem": ["PRB0010001"],
                       "change_request": ["CHG0010001"], "task": ["TASK0010001"]}
    tasks = admin_get(client, "/api/now/table/task?sysparm_fields=number,sys_class_name&sysparm_query=ORDERBYnumber")
    assert [(t["number"], t["sys_class_name"]) for t in tasks] == [  # type: ignore[index]
        ("CHG0010001", "change_request"), ("INC0010001", "incident"), ("INC0010002", "incident"),
        ("PRB0010001", "problem"), ("TASK0010001", "task")]


def test_defaults_follow_the_caller_and_the_table(client: Client, instance: MockInstance) -> None:
    user = instance.insert("sys_user", {"user_name": "beth", "user_password": "pw"})
    instance.clock.freeze(1_800_000_000)
    created = client.post("/api/now/table/problem", json={}, headers=basic("beth", "pw")).get_json()["result"]
    assert created["opened_by"]["value"] == user["sys_id"]
    assert (created["opened_at"], created["active"], created["state"]) == ("2027-01-15 08:00:00", "true", "101")
    change = client.post("/api/now/table/change_request", json={}, headers=basic()).get_json()["result"]
    assert (change["state"], change["type"], change["opened_by"]["value"]) == ("-5", "normal", ADMIN_SYS_ID)
    given = client.post("/api/now/table/incident", json={"opened_by": ""}, headers=basic()).get_json()["result"]
    assert given["opened_by"] == ""  # a value the client sends, even empty, is kept


def test_the_admin_role_is_pinned_and_the_base_roles_are_seeded(instance: MockInstance) -> None:
    roles = {r["name"]: r["sys_id"] for r in instance.query("sys_user_role")}
    assert roles["admin"] == "2831a114c611228501d4ea6c309d626d"
    assert {"itil", "itil_admin", "approver_user", "user_admin", "rest_api_explorer", "knowledge"} <= set(roles)
    assert [r["role"] for r in instance.query("sys_user_has_role", f"user={ADMIN_SYS_ID}")] == [roles["admin"]]


def test_metadata_describes_the_tables_the_mock_serves(client: Client, instance: MockInstance) -> None:
    tables = admin_get(client, "/api/now/table/sys_db_object?sysparm_fields=name,super_class.name,label,is_extendable"
                               "&sysparm_limit=500")
    by_name = {t["name"]: t for t in tables}  # type: ignore[union-attr]
    assert set(by_name) == set(instance.store.tables())
    assert by_name["incident"] == {"name": "incident", "super_class.name": "task", "label": "Incident",
                                   "is_extendable": "true"}
    assert by_name["oauth_jwt"]["super_class.name"] == "oauth_entity"
    entries = admin_get(client, "/api/now/table/sys_dictionary?sysparm_query=name=incident^element=caller_id")
    assert [(e["internal_type"], e["reference"], e["column_label"]) for e in entries] == [  # type: ignore[index]
        ("reference", "sys_user", "Caller id")]
    own = {e["element"] for e in admin_get(client, "/api/now/table/sys_dictionary?sysparm_query=name=task")}  # type: ignore[union-attr]
    assert own == {f.name for f in instance.store.table("task").fields} | {
        "sys_id", "sys_created_on", "sys_updated_on", "sys_created_by", "sys_updated_by", "sys_mod_count",
        "sys_class_name"}
    number = admin_get(client, "/api/now/table/sys_dictionary?sysparm_query=name=task^element=number")[0]  # type: ignore[index]
    assert number["default_value"] == "javascript:getNextObjNumberPadded();"
    choices = admin_get(client, "/api/now/table/sys_choice?sysparm_query=name=problem^element=state^ORDERBYsequence"
                                "&sysparm_fields=value,label,language")
    assert [(c["value"], c["label"], c["language"]) for c in choices] == [  # type: ignore[index]
        ("101", "New", "en"), ("102", "Assess", "en"), ("103", "Root Cause Analysis", "en"),
        ("104", "Fix in Progress", "en"), ("106", "Resolved", "en"), ("107", "Closed", "en")]


def test_a_registered_table_is_described_and_stays_described_after_reset(instance: MockInstance) -> None:
    instance.register_table("u_widget", ["u_name"], parent=None)
    instance.reset()
    assert [t["name"] for t in instance.query("sys_db_object", "name=u_widget")] == ["u_widget"]
    assert {e["element"] for e in instance.query("sys_dictionary", "name=u_widget")} >= {"u_name", "sys_id"}


@pytest.mark.parametrize("table", ["sys_choice", "sys_dictionary", "sys_db_object", "sys_user"])
def test_metadata_is_readable_by_any_user_and_writable_by_admins_only(client: Client, instance: MockInstance,
                                                                      table: str) -> None:
    instance.insert("sys_user", {"user_name": "beth", "user_password": "pw"})
    before = instance.store.count(table)
    assert client.get(f"/api/now/table/{table}?sysparm_limit=1", headers=basic("beth", "pw")).status_code == 200
    refused = client.post(f"/api/now/table/{table}", json={"name": "x"}, headers=basic("beth", "pw"))
    assert refused.status_code == 403 and instance.store.count(table) == before
    assert client.post(f"/api/now/table/{table}", json={"name": "x"}, headers=basic()).status_code == 201


def test_properties_are_for_admins_and_the_display_ones_are_seeded(client: Client, instance: MockInstance) -> None:
    instance.insert("sys_user", {"user_name": "beth", "user_password": "pw"})
    assert client.get("/api/now/table/sys_properties", headers=basic("beth", "pw")).status_code == 403
    values = {p["name"]: p["value"] for p in instance.query("sys_properties")}
    # docs/platform.md §9: the display properties, state validation on, and the useraccount scope's property.
    (scope,) = instance.query("sys_auth_scope", "name=useraccount")
    assert values == {"glide.sys.default.tz": "", "glide.sys.date_format": "yyyy-MM-dd",
                      "glide.sys.time_format": "HH:mm:ss", "glide.oauth.state.parameter.required": "true",
                      "glide.oauth.token.scope.useraccount": scope["sys_id"]}


@pytest.mark.parametrize(("document", "message"), [
    ([], "expected an object"),
    ({"tables": [{"label": "x"}]}, "each table is an object with a \"name\""),
    ({"tables": [{"name": "u_x", "fields": [{"name": "u_a", "generated": "nope"}]}]}, "no generator 'nope'"),
    ({"tables": [{"name": "u_x", "fields": ["u_a"]}]}, "each field is an object"),
    ({"tables": [{"name": "U X"}]}, "lowercase letters"),
])
def test_a_bad_schema_is_refused_with_its_place(document: object, message: str) -> None:
    with pytest.raises(SchemaError, match="schema mine.json") as raised:
        parse_schema(document, origin="mine.json")
    assert message in str(raised.value)
