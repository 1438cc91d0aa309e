"""The HTTP control API under /snjwt-mock/: each endpoint, its shapes, and who may call it."""

from __future__ import annotations

import pytest
import requests
from werkzeug.test import Client

from conftest import basic
from mock_instance import MockInstance, Settings
from mock_instance.client import Keystore
from mock_instance.web.control import setting_json
from tests.helpers import table_counts
from tests.mock_instance.chain import build_chain

ENDPOINTS = [("GET", "/snjwt-mock/clock"), ("POST", "/snjwt-mock/clock"), ("GET", "/snjwt-mock/settings"),
             ("PATCH", "/snjwt-mock/settings"), ("POST", "/snjwt-mock/reset"), ("GET", "/snjwt-mock/snapshots"),
             ("POST", "/snjwt-mock/snapshots"), ("GET", "/snjwt-mock/snapshots/x"),
             ("DELETE", "/snjwt-mock/snapshots/x"), ("POST", "/snjwt-mock/snapshots/x/restore"),
             ("GET", "/snjwt-mock/requests"), ("DELETE", "/snjwt-mock/requests"), ("GET", "/snjwt-mock/requests/1"),
             ("GET", "/snjwt-mock/tokens"), ("POST", "/snjwt-mock/tokens/x/revoke")]


@pytest.fixture
def plain_user(instance: MockInstance) -> dict[str, str]:
    instance.insert("sys_user", {"user_name": "plain", "user_password": "pw"})
    return basic("plain", "pw")


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_every_endpoint_is_for_admins_only(instance: MockInstance, client: Client, plain_user: dict[str, str],
                                           method: str, path: str) -> None:
    instance.clock.freeze(1_800_000_000)
    before = table_counts(instance), instance.settings
    anonymous = client.open(path, method=method, json={"advance": 60})
    assert anonymous.status_code == 401
    assert anonymous.get_json()["error"]["message"] == "User Not Authenticated"
    refused = client.open(path, method=method, json={"advance": 60}, headers=plain_user)
    assert refused.status_code == 403
    assert refused.get_json()["error"]["message"] == "Operation Failed"
    wrong_password = client.open(path, method=method, json={"advance": 60}, headers=basic("admin", "nope"))
    assert wrong_password.status_code == 401
    assert (table_counts(instance), instance.settings) == before and instance.clock.time() == 1_800_000_000


def test_a_page_of_another_origin_cannot_change_anything(instance: MockInstance, client: Client,
                                                         admin: dict[str, str]) -> None:
    refused = client.post("/snjwt-mock/reset", headers={**admin, "Origin": "https://evil.example"})
    assert refused.status_code == 403
    assert refused.get_json()["error"]["message"] == "Cross-site request refused"
    refused = client.delete("/snjwt-mock/faults", headers={**admin, "Origin": "https://evil.example"})
    assert refused.status_code == 403
    # Its own pages (the console) send their own origin; reading is never refused.
    assert client.post("/snjwt-mock/reset", headers={**admin, "Origin": "http://localhost"}).status_code == 200
    assert client.get("/snjwt-mock/clock", headers={**admin, "Origin": "https://evil.example"}).status_code == 200


def test_clock(instance: MockInstance, client: Client, admin: dict[str, str]) -> None:
    state = client.get("/snjwt-mock/clock", headers=admin).get_json()["result"]
    assert state["frozen"] is False and abs(state["time"] - instance.clock.time()) < 60
    frozen = client.post("/snjwt-mock/clock", json={"freeze": 1_800_000_000}, headers=admin).get_json()["result"]
    assert frozen == {"time": 1_800_000_000.0, "glide": "2027-01-15 08:00:00", "frozen": True}
    advanced = client.post("/snjwt-mock/clock", json={"advance": 3600}, headers=admin).get_json()["result"]
    assert advanced["glide"] == "2027-01-15 09:00:00" and instance.clock.time() == 1_800_003_600
    client.post("/snjwt-mock/clock", json={"unfreeze": True}, headers=admin)
    assert not instance.clock.frozen and instance.clock.time() >= 1_800_003_600
    client.post("/snjwt-mock/clock", json={"freeze": True}, headers=admin)
    assert instance.clock.frozen
    client.post("/snjwt-mock/clock", json={"real_time": True}, headers=admin)
    assert not instance.clock.frozen and abs(instance.clock.time() - state["time"]) < 60


