"""What client code does after it has a token, the way it does it: PySNC and requests, against the mock
in-process and over ``snjwt-mock serve --tls`` (#12). Each test marks its own records with a token, so the
served instance can be shared by the whole module."""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from mock_instance import ADMIN_SYS_ID, MockInstance
from tests.helpers import start_serve, url_of

pysnc = pytest.importorskip("pysnc", reason="PySNC is in the test extra")
IN_PROCESS_URL = "https://dev12345.service-now.com"


@dataclass
class Target:
    """An instance URL and what a client needs to reach it."""

    url: str
    ca_file: str | None

    def pysnc(self) -> Any:
        return pysnc.ServiceNowClient(self.url, ("admin", "admin"), verify=self.ca_file or True)

    def get(self, path: str, **params: str) -> Any:
        response = requests.get(self.url + path, params=params, auth=("admin", "admin"), timeout=30)
        assert response.status_code == 200, response.text
        return response.json()["result"]


@pytest.fixture(scope="module")
def served() -> Iterator[Target]:
    process, lines = start_serve("--tls")
    try:
        ca = re.search(r"TLS certificate (\S+)", "\n".join(lines)).group(1)  # type: ignore[union-attr]
        yield Target(url_of(lines), ca)
    finally:
        process.terminate()
        process.communicate(timeout=30)


@pytest.fixture(params=["in-process", "serve --tls"])
def target(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Target]:
    if request.param == "in-process":
        mock = MockInstance()
        with mock.intercept(IN_PROCESS_URL):
            yield Target(IN_PROCESS_URL, None)
        assert mock.errors == [] and mock.warnings == []
        return
    server: Target = request.getfixturevalue("served")
    # requests lets REQUESTS_CA_BUNDLE beat a client's verify= (PySNC passes verify=None per request).
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", server.ca_file or "")
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    yield server


@pytest.fixture
def mark() -> str:
    """A token in this test's records, so queries see only them."""
    return f"t{uuid.uuid4().hex[:10]}"


def test_crud_on_task_tables(target: Target, mark: str) -> None:
    client = target.pysnc()
    numbers = {}
    for table, prefix in (("incident", "INC"), ("problem", "PRB"), ("change_request", "CHG")):
        record = client.GlideRecord(table)
        record.initialize()
        record.short_description = f"{mark} {table}"
        sys_id = record.insert()
        found = client.GlideRecord(table)
        assert found.get(sys_id)
        assert found.get_value("number").startswith(prefix) and found.get_value("opened_by") == ADMIN_SYS_ID
        numbers[table] = found.get_value("number")
        found.short_description = f"{mark} {table} updated"
        found.update()
    tasks = client.GlideRecord("task")
    tasks.add_query("short_description", "STARTSWITH", mark)
    tasks.order_by("number")
    tasks.query()
    assert [(t.get_value("sys_class_name"), t.get_value("short_description")) for t in tasks] == [
        ("change_request", f"{mark} change_request updated"), ("incident", f"{mark} incident updated"),
        ("problem", f"{mark} problem updated")]
    for table in numbers:
        gone = client.GlideRecord(table)
        gone.add_query("short_description", "STARTSWITH", mark)
        gone.query()
        assert gone.next() and gone.delete()
    assert target.get("/api/now/table/task", sysparm_query=f"short_descriptionSTARTSWITH{mark}") == []


def test_display_values_choice_labels_and_references(target: Target, mark: str) -> None:
    client = target.pysnc()
    department = client.GlideRecord("cmn_department")
    department.initialize()
    department.name = f"{mark} Finance"
    department_id = department.insert()
    user = client.GlideRecord("sys_user")
    user.initialize()
    user.user_name, user.name, user.department = mark, f"{mark} Abel", department_id
    user_id = user.insert()
    incident = client.GlideRecord("incident")
    incident.initialize()
    incident.short_description, incident.caller_id, incident.state, incident.priority = mark, user_id, 2, 1
    sys_id = incident.insert()
    read = client.GlideRecord("incident")
    assert read.get(sys_id)
    assert (read.get_display_value("state"), read.get_display_value("priority")) == ("In Progress", "1 - Critical")
    assert read.get_display_value("caller_id") == f"{mark} Abel"
    assert read.get_display_value("sys_class_name") == "Incident"
    walked = target.get(f"/api/now/table/incident/{sys_id}", sysparm_display_value="all",
                        sysparm_fields="caller_id.department,caller_id.email,opened_by")
    assert walked["caller_id.department"]["display_value"] == f"{mark} Finance"
    assert walked["opened_by"]["display_value"] == "System Administrator"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d",
                        target.get(f"/api/now/table/incident/{sys_id}", sysparm_display_value="true",
                                   sysparm_fields="opened_at")["opened_at"])


