"""Injected faults: the platform's 429 and the 503, a refused token, a delay, a dropped connection."""

from __future__ import annotations

import json

import pytest
import requests
from werkzeug.test import Client

from conftest import basic
from mock_instance import FAULT_KINDS, MockInstance
from mock_instance.platform.faults import MAINTENANCE_BODY, api_name
from tests.helpers import table_counts

INCIDENTS = "/api/now/table/incident"
RATE_LIMITED = {"error": {"message": "Rate limit exceeded",
                          "detail": "Rate limit of 100 requests per hour for Table API exceeded"}, "status": "failure"}


def test_rate_limited_is_the_platforms_429(instance: MockInstance, client: Client, admin: dict[str, str]) -> None:
    instance.clock.freeze(1_800_000_000 + 600)  # 10 minutes into a UTC hour
    fault = instance.inject_fault("rate_limited", path="/api/now/table/*")
    before = table_counts(instance)
    response = client.post(INCIDENTS, json={"short_description": "x"}, headers=admin)
    assert response.status_code == 429
    assert response.get_json() == RATE_LIMITED  # docs/platform.md §11.2
    assert response.headers["Retry-After"] == "3000"  # seconds until the next window (UTC hours)
    assert response.headers["X-RateLimit-Reset"] == str(1_800_000_000 + 3600)
    assert response.headers["X-RateLimit-Limit"] == "100"
    assert response.headers["X-RateLimit-Rule"] == fault.id
    assert table_counts(instance) == before  # the request never ran
    assert client.post(INCIDENTS, json={"short_description": "x"}, headers=admin).status_code == 201  # count was 1


def test_rate_limited_options_and_api_names(instance: MockInstance, client: Client, admin: dict[str, str]) -> None:
    instance.inject_fault("rate_limited", path="/api/now/*", retry_after=0, limit=5, count=None)
    for path, name in [("/api/now/v2/table/incident", "Table API"), ("/api/now/attachment", "Attachment API")]:
        response = client.get(path, headers=admin)
        assert response.status_code == 429 and response.headers["Retry-After"] == "0"
        assert response.get_json()["error"]["detail"] == f"Rate limit of 5 requests per hour for {name} exceeded"
    assert [api_name(p) for p in ("/api/now/stats/incident", "/api/now/v1/batch", "/oauth_token.do")] == \
        ["Aggregate API", "Batch API", "REST API"]
    assert len(instance.faults) == 1  # count=None: armed until cleared
    instance.clear_faults()
    assert client.get(INCIDENTS, headers=admin).status_code == 200


def test_unavailable_is_the_maintenance_page(instance: MockInstance, client: Client, admin: dict[str, str]) -> None:
    instance.inject_fault("unavailable", count=2, retry_after=30)
    for _ in range(2):
        response = client.get(INCIDENTS, headers=admin)
        assert response.status_code == 503
        assert response.get_data(as_text=True) == MAINTENANCE_BODY
        assert response.headers["Content-Type"] == "text/html;charset=UTF-8"
        assert response.headers["Retry-After"] == "30"
    assert client.get(INCIDENTS, headers=admin).status_code == 200
    instance.inject_fault("unavailable")
    assert "Retry-After" not in client.get(INCIDENTS, headers=admin).headers


def test_token_refused_is_the_bare_401_with_its_reason(instance: MockInstance, client: Client,
                                                       admin: dict[str, str]) -> None:
    instance.inject_fault("token_refused", count=2)
    assert client.get(INCIDENTS, headers=admin).status_code == 200  # only token requests
    before = table_counts(instance)
    for left in ("1 more after this one", "0 more after this one"):
        response = client.post("/oauth_token.do", data={"grant_type": "x"})
        assert response.status_code == 401
        assert response.get_json() == {"error_description": "access_denied", "error": "server_error"}
        assert instance.refusals[-1].code == "fault_injected" and left in instance.refusals[-1].sentence
    after = table_counts(instance)
    assert after.pop("syslog") == before.pop("syslog") + 2 and after == before  # one syslog row each, nothing else
    client.post("/oauth_token.do", data={"grant_type": "x"})
    assert instance.refusals[-1].code == "grant_type_unsupported"  # the real checks again


def test_a_fault_is_taken_by_matching_requests_only_and_recorded(instance: MockInstance, client: Client,
                                                                  admin: dict[str, str]) -> None:
    instance.clock.freeze()
    instance.inject_fault("unavailable", path="/api/now/table/incident")
    assert client.get("/api/now/table/sys_user", headers=admin).status_code == 200
    assert client.get(INCIDENTS + "?sysparm_limit=1", headers=admin).status_code == 503  # the path, not the query
    assert instance.faults == []
    [record] = instance.faults_served
    assert (record.kind, record.method, record.path, record.at) == ("unavailable", "GET", INCIDENTS,
                                                                    instance.clock.time())
    assert str(record) == "unavailable: GET /api/now/table/incident"
    instance.reset()
    assert instance.faults_served == []