@pytest.mark.parametrize("body", [{}, {"advance": "60"}, {"advance": True}, {"freeze": 1, "advance": 2},
                                  {"rewind": 5}, [], {"freeze": False}])
def test_bad_clock_changes_change_nothing(instance: MockInstance, client: Client, admin: dict[str, str],
                                          body: object) -> None:
    instance.clock.freeze(1_800_000_000)
    response = client.post("/snjwt-mock/clock", json=body, headers=admin)
    assert response.status_code == 400 and response.get_json()["error"]["message"] == "Invalid clock change"
    assert instance.clock.time() == 1_800_000_000


def test_settings(instance: MockInstance, client: Client, admin: dict[str, str]) -> None:
    shown = client.get("/snjwt-mock/settings", headers=admin).get_json()["result"]
    assert shown == {name: setting_json(getattr(Settings(), name)) for name in Settings.names()}
    assert shown["request_line_refusal"]["status"] == 414 and shown["revoke_responses"]["known"]["status"] == 200
    changed = client.patch("/snjwt-mock/settings", json={"accept_pysnc_header": True, "cleanup_interval": 60,
                                                         "check_iat": "on"}, headers=admin)
    assert changed.status_code == 200
    assert changed.get_json()["result"]["accept_pysnc_header"] is True
    assert (instance.settings.accept_pysnc_header, instance.settings.cleanup_interval,
            instance.settings.check_iat) == (True, 60, True)
    assert client.post("/snjwt-mock/settings", json={"check_iat": False}, headers=admin).status_code == 200
    assert instance.settings.check_iat is False


@pytest.mark.parametrize("body", [{"no_such": True}, {"cleanup_interval": "soon"}, {"check_iat": 1},
                                  {"accept_pysnc_header": False, "cleanup_interval": 1.5}])
def test_bad_settings_change_nothing(instance: MockInstance, client: Client, admin: dict[str, str],
                                     body: dict[str, object]) -> None:
    instance.configure(accept_pysnc_header=True)
    before = instance.settings
    response = client.patch("/snjwt-mock/settings", json=body, headers=admin)
    assert response.status_code == 400 and response.get_json()["error"]["message"] == "Invalid setting"
    assert instance.settings == before


def test_reset(instance: MockInstance, client: Client, admin: dict[str, str]) -> None:
    seeded = table_counts(instance)
    saved = client.post("/snjwt-mock/snapshots", json={"name": "empty"}, headers=admin).get_json()["result"]
    client.post("/api/now/table/incident", json={"short_description": "x"}, headers=admin)
    instance.configure(check_iat=True)
    instance.clock.freeze(1_800_000_000)
    response = client.post("/snjwt-mock/reset", headers=admin)
    assert response.status_code == 200 and response.get_json()["result"]["reset"] is True
    assert table_counts(instance) == seeded and instance.settings == Settings() and not instance.clock.frozen
    assert [r.path for r in instance.requests] == ["/snjwt-mock/reset"]  # the log starts again with the reset
    assert [s["id"] for s in client.get("/snjwt-mock/snapshots", headers=admin).get_json()["result"]] == [saved["id"]]


def test_snapshots(instance: MockInstance, client: Client, admin: dict[str, str]) -> None:
    created = client.post("/snjwt-mock/snapshots", json={"name": "before incidents"}, headers=admin)
    assert created.status_code == 201
    saved = created.get_json()["result"]
    assert set(saved) == {"id", "name", "at"} and saved["name"] == "before incidents"
    client.post("/api/now/table/incident", json={"short_description": "x"}, headers=admin)
    assert instance.store.count("incident") == 1
    assert client.get(f"/snjwt-mock/snapshots/{saved['id']}", headers=admin).get_json()["result"] == saved
    restored = client.post(f"/snjwt-mock/snapshots/{saved['id']}/restore", headers=admin)
    assert restored.status_code == 200 and restored.get_json()["result"]["restored"] == saved
    assert instance.store.count("incident") == 0
    assert client.get("/snjwt-mock/snapshots", headers=admin).get_json()["result"] == [saved]
    assert client.delete(f"/snjwt-mock/snapshots/{saved['id']}", headers=admin).status_code == 204
    for method, path in (("GET", ""), ("DELETE", ""), ("POST", "/restore")):
        missing = client.open(f"/snjwt-mock/snapshots/{saved['id']}{path}", method=method, headers=admin)
        assert missing.status_code == 404
    assert client.post("/snjwt-mock/snapshots", json={"name": 5}, headers=admin).status_code == 400
    assert client.get("/snjwt-mock/snapshots", headers=admin).get_json()["result"] == []