def test_joins_and_related_list_queries(target: Target, mark: str) -> None:
    client = target.pysnc()
    ids = {}
    for name in ("manager", "member", "loner"):
        user = client.GlideRecord("sys_user")
        user.initialize()
        user.user_name = f"{mark}.{name}"
        ids[name] = user.insert()
    group = client.GlideRecord("sys_user_group")
    group.initialize()
    group.name, group.manager = f"{mark} group", ids["manager"]
    group_id = group.insert()
    member = client.GlideRecord("sys_user_grmember")
    member.initialize()
    member.user, member.group = ids["member"], group_id
    member.insert()
    managers = client.GlideRecord("sys_user")
    managers.add_query("user_name", "STARTSWITH", mark)
    managers.add_join_query("sys_user_group", join_table_field="manager")
    managers.query()
    assert [m.get_value("user_name") for m in managers] == [f"{mark}.manager"]
    lonely = client.GlideRecord("sys_user")
    lonely.add_query("user_name", "STARTSWITH", mark)
    lonely.add_rl_query("sys_user_grmember", "user", "=0")
    lonely.order_by("user_name")
    lonely.query()
    assert [u.get_value("user_name") for u in lonely] == [f"{mark}.loner", f"{mark}.manager"]


def test_batch_update_and_delete(target: Target, mark: str) -> None:
    client = target.pysnc()
    for n in range(4):
        incident = client.GlideRecord("incident")
        incident.initialize()
        incident.short_description, incident.urgency = f"{mark} {n}", 1 + n % 2
        incident.insert()
    urgent = client.GlideRecord("incident")
    urgent.add_query("short_description", "STARTSWITH", mark)
    urgent.add_query("urgency", "1")
    urgent.query()
    for record in urgent:
        record.state = 7
    assert urgent.update_multiple()
    closed = target.get("/api/now/table/incident", sysparm_query=f"short_descriptionSTARTSWITH{mark}^state=7")
    assert len(closed) == 2
    done = client.GlideRecord("incident")
    done.add_query("short_description", "STARTSWITH", mark)
    done.query()
    assert done.delete_multiple()
    assert target.get("/api/now/table/incident", sysparm_query=f"short_descriptionSTARTSWITH{mark}") == []


def test_a_batch_as_written_by_hand(target: Target, mark: str) -> None:
    body = {"batch_request_id": mark, "rest_requests": [
        {"id": "create", "method": "POST", "url": "/api/now/table/incident",
         "headers": [{"name": "Content-Type", "value": "application/json"}],
         "body": base64.b64encode(json.dumps({"short_description": mark}).encode()).decode()},
        {"id": "list", "method": "GET", "url": f"/api/now/table/incident?sysparm_query=short_description={mark}"}]}
    reply = requests.post(f"{target.url}/api/now/v1/batch", json=body, auth=("admin", "admin"), timeout=30).json()
    assert reply["batch_request_id"] == mark and reply["unserviced_requests"] == []
    created, listed = reply["serviced_requests"]
    assert (created["status_code"], created["status_text"], listed["status_code"]) == (201, "Created", 200)
    assert {h["name"]: h["value"] for h in listed["headers"]}["X-Total-Count"] == "1"


def test_aggregates(target: Target, mark: str) -> None:
    for n, priority in enumerate(("1", "3", "3", "4")):
        requests.post(f"{target.url}/api/now/table/incident", auth=("admin", "admin"), timeout=30,
                      json={"short_description": f"{mark} {n}", "priority": priority, "reassignment_count": n})
    query = f"short_descriptionSTARTSWITH{mark}"
    assert target.get("/api/now/stats/incident", sysparm_query=query, sysparm_count="true",
                      sysparm_avg_fields="reassignment_count") == {
        "stats": {"count": "4", "avg": {"reassignment_count": "1.5000"}}}
    groups = target.get("/api/now/v1/stats/incident", sysparm_query=query, sysparm_count="true",
                        sysparm_group_by="priority", sysparm_display_value="true")
    assert [(g["groupby_fields"][0]["display_value"], g["stats"]["count"]) for g in groups] == [
        ("1 - Critical", "1"), ("3 - Moderate", "2"), ("4 - Low", "1")]


def test_metadata_reads(target: Target) -> None:
    table = target.get("/api/now/table/sys_db_object", sysparm_query="name=incident",
                       sysparm_fields="name,super_class.name,is_extendable")
    assert table == [{"name": "incident", "super_class.name": "task", "is_extendable": "true"}]
    caller = target.get("/api/now/table/sys_dictionary", sysparm_query="name=incident^element=caller_id",
                        sysparm_fields="internal_type,reference")
    assert caller == [{"internal_type": "reference", "reference": "sys_user"}]
    client = target.pysnc()
    choices = client.GlideRecord("sys_choice")
    choices.add_query("name", "incident")
    choices.add_query("element", "state")
    choices.add_query("language", "en")
    choices.order_by("sequence")
    choices.query()
    assert [(c.get_value("value"), c.get_value("label")) for c in choices] == [
        ("1", "New"), ("2", "In Progress"), ("3", "On Hold"), ("6", "Resolved"), ("7", "Closed"), ("8", "Canceled")]


def test_custom_guid_and_attachment_location(target: Target, mark: str) -> None:
    client = target.pysnc()
    guid = (mark.upper() + "A" * 32)[:32]
    record = client.GlideRecord("incident")
    record.initialize()
    record.set_new_guid_value(guid)
    record.short_description = mark
    assert record.insert() == guid
    found = client.GlideRecord("incident")
    assert found.get(guid)
    location = client.Attachment("incident").add_attachment(guid, "notes.txt", b"hello", "text/plain")
    attachments = found.get_attachments()
    assert attachments.next() and attachments.file_name == "notes.txt" and len(attachments) == 1
    assert location == attachments.get_link() == f"{target.url}/api/now/v1/attachment/{attachments.sys_id}/file"
