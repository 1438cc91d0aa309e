"""The Batch API (docs/platform.md §12.3): items run through the instance's routes, as the batch's caller."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from werkzeug.test import Client

from conftest import basic
from mock_instance import MockInstance
from tests.helpers import table_counts

JSON_TYPE = "application/json;charset=UTF-8"
pysnc = pytest.importorskip("pysnc", reason="PySNC is in the test extra")


def b64(data: bytes | dict[str, Any]) -> str:
    raw = json.dumps(data).encode() if isinstance(data, dict) else data
    return base64.b64encode(raw).decode()


def batch(client: Client, requests: list[Any], headers: dict[str, str] | None = None, batch_id: Any = 7,
          path: str = "/api/now/v1/batch") -> Any:
    body: dict[str, Any] = {"rest_requests": requests}
    if batch_id is not None:
        body = {"batch_request_id": batch_id, **body}
    return client.post(path, json=body, headers=headers if headers is not None else basic())


def item(item_id: str, method: str, url: str, body: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    out = {"id": item_id, "method": method, "url": url,
           "headers": [{"name": "Content-Type", "value": "application/json"}, {"name": "Accept", "value": "application/json"}],
           **extra}
    if body is not None:
        out["body"] = b64(body)
    return out


def test_items_run_in_order_with_the_platform_s_reply_shape(client: Client, instance: MockInstance) -> None:
    existing = instance.insert("incident", {"short_description": "old"})
    response = batch(client, [
        item("1", "POST", "/api/now/table/incident", {"short_description": "new"}),
        item("2", "GET", "/api/now/table/incident?sysparm_fields=short_description&sysparm_query=ORDERBYnumber"),
        item("3", "PATCH", f"/api/now/table/incident/{existing['sys_id']}", {"state": "2"}),
        item("4", "DELETE", f"/api/now/table/incident/{existing['sys_id']}"),
    ])
    assert (response.status_code, response.content_type) == (200, JSON_TYPE)
    reply = response.get_json()
    assert list(reply) == ["batch_request_id", "serviced_requests", "unserviced_requests"]
    assert (reply["batch_request_id"], reply["unserviced_requests"]) == ("7", [])
    served = reply["serviced_requests"]
    assert [list(s) for s in served] == [["id", "body", "status_code", "status_text", "headers", "execution_time"]] * 4
    assert [(s["id"], s["status_code"], s["status_text"]) for s in served] == [
        ("1", 201, "Created"), ("2", 200, "OK"), ("3", 200, "OK"), ("4", 204, "No Content")]
    assert all(isinstance(s["execution_time"], int) for s in served)
    created = json.loads(base64.b64decode(served[0]["body"]))["result"]
    headers = {h["name"]: h["value"] for h in served[0]["headers"]}
    assert headers["Location"] == f"http://localhost/api/now/table/incident/{created['sys_id']}"
    assert headers["Content-Type"] == JSON_TYPE
    listed = {h["name"]: h["value"] for h in served[1]["headers"]}
    assert listed["X-Total-Count"] == "2" and 'rel="next"' in listed["Link"]
    assert json.loads(base64.b64decode(served[1]["body"])) == {"result": [{"short_description": "old"},
                                                                          {"short_description": "new"}]}
    assert (served[3]["body"], instance.get("incident", existing["sys_id"])) == ("", None)
    assert [i["short_description"] for i in instance.query("incident")] == ["new"]


@pytest.mark.parametrize(("path", "batch_id", "echo"), [("/api/now/v1/batch", 7, "7"), ("/api/now/batch", "abc", "abc"),
                                                        ("/api/now/v1/batch", None, "")])
def test_the_batch_id_is_echoed_as_a_string(client: Client, path: str, batch_id: Any, echo: str) -> None:
    assert batch(client, [], batch_id=batch_id, path=path).get_json() == {
        "batch_request_id": echo, "serviced_requests": [], "unserviced_requests": []}


def test_items_run_as_the_batch_caller_whatever_their_own_header(client: Client, instance: MockInstance) -> None:
    instance.insert("sys_user", {"user_name": "beth", "user_password": "pw"})
    admin_header = {"name": "Authorization", "value": basic()["Authorization"]}
    reply = batch(client, [{"id": "a", "method": "GET", "url": "/api/now/table/sys_certificate",
                            "headers": [admin_header]},
                           {"id": "b", "method": "POST", "url": "/api/now/table/incident", "body": b64({}),
                            "headers": [{"name": "Content-Type", "value": "application/json"}]}],
                  headers=basic("beth", "pw")).get_json()
    assert [s["status_code"] for s in reply["serviced_requests"]] == [403, 201]
    created = json.loads(base64.b64decode(reply["serviced_requests"][1]["body"]))["result"]
    assert created["sys_created_by"] == "beth"


def test_exclude_response_headers(client: Client) -> None:
    reply = batch(client, [item("1", "GET", "/api/now/table/incident", exclude_response_headers=True)]).get_json()
    assert reply["serviced_requests"][0]["headers"] == []


@pytest.mark.parametrize(("bad", "message"), [
    ({"method": "GET", "url": "/api/now/table/incident"}, "the rest_requests item has no id"),
    ({"id": "x", "url": "/api/now/table/incident"}, "the rest_requests item has no method"),
    ({"id": "x", "method": "GET"}, "the rest_requests item has no url"),
    ({"id": "x", "method": "POST", "url": "/api/now/v1/batch"}, "a batch cannot contain a batch request"),
    ({"id": "x", "method": "GET", "url": "https://elsewhere.test/api/now/table/incident"},
     "url must be relative to the instance, such as /api/now/table/incident, not "
     "'https://elsewhere.test/api/now/table/incident'"),
    ({"id": "x", "method": "POST", "url": "/api/now/table/incident", "body": "%%%"}, "body must be base64"),
])
def test_a_bad_item_is_served_with_400_and_changes_nothing(client: Client, instance: MockInstance,
                                                           bad: dict[str, Any], message: str) -> None:
    before = table_counts(instance)
    reply = batch(client, [bad, item("ok", "GET", "/api/now/table/incident")]).get_json()
    first, second = reply["serviced_requests"]
    assert first == {"id": bad.get("id", ""), "body": "", "status_code": 400, "status_text": "Bad Request",
                     "headers": [], "execution_time": 0, "error_message": message}
    assert second["status_code"] == 200
    assert table_counts(instance) == before


def test_an_item_s_route_errors_are_its_own(client: Client) -> None:
    reply = batch(client, [item("1", "GET", "/api/now/nothing/here"), item("2", "GET", "/api/now/table/u_nope")])
    bodies = [json.loads(base64.b64decode(s["body"])) for s in reply.get_json()["serviced_requests"]]
    assert [b["error"]["message"] for b in bodies] == ["Requested URI does not represent any resource",
                                                       "Invalid table u_nope"]


def test_items_over_the_limits_are_unserviced(client: Client, instance: MockInstance) -> None:
    for n in range(20):
        instance.insert("incident", {"short_description": f"incident {n}"})
    reply = client.post("/api/now/v1/batch", json={"batch_request_id": "1", "rest_requests": [
        item("big", "GET", "/api/now/table/incident"), item("small", "GET", "/api/now/table/incident/" + "0" * 32),
        {"id": "huge", "method": "POST", "url": "/api/now/table/incident", "body": b64(b"x" * (5 * 1024 * 1024 + 1))},
    ]}, headers={**basic(), "X-BATCHREQUEST-MAX-OUTPUT-SIZE": "2000"}).get_json()
    assert reply["unserviced_requests"] == ["big", "huge"]
    assert [s["id"] for s in reply["serviced_requests"]] == ["small"]
    assert instance.store.count("incident") == 20


@pytest.mark.parametrize(("kwargs", "detail"), [
    ({"data": "not json", "content_type": "application/json"}, "The request body is not valid JSON"),
    ({"json": {"batch_request_id": "1"}}, "The batch request has no rest_requests array"),
    ({"json": [1, 2]}, "The batch request has no rest_requests array"),
    ({"data": "{}", "content_type": "text/plain"}, "The Batch API takes application/json, not text/plain"),
])
def test_an_unreadable_batch_is_a_400(client: Client, instance: MockInstance, kwargs: dict[str, Any],
                                      detail: str) -> None:
    before = table_counts(instance)
    response = client.post("/api/now/v1/batch", headers=basic(), **kwargs)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["message"] == "Exception while reading request" and error["detail"].startswith(detail)
    assert table_counts(instance) == before


def test_a_batch_needs_a_caller(client: Client, instance: MockInstance) -> None:
    before = table_counts(instance)
    response = batch(client, [item("1", "POST", "/api/now/table/incident", {})], headers={})
    assert (response.status_code, response.headers["WWW-Authenticate"]) == (401, 'Basic realm="Service-now"')
    assert table_counts(instance) == before


def test_pysnc_updates_and_deletes_through_the_batch_api(instance: MockInstance) -> None:
    for n in range(6):
        instance.insert("incident", {"short_description": f"incident {n}", "priority": str(n % 2 + 1)})
    with instance.intercept("https://dev12345.service-now.com"):
        client = pysnc.ServiceNowClient("https://dev12345.service-now.com", ("admin", "admin"))
        urgent = client.GlideRecord("incident")
        urgent.add_query("priority", "1")
        urgent.query()
        for record in urgent:
            record.short_description = "urgent"
        assert urgent.update_multiple()
        assert sorted(i["short_description"] for i in instance.query("incident", "priority=1")) == ["urgent"] * 3
        done = client.GlideRecord("incident")
        done.add_query("short_description", "urgent")
        done.query()
        assert done.delete_multiple()
    assert sorted(i["short_description"] for i in instance.query("incident")) == [
        "incident 1", "incident 3", "incident 5"]