def test_requests(instance: MockInstance, client: Client, admin: dict[str, str]) -> None:
    client.get("/api/now/table/incident?sysparm_limit=1", headers=admin)
    client.post("/oauth_token.do", data={"grant_type": "nope", "client_secret": "Sentinel"})
    listed = client.get("/snjwt-mock/requests", headers=admin).get_json()["result"]
    assert [(r["id"], r["method"], r["path"], r["status"], r["reason"]) for r in listed] == [
        (1, "GET", "/api/now/table/incident", 200, None), (2, "POST", "/oauth_token.do", 401, "grant_type_unsupported")]
    assert set(listed[0]) == {"id", "at", "method", "path", "query", "status", "reason", "fault", "caller",
                              "duration_ms", "remote"}
    assert listed[0]["query"] == "sysparm_limit=1" and listed[0]["caller"] == "admin"
    detailed = client.get("/snjwt-mock/requests?details=true&after=1", headers=admin).get_json()["result"]
    assert [r["id"] for r in detailed] == [2, 3]  # the token request, and the listing above
    assert detailed[0]["request"]["body"] == "grant_type=nope&client_secret=***"
    assert detailed[0]["response"]["body"] == '{"error_description": "access_denied", "error": "server_error"}'
    assert ["Content-Type", "application/json;charset=UTF-8"] in detailed[0]["response"]["headers"]
    assert [r["id"] for r in client.get("/snjwt-mock/requests?limit=1", headers=admin).get_json()["result"]] == [4]
    one = client.get("/snjwt-mock/requests/2", headers=admin).get_json()["result"]
    assert one == detailed[0]
    assert client.get("/snjwt-mock/requests/999", headers=admin).status_code == 404
    assert client.delete("/snjwt-mock/requests", headers=admin).get_json()["result"] == {"cleared": True}
    assert [r.path for r in instance.requests] == ["/snjwt-mock/requests"]  # the DELETE itself, logged after


def test_tokens_and_revoke(instance: MockInstance, client: Client, admin: dict[str, str],
                           rsa_keystore: Keystore) -> None:
    chain = build_chain(instance, rsa_keystore)
    token = client.post("/oauth_token.do", data=chain.form()).get_json()["access_token"]
    listed = client.get("/snjwt-mock/tokens", headers=admin).get_json()["result"]
    assert len(listed) == 1
    issued = listed[0]
    assert issued["token"] == token[:6] + "…" and token not in str(listed)
    assert (issued["type"], issued["client_id"], issued["app"], issued["user"], issued["live"]) == (
        "access_token", chain.client_id, "jwt app", "abel.tuter", True)
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/now/table/incident", headers=bearer).status_code == 200
    revoked = client.post(f"/snjwt-mock/tokens/{issued['sys_id']}/revoke", headers=admin)
    assert revoked.get_json()["result"] == {"revoked": issued["sys_id"]}
    assert client.get("/api/now/table/incident", headers=bearer).status_code == 401
    assert instance.refusals[-1].code == "access_token_expired"
    assert client.get("/snjwt-mock/tokens", headers=admin).get_json()["result"][0]["live"] is False
    assert client.post("/snjwt-mock/tokens/nosuch/revoke", headers=admin).status_code == 404


def test_a_served_mock_is_driven_over_http(instance: MockInstance) -> None:
    with instance.serve() as server:
        control = requests.Session()
        control.auth = ("admin", "admin")
        assert control.post(f"{server.url}/snjwt-mock/clock", json={"freeze": 1_800_000_000}).ok
        assert control.get(f"{server.url}/snjwt-mock/clock").json()["result"]["glide"] == "2027-01-15 08:00:00"
        assert control.post(f"{server.url}/snjwt-mock/reset").ok
    assert not instance.clock.frozen