def test_delay_waits_then_answers(instance: MockInstance, client: Client, admin: dict[str, str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr("mock_instance.web.faults.time.sleep", slept.append)
    instance.inject_fault("delay", seconds=2.5)
    assert client.get(INCIDENTS, headers=admin).status_code == 200
    assert slept == [2.5]


def test_drop_through_plain_wsgi_raises(instance: MockInstance, client: Client, admin: dict[str, str]) -> None:
    instance.inject_fault("drop")
    with pytest.raises(ConnectionAbortedError, match="dropped"):
        client.get(INCIDENTS, headers=admin)
    assert instance.errors == []  # not a crash of the mock


@pytest.mark.parametrize(("kind", "options", "message"), [
    ("teapot", {}, "unknown fault kind 'teapot'"),
    ("delay", {}, "a delay needs seconds"),
    ("delay", {"seconds": 61}, "at most 60"),
    ("drop", {"seconds": 1}, "seconds is for a delay fault"),
    ("token_refused", {"path": "/api/now/table/*"}, "answers /oauth_token.do only"),
    ("unavailable", {"path": "api/now"}, "glob pattern on the request path"),
    ("unavailable", {"count": 0}, "1 or more"),
    ("unavailable", {"count": True}, "1 or more"),
    ("unavailable", {"limit": 5}, "for a rate_limited fault"),
    ("delay", {"seconds": 1, "retry_after": 5}, "retry_after is whole seconds"),
    ("rate_limited", {"retry_after": -1}, "retry_after is whole seconds"),
])
def test_bad_faults_are_refused(instance: MockInstance, kind: str, options: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        instance.inject_fault(kind, **options)  # type: ignore[arg-type]
    assert instance.faults == []


def test_every_kind_is_documented() -> None:
    from pathlib import Path

    section = (Path(__file__).resolve().parents[2] / "README.md").read_text().split("## Faults", 1)[1].split("\n## ")[0]
    for kind in FAULT_KINDS:
        assert f"`{kind}`" in section, kind


# -- the control endpoint -----------------------------------------------------------

def test_faults_endpoint_arms_lists_and_clears(instance: MockInstance, client: Client, admin: dict[str, str]) -> None:
    created = client.post("/snjwt-mock/faults", headers=admin,
                          json={"kind": "rate_limited", "path": "/api/now/table/*", "count": 1, "retry_after": 0})
    assert created.status_code == 201
    fault = created.get_json()["result"]
    assert fault == {"id": fault["id"], "kind": "rate_limited", "path": "/api/now/table/*", "remaining": 1,
                     "seconds": None, "retry_after": 0, "limit": 100}
    client.post("/snjwt-mock/faults", headers=admin, json={"kind": "delay", "seconds": 0.01, "path": "/nowhere"})
    assert client.get(INCIDENTS, headers=admin).status_code == 429
    listed = client.get("/snjwt-mock/faults", headers=admin).get_json()["result"]
    assert [f["kind"] for f in listed["armed"]] == ["delay"]
    assert [(r["kind"], r["path"], r["fault_id"]) for r in listed["served"]] == [("rate_limited", INCIDENTS,
                                                                                  fault["id"])]
    cleared = client.delete("/snjwt-mock/faults", headers=admin)
    assert cleared.status_code == 200 and cleared.get_json() == {"result": {"cleared": 1}}
    assert client.get("/snjwt-mock/faults", headers=admin).get_json()["result"]["armed"] == []


def test_the_mocks_own_endpoints_are_never_faulted(instance: MockInstance, client: Client,
                                                   admin: dict[str, str]) -> None:
    instance.inject_fault("unavailable", count=None)
    assert client.get("/snjwt-mock/faults", headers=admin).status_code == 200
    assert client.delete("/snjwt-mock/faults", headers=admin).status_code == 200
    assert client.get(INCIDENTS, headers=admin).status_code == 200


@pytest.mark.parametrize(("body", "detail"), [
    ({"kind": "teapot"}, "unknown fault kind 'teapot'"),
    ({"kind": "delay", "seconds": "1"}, "a delay needs seconds"),
    ({"kind": "drop", "when": "now"}, "unknown field(s) ['when']"),
    ({"path": "/x"}, "unknown fault kind None"),
])
def test_faults_endpoint_refuses_bad_faults(instance: MockInstance, client: Client, admin: dict[str, str],
                                            body: dict[str, object], detail: str) -> None:
    response = client.post("/snjwt-mock/faults", headers=admin, json=body)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["message"] == "Invalid fault" and detail in error["detail"]
    assert instance.faults == []


def test_faults_endpoint_is_for_admins(instance: MockInstance, client: Client) -> None:
    instance.insert("sys_user", {"user_name": "bob", "user_password": "pw"})
    for method in ("GET", "POST", "DELETE"):
        response = client.open("/snjwt-mock/faults", method=method, headers=basic("bob", "pw"),
                               data=json.dumps({"kind": "drop"}), content_type="application/json")
        assert response.status_code == 403
        assert client.open("/snjwt-mock/faults", method=method).status_code == 401
    assert instance.faults == []


# -- over a real socket ---------------------------------------------------------------

def test_drop_over_the_server_closes_without_an_answer(instance: MockInstance) -> None:
    with instance.serve() as server:
        instance.inject_fault("drop", path="/api/now/table/*")
        with pytest.raises(requests.ConnectionError):
            requests.get(server.url + INCIDENTS, auth=("admin", "admin"), timeout=10)
        assert requests.get(server.url + INCIDENTS, auth=("admin", "admin"), timeout=10).status_code == 200
    assert [r.kind for r in instance.faults_served] == ["drop"]


def test_delay_over_the_server_times_a_client_out(instance: MockInstance) -> None:
    with instance.serve() as server:
        instance.inject_fault("delay", seconds=1)
        with pytest.raises(requests.ReadTimeout):
            requests.get(server.url + INCIDENTS, auth=("admin", "admin"), timeout=(5, 0.2))
