"""The Table API through werkzeug's test client (docs/platform.md §2)."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from werkzeug.test import Client

from conftest import basic
from mock_instance import ADMIN_SYS_ID, MockInstance

JSON_TYPE = "application/json;charset=UTF-8"
PREFIXES = ["/api/now/table", "/api/now/v1/table", "/api/now/v2/table"]


def envelope(message: str, detail: str | None) -> dict[str, object]:
    return {"error": {"message": message, "detail": detail}, "status": "failure"}


@pytest.fixture
def user(instance: MockInstance) -> dict[str, str]:
    """A plain user with a password (no roles)."""
    return instance.insert("sys_user", {"user_name": "abel", "user_password": "pw", "name": "Abel Tuter",
                                        "email": "abel@example.com"})


@pytest.fixture
def incidents(instance: MockInstance, user: dict[str, str]) -> list[dict[str, str]]:
    return [instance.insert("incident", {"short_description": f"inc {n}", "state": str(n % 3 + 1),
                                         "caller_id": user["sys_id"]}) for n in range(5)]


@pytest.mark.parametrize("prefix", PREFIXES)
def test_crud_round_trip(client: Client, admin: dict[str, str], prefix: str) -> None:
    created = client.post(f"{prefix}/incident", json={"short_description": "printer", "impact": 1}, headers=admin)
    assert created.status_code == 201
    assert created.content_type == JSON_TYPE
    record = created.get_json()["result"]
    assert (record["short_description"], record["impact"]) == ("printer", "1")
    assert created.headers["Location"] == f"http://localhost{prefix}/incident/{record['sys_id']}"
    url = f"{prefix}/incident/{record['sys_id']}"
    assert client.get(url, headers=admin).get_json()["result"]["number"] == record["number"]
    for method in ("put", "patch"):
        changed = getattr(client, method)(url, json={"short_description": method}, headers=admin)
        assert changed.status_code == 200
        assert changed.get_json()["result"]["short_description"] == method
        assert changed.get_json()["result"]["impact"] == "1"  # partial update
    deleted = client.delete(url, headers=admin)
    assert (deleted.status_code, deleted.data) == (204, b"")
    assert client.get(url, headers=admin).status_code == 404


def test_list_headers_and_paging(client: Client, admin: dict[str, str], incidents: list[dict[str, str]]) -> None:
    response = client.get("/api/now/table/incident?sysparm_limit=2&sysparm_offset=2&sysparm_query=ORDERBYnumber",
                          headers=admin)
    assert response.status_code == 200
    assert [r["short_description"] for r in response.get_json()["result"]] == ["inc 2", "inc 3"]
    assert response.headers["X-Total-Count"] == "5"
    links = dict(reversed(part.split(";rel=")) for part in response.headers["Link"].split(","))
    offsets = {rel.strip('"'): parse_qs(urlsplit(url.strip("<>")).query) for rel, url in links.items()}
    assert {rel: q["sysparm_offset"][0] for rel, q in offsets.items()} == {
        "first": "0", "prev": "0", "next": "4", "last": "3"}
    first = links['"first"'].strip("<>")
    assert first.startswith("http://localhost/api/now/table/incident?sysparm_query=ORDERBYnumber&")
    assert first.endswith("&sysparm_limit=2&sysparm_offset=0")


def test_link_on_the_last_page_still_has_all_four(client: Client, admin: dict[str, str], incidents: list) -> None:
    link = client.get("/api/now/v2/table/incident?sysparm_limit=2&sysparm_offset=4", headers=admin).headers["Link"]
    rels = re.findall(r'sysparm_offset=(-?\d+)>;rel="(\w+)"', link)
    assert rels == [("0", "first"), ("2", "prev"), ("6", "next"), ("3", "last")]
    assert "/api/now/v2/table/incident?" in link


def test_suppress_pagination_header(client: Client, admin: dict[str, str], incidents: list) -> None:
    response = client.get("/api/now/table/incident?sysparm_suppress_pagination_header=true", headers=admin)
    assert "Link" not in response.headers and response.headers["X-Total-Count"] == "5"


def test_empty_match_by_version(client: Client, admin: dict[str, str]) -> None:
    for prefix in ("/api/now/table", "/api/now/v2/table"):
        response = client.get(f"{prefix}/incident", headers=admin)
        assert (response.status_code, response.get_json()) == (200, {"result": []})
        assert response.headers["X-Total-Count"] == "0"
    v1 = client.get("/api/now/v1/table/incident", headers=admin)
    assert (v1.status_code, v1.get_json()) == (404, envelope(
        "No Record found", "Records matching query not found. Check query parameter or offset parameter"))


def test_fields_query_and_name_value_filters(client: Client, admin: dict[str, str], incidents: list) -> None:
    response = client.get("/api/now/table/incident?sysparm_fields=number,short_description,nope"
                          "&sysparm_query=stateIN1,2^ORDERBYDESCnumber&state=2", headers=admin)
    result = response.get_json()["result"]
    assert [set(r) for r in result] == [{"number", "short_description"}] * len(result)
    assert [r["short_description"] for r in result] == ["inc 4", "inc 1"]


def test_reference_shapes(client: Client, admin: dict[str, str], incidents: list, user: dict[str, str]) -> None:
    sys_id = incidents[0]["sys_id"]
    link = f"http://localhost/api/now/table/sys_user/{user['sys_id']}"

    def caller(params: str) -> object:
        url = f"/api/now/table/incident/{sys_id}?sysparm_fields=caller_id,state,description&{params}"
        return client.get(url, headers=admin).get_json()["result"]

    assert caller("")["caller_id"] == {"link": link, "value": user["sys_id"]}
    assert caller("sysparm_display_value=true")["caller_id"] == {"display_value": "Abel Tuter", "link": link}
    assert caller("sysparm_display_value=all") == {
        "caller_id": {"display_value": "Abel Tuter", "link": link, "value": user["sys_id"]},
        "state": {"display_value": "New", "value": "1"},  # docs/platform.md §12.2: the choice label
        "description": {"display_value": "", "value": ""},
    }
    assert caller("sysparm_exclude_reference_link=true")["caller_id"] == user["sys_id"]
    assert caller("sysparm_exclude_reference_link=true&sysparm_display_value=true")["caller_id"] == "Abel Tuter"
    assert caller("sysparm_exclude_reference_link=true&sysparm_display_value=all")["caller_id"] == {
        "display_value": "Abel Tuter", "value": user["sys_id"]}


def test_empty_reference_is_an_empty_string(client: Client, admin: dict[str, str]) -> None:
    created = client.post("/api/now/table/incident", json={}, headers=admin).get_json()["result"]
    assert created["caller_id"] == ""


def test_dot_walked_field(client: Client, admin: dict[str, str], incidents: list) -> None:
    result = client.get("/api/now/table/incident?sysparm_fields=caller_id.email&sysparm_limit=1",
                        headers=admin).get_json()["result"]
    assert result == [{"caller_id.email": "abel@example.com"}]


def test_params_apply_to_writes(client: Client, admin: dict[str, str]) -> None:
    response = client.post("/api/now/table/incident?sysparm_fields=number&sysparm_display_value=all",
                           json={"caller_id": ADMIN_SYS_ID}, headers=admin)
    assert set(response.get_json()["result"]) == {"number"}


def test_no_response_body(client: Client, admin: dict[str, str]) -> None:
    response = client.post("/api/now/table/incident", json={}, headers={**admin, "X-no-response-body": "true"})
    assert (response.status_code, response.data) == (201, b"")


def test_head_is_get_without_body(client: Client, admin: dict[str, str], incidents: list) -> None:
    response = client.head("/api/now/table/incident", headers=admin)
    assert (response.status_code, response.data, response.headers["X-Total-Count"]) == (200, b"", "5")


def test_array_body_uses_the_first_record(client: Client, admin: dict[str, str]) -> None:
    response = client.post("/api/now/table/incident", json=[{"short_description": "one"}, {"short_description": "2"}],
                           headers=admin)
    assert response.get_json()["result"]["short_description"] == "one"
    assert client.get("/api/now/table/incident", headers=admin).headers["X-Total-Count"] == "1"


def test_unknown_body_fields_are_ignored(client: Client, admin: dict[str, str]) -> None:
    response = client.post("/api/now/table/incident", json={"bogus": "x", "sys_mod_count": "9"}, headers=admin)
    result = response.get_json()["result"]
    assert "bogus" not in result and result["sys_mod_count"] == "0"


def test_passwords_never_returned(client: Client, admin: dict[str, str], instance: MockInstance) -> None:
    created = client.post("/api/now/table/oauth_jwt", json={"name": "app", "client_secret": "hunter2"},
                          headers=admin)
    assert created.get_json()["result"]["client_secret"] == ""
    listing = client.get("/api/now/table/oauth_entity", headers=admin)
    assert b"hunter2" not in listing.data
    assert listing.get_json()["result"][0]["sys_class_name"] == "oauth_jwt"


# -- errors ------------------------------------------------------------------------

@pytest.mark.parametrize("headers", [{}, basic("admin", "wrong"), basic("nobody", "x"),
                                     {"Authorization": "Basic !!!"}, {"Authorization": "Bearer nope"},
                                     {"Authorization": "Digest abc"}, {"Authorization": "Basic " + "YWJj"}])
def test_not_authenticated(client: Client, headers: dict[str, str]) -> None:
    response = client.get("/api/now/table/incident", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Basic realm="Service-now"'  # docs/platform.md §2
    assert response.get_json() == envelope("User Not Authenticated", "Required to provide Auth information")


@pytest.mark.parametrize(("headers", "challenge"), [
    ({"Authorization": "Bearer nope"}, 'Bearer realm="Service-now"'),
    ({}, 'Basic realm="Service-now"'), (basic("admin", "wrong"), 'Basic realm="Service-now"')])
def test_bad_bearer_challenge_follows_its_setting(client: Client, instance: MockInstance, headers: dict[str, str],
                                                  challenge: str) -> None:
    instance.configure(www_authenticate_bearer_on_bad_token=True)
    response = client.get("/api/now/table/incident", headers=headers)
    assert (response.status_code, response.headers["WWW-Authenticate"]) == (401, challenge)
    assert response.get_json() == envelope("User Not Authenticated", "Required to provide Auth information")


@pytest.mark.parametrize("change", [{"active": "false"}, {"locked_out": "true"}])
def test_inactive_or_locked_user_cannot_log_in(client: Client, instance: MockInstance, user: dict[str, str],
                                               change: dict[str, str]) -> None:
    assert client.get("/api/now/table/incident", headers=basic("abel", "pw")).status_code == 200
    instance.update("sys_user", user["sys_id"], change)
    assert client.get("/api/now/table/incident", headers=basic("abel", "pw")).status_code == 401


def test_unknown_record(client: Client, admin: dict[str, str]) -> None:
    for method in ("get", "put", "patch", "delete"):
        response = getattr(client, method)("/api/now/table/incident/" + "0" * 32, headers=admin, json={})
        assert (response.status_code, response.get_json()) == (404, envelope(
            "No Record found", "Record doesn't exist or ACL restricts the record retrieval"))


def test_unknown_table(client: Client, admin: dict[str, str]) -> None:
    response = client.get("/api/now/table/u_nope", headers=admin)
    assert (response.status_code, response.get_json()) == (400, envelope("Invalid table u_nope", None))


@pytest.mark.parametrize("path", ["/api/now/tables/incident", "/api/now/v3/table/incident", "/api/foo",
                                  "/api/now/table"])
def test_unknown_api_uri(client: Client, admin: dict[str, str], path: str) -> None:
    response = client.get(path, headers=admin)
    assert (response.status_code, response.get_json()) == (
        400, envelope("Requested URI does not represent any resource", None))


@pytest.mark.parametrize(("method", "path"), [("put", "/api/now/table/incident"),
                                              ("post", "/api/now/table/incident/" + "0" * 32),
                                              ("get", "/oauth_token.do")])
def test_method_not_supported(client: Client, admin: dict[str, str], method: str, path: str) -> None:
    response = getattr(client, method)(path, headers=admin)
    assert (response.status_code, response.get_json()) == (405, envelope("Method not Supported", None))


def test_outside_api_is_a_plain_404(client: Client) -> None:
    assert client.get("/nav_to.do").status_code == 404


@pytest.mark.parametrize(("body", "detail"), [
    (b"{not json", "not valid JSON"), (b"\xff\xfe", "not valid UTF-8"), (b'"a string"', "JSON object"),
    (b"[1]", "JSON object"), (b"[" * 100000, "not valid JSON"),
])
def test_bad_bodies(client: Client, admin: dict[str, str], instance: MockInstance, body: bytes, detail: str) -> None:
    response = client.post("/api/now/table/incident", data=body, headers={**admin, "Content-Type": "application/json"})
    assert response.status_code == 400
    payload = response.get_json()
    assert payload["error"]["message"] == "Exception while reading request"
    assert detail in payload["error"]["detail"]
    assert instance.query("incident") == []


def test_body_over_ten_megabytes(client: Client, admin: dict[str, str], instance: MockInstance) -> None:
    big = json.dumps({"description": "x" * (10 * 1024 * 1024)}).encode()
    response = client.post("/api/now/table/incident", data=big, headers={**admin, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert "exceeds the limit" in response.get_json()["error"]["detail"]
    assert instance.query("incident") == []


# -- ACL -----------------------------------------------------------------------------

@pytest.mark.parametrize("table", ["sys_certificate", "jwt_keystore_aliases", "jwt_provider", "oauth_entity",
                                   "oauth_jwt", "jwt_verifier_map", "oauth_credential", "syslog", "sys_attachment",
                                   "sys_user_role", "sys_user_has_role"])
def test_security_tables_need_admin(client: Client, user: dict[str, str], table: str) -> None:
    plain = basic("abel", "pw")
    read = client.get(f"/api/now/table/{table}", headers=plain)
    assert (read.status_code, read.get_json()) == (403, envelope(
        "Insufficient rights to query records", "Field(s) present in the query do not have permission to be read"))
    write = client.post(f"/api/now/table/{table}", json={}, headers=plain)
    assert (write.status_code, write.get_json()) == (403, envelope(
        "Operation Failed", "ACL Exception Insert Failed due to security constraints"))


def test_plain_users_read_users_but_cannot_write_them(client: Client, user: dict[str, str]) -> None:
    plain = basic("abel", "pw")
    assert client.get("/api/now/table/sys_user", headers=plain).status_code == 200
    for method, operation in (("patch", "Update"), ("delete", "Delete")):
        response = getattr(client, method)(f"/api/now/table/sys_user/{user['sys_id']}", json={}, headers=plain)
        assert (response.status_code, response.get_json()["error"]["detail"]) == (
            403, f"ACL Exception {operation} Failed due to security constraints")


def test_plain_users_work_on_incidents(client: Client, user: dict[str, str]) -> None:
    plain = basic("abel", "pw")
    created = client.post("/api/now/table/incident", json={"short_description": "mine"}, headers=plain)
    assert created.status_code == 201
    assert created.get_json()["result"]["sys_created_by"] == "abel"
