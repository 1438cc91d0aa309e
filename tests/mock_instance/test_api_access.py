"""API access scopes (docs/platform.md §11.1) and REST rate limits (§11.2): inert until rows exist."""

from __future__ import annotations

import math
from typing import Any

import pytest
from werkzeug.test import Client

from mock_instance import MockInstance
from tests.helpers import table_counts

from .grants import GrantApp, bearer, build_app


@pytest.fixture
def grant(instance: MockInstance) -> GrantApp:
    return build_app(instance)


@pytest.fixture
def token(client: Client, grant: GrantApp) -> str:
    return grant.credentials(client)["access_token"]  # type: ignore[no-any-return]


def scope(instance: MockInstance, name: str) -> str:
    return instance.insert("sys_auth_scope", {"name": name})["sys_id"]


def bind(instance: MockInstance, auth_scope: str, **values: str) -> dict[str, str]:
    row = {"name": "bound", "auth_scope": auth_scope, "api_path": "now/table", "http_method": "GET",
           "apply_all_versions": "true", "apply_all_resources": "true", **values}
    return instance.insert("sys_api_access_scope", row)


def map_app(instance: MockInstance, grant: GrantApp, auth_scope: str) -> None:
    instance.insert("oauth_entity_auth_scope_mapping", {"oauth_entity": grant.app["sys_id"], "auth_scope": auth_scope})


def refused_scope(client: Client, instance: MockInstance, path: str, token: str, name: str, **kwargs: Any) -> None:
    before = table_counts(instance)
    response = client.open(path, headers=bearer(token), **kwargs)
    assert response.status_code == 403
    assert response.data == (b'{"error":{"message":"User Not Authorized","detail":"Missing required api access '
                             b'scope: ' + name.encode() + b'"},"status":"failure"}')
    assert table_counts(instance) == before


# -- scopes -----------------------------------------------------------------------------

def test_a_fresh_instance_binds_nothing(client: Client, instance: MockInstance, token: str) -> None:
    assert instance.query("sys_api_access_scope") == []
    assert [s["name"] for s in instance.query("sys_auth_scope")] == ["useraccount"]
    assert client.get("/api/now/table/incident", headers=bearer(token)).status_code == 200


def test_a_bound_api_refuses_unmapped_apps_bearer_only(client: Client, instance: MockInstance, grant: GrantApp,
                                                       token: str, admin: dict[str, str]) -> None:
    bind(instance, scope(instance, "table_read"))
    refused_scope(client, instance, "/api/now/table/incident", token, "table_read")
    assert client.get("/api/now/table/incident", headers=admin).status_code == 200  # Basic is never checked
    assert client.post("/api/now/table/incident", json={}, headers=bearer(token)).status_code == 201  # POST unbound


def test_mappings_are_read_at_request_time(client: Client, instance: MockInstance, grant: GrantApp,
                                           token: str) -> None:
    table_read = scope(instance, "table_read")
    bind(instance, table_read)
    refused_scope(client, instance, "/api/now/table/incident", token, "table_read")
    map_app(instance, grant, table_read)
    assert client.get("/api/now/table/incident", headers=bearer(token)).status_code == 200


def test_useraccount_has_full_access(client: Client, instance: MockInstance, grant: GrantApp, token: str) -> None:
    bind(instance, scope(instance, "table_read"))
    map_app(instance, grant, instance.query("sys_auth_scope", "name=useraccount")[0]["sys_id"])
    assert client.get("/api/now/table/incident", headers=bearer(token)).status_code == 200


def test_inactive_rows_and_the_property_switch(client: Client, instance: MockInstance, token: str) -> None:
    row = bind(instance, scope(instance, "table_read"), active="false")
    assert client.get("/api/now/table/incident", headers=bearer(token)).status_code == 200
    instance.update("sys_api_access_scope", row["sys_id"], {"active": "true"})
    assert client.get("/api/now/table/incident", headers=bearer(token)).status_code == 403
    instance.insert("sys_properties", {"name": "com.glide.rest.api.auth.scope.check.enable", "value": "false"})
    assert client.get("/api/now/table/incident", headers=bearer(token)).status_code == 200


def test_version_and_resource_matching(client: Client, instance: MockInstance, token: str) -> None:
    bind(instance, scope(instance, "v1_records"), apply_all_versions="false", api_version="v1",
         apply_all_resources="false", resource="/now/table/{tableName}/{sys_id}")
    created = client.post("/api/now/table/incident", json={}, headers=bearer(token)).get_json()["result"]
    assert client.get("/api/now/table/incident", headers=bearer(token)).status_code == 200  # a list
    assert client.get(f"/api/now/table/incident/{created['sys_id']}", headers=bearer(token)).status_code == 200  # v2
    refused_scope(client, instance, f"/api/now/v1/table/incident/{created['sys_id']}", token, "v1_records")


def test_the_attachment_api_and_the_first_scope_by_name(client: Client, instance: MockInstance, token: str) -> None:
    for name in ("zeta", "alpha"):
        bind(instance, scope(instance, name), api_path="now/attachment", apply_all_methods="true")
    refused_scope(client, instance, "/api/now/attachment", token, "alpha")
    assert client.get("/api/now/table/incident", headers=bearer(token)).status_code == 200


# -- rate limits ------------------------------------------------------------------------------

def rule(instance: MockInstance, limit: int, **values: str) -> dict[str, str]:
    return instance.insert("sys_rate_limit_rules", {"name": "limit", "request_limit": str(limit), **values})


def test_no_rule_no_headers(client: Client, token: str) -> None:
    response = client.get("/api/now/table/incident", headers=bearer(token))
    assert "X-RateLimit-Limit" not in response.headers


def test_the_limit_its_headers_and_the_429(client: Client, instance: MockInstance, grant: GrantApp,
                                           token: str) -> None:
    instance.clock.freeze()
    limit = rule(instance, 2)
    next_hour = math.floor(instance.clock.time() / 3600) * 3600 + 3600  # windows are UTC clock hours
    reset, retry_after = str(next_hour), str(math.ceil(next_hour - instance.clock.time()))
    for _ in range(2):
        response = client.get("/api/now/table/incident", headers=bearer(token))
        assert response.status_code == 200
        assert (response.headers["X-RateLimit-Limit"], response.headers["X-RateLimit-Reset"],
                response.headers["X-RateLimit-Rule"]) == ("2", reset, limit["sys_id"])
    before = table_counts(instance)
    refused = client.post("/api/now/table/incident", json={}, headers=bearer(token))
    assert refused.status_code == 429
    assert refused.data == (b'{"error":{"message":"Rate limit exceeded","detail":"Rate limit of 2 requests per hour '
                            b'for Table API exceeded"},"status":"failure"}')
    assert (refused.headers["Retry-After"], refused.headers["X-RateLimit-Rule"]) == (retry_after, limit["sys_id"])
    assert table_counts(instance) == before  # neither run
    assert instance.rate_limit_counts == {(limit["sys_id"], grant.user["sys_id"]): 2}  # nor counted
    assert [v[:2] for v in instance.rate_limit_violations] == [(limit["sys_id"], grant.user["sys_id"])]
    assert client.post("/oauth_token.do", data=grant.password_form()).status_code == 200  # never limited
    instance.clock.freeze(next_hour)  # the next window
    fresh = grant.credentials(client)["access_token"]
    assert client.get("/api/now/table/incident", headers=bearer(fresh)).status_code == 200


def test_basic_requests_and_other_apis_count_too(client: Client, instance: MockInstance, admin: dict[str, str]) -> None:
    rule(instance, 1, api_path="now/attachment")
    assert client.get("/api/now/table/incident", headers=admin).status_code == 200
    assert client.get("/api/now/attachment", headers=admin).status_code == 200
    response = client.get("/api/now/attachment", headers=admin)
    assert response.status_code == 429
    assert response.get_json()["error"]["detail"] == "Rate limit of 1 requests per hour for Attachment API exceeded"


def test_precedence_single_user_then_role_then_all(client: Client, instance: MockInstance, grant: GrantApp,
                                                   token: str) -> None:
    everyone = rule(instance, 1)
    role = instance.insert("sys_user_role", {"name": "itil"})
    instance.insert("sys_user_has_role", {"user": grant.user["sys_id"], "role": role["sys_id"]})
    rule(instance, 5, apply_to="role", role=role["sys_id"])
    by_role = rule(instance, 3, apply_to="role", role=role["sys_id"])
    get = lambda: client.get("/api/now/table/incident", headers=bearer(token))  # noqa: E731
    assert get().headers["X-RateLimit-Rule"] == by_role["sys_id"]  # the lowest role limit
    mine = rule(instance, 10, apply_to="single_user", user=grant.user["sys_id"])
    assert get().headers["X-RateLimit-Rule"] == mine["sys_id"]
    assert client.get("/api/now/table/incident", headers={"Authorization": "Basic YWRtaW46YWRtaW4="}).headers[
        "X-RateLimit-Rule"] == everyone["sys_id"]


def test_changing_the_limit_resets_the_count(client: Client, instance: MockInstance, token: str) -> None:
    limit = rule(instance, 1)
    assert client.get("/api/now/table/incident", headers=bearer(token)).status_code == 200
    assert client.get("/api/now/table/incident", headers=bearer(token)).status_code == 429
    instance.update("sys_rate_limit_rules", limit["sys_id"], {"request_limit": "2"})
    assert [client.get("/api/now/table/incident", headers=bearer(token)).status_code for _ in range(3)] == [200, 200, 429]


def test_a_table_rule_applies_to_its_table_only(client: Client, instance: MockInstance, token: str) -> None:
    rule(instance, 0, table="incident")
    assert client.get("/api/now/table/sys_user", headers=bearer(token)).status_code == 200
    assert client.get("/api/now/table/incident", headers=bearer(token)).status_code == 429


def test_rate_limit_before_scope(client: Client, instance: MockInstance, token: str) -> None:
    bind(instance, scope(instance, "table_read"))
    rule(instance, 0)
    assert client.get("/api/now/table/incident", headers=bearer(token)).status_code == 429
