"""/oauth_revoke_token.do (docs/platform.md §10.5) and revoked or expired tokens on the APIs (§2, §5)."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.test import Client

from mock_instance import MockInstance
from mock_instance.platform.settings import Reply

from .grants import GrantApp, bearer, build_app, credential_state


@pytest.fixture
def grant(instance: MockInstance) -> GrantApp:
    return build_app(instance)


@pytest.fixture
def tokens(client: Client, grant: GrantApp) -> dict[str, Any]:
    return grant.credentials(client)


ENVELOPE = {"error": {"message": "User Not Authenticated", "detail": "Required to provide Auth information"},
            "status": "failure"}


def assert_401(client: Client, instance: MockInstance, path: str, token: str, reason: str,
               header: str = 'Basic realm="Service-now"') -> None:
    before = instance.store.count("syslog")
    response = client.get(path, headers=bearer(token))
    assert response.status_code == 401
    assert response.get_json() == ENVELOPE
    assert response.headers["WWW-Authenticate"] == header
    assert (instance.refusals[-1].code, instance.refusals[-1].source) == (reason, "rest_api")
    assert instance.store.count("syslog") == before


@pytest.mark.parametrize("how", ["GET", "POST form", "POST query"])
def test_a_revoked_access_token_is_refused_on_both_apis(client: Client, instance: MockInstance, grant: GrantApp,
                                                        tokens: dict[str, Any], how: str) -> None:
    incident = client.post("/api/now/table/incident", json={}, headers=bearer(tokens["access_token"]))
    sys_id = incident.get_json()["result"]["sys_id"]
    attachment = client.post(f"/api/now/attachment/file?table_name=incident&table_sys_id={sys_id}&file_name=a",
                             data=b"x", headers=bearer(tokens["access_token"]))
    assert attachment.status_code == 201
    token = tokens["access_token"]
    if how == "GET":
        response = client.get(f"/oauth_revoke_token.do?token={token}")
    elif how == "POST form":  # clients also send their client id and secret, which are ignored
        response = client.post("/oauth_revoke_token.do", data={"token": token, **grant.client()})
    else:
        response = client.post(f"/oauth_revoke_token.do?token={token}")
    assert (response.status_code, response.data) == (200, b"")
    assert_401(client, instance, "/api/now/table/incident", token, "access_token_expired")
    assert_401(client, instance, f"/api/now/attachment/{attachment.get_json()['result']['sys_id']}", token,
               "access_token_expired")
    row = instance.store.find("oauth_credential", "token", token)[0]
    assert row["expires"] == instance.clock.glide_now()  # marked expired, kept until cleanup


def test_an_expired_access_token_gets_the_same_401(client: Client, instance: MockInstance,
                                                   tokens: dict[str, Any]) -> None:
    instance.clock.advance(1800)
    assert_401(client, instance, "/api/now/attachment", tokens["access_token"], "access_token_expired")


def test_the_bearer_header_by_setting(client: Client, instance: MockInstance, tokens: dict[str, Any]) -> None:
    instance.configure(www_authenticate_bearer_on_bad_token=True)
    client.get(f"/oauth_revoke_token.do?token={tokens['access_token']}")
    assert_401(client, instance, "/api/now/table/incident", tokens["access_token"], "access_token_expired",
               'Bearer realm="Service-now"')
    assert_401(client, instance, "/api/now/table/incident", "garbage", "access_token_unknown",
               'Bearer realm="Service-now"')
    basic = client.get("/api/now/table/incident", headers={"Authorization": "Basic YWRtaW46d3Jvbmc="})
    assert basic.headers["WWW-Authenticate"] == 'Basic realm="Service-now"'  # not a Bearer failure


def test_revoking_the_refresh_token_leaves_the_access_token(client: Client, instance: MockInstance,
                                                            grant: GrantApp, tokens: dict[str, Any]) -> None:
    client.get(f"/oauth_revoke_token.do?token={tokens['refresh_token']}")
    assert client.get("/api/now/table/incident", headers=bearer(tokens["access_token"])).status_code == 200
    response = client.post("/oauth_token.do", data=grant.refresh_form(tokens["refresh_token"]))
    assert response.status_code == 401 and instance.refusals[-1].code == "refresh_token_expired"


def test_revoking_the_access_token_leaves_the_refresh_token(client: Client, grant: GrantApp,
                                                            tokens: dict[str, Any]) -> None:
    client.get(f"/oauth_revoke_token.do?token={tokens['access_token']}")
    assert client.post("/oauth_token.do", data=grant.refresh_form(tokens["refresh_token"])).status_code == 200


def test_sibling_refresh_tokens_by_setting(client: Client, instance: MockInstance, grant: GrantApp,
                                           tokens: dict[str, Any]) -> None:
    instance.configure(revoke_expires_sibling_refresh_tokens=True)
    other = instance.insert("oauth_entity", {"name": "other", "client_secret": "s2"})
    theirs = grant.credentials(client, client_id=other["client_id"], client_secret="s2")
    client.get(f"/oauth_revoke_token.do?token={tokens['access_token']}")
    assert client.post("/oauth_token.do", data=grant.refresh_form(tokens["refresh_token"])).status_code == 401
    assert instance.refusals[-1].code == "refresh_token_expired"
    # another app's pair is not a sibling
    assert client.post("/oauth_token.do", data=grant.refresh_form(
        theirs["refresh_token"], client_id=other["client_id"], client_secret="s2")).status_code == 200


def test_an_unknown_token_changes_nothing(client: Client, instance: MockInstance, tokens: dict[str, Any]) -> None:
    before = credential_state(instance)
    for response in (client.get("/oauth_revoke_token.do?token=nope"), client.get("/oauth_revoke_token.do"),
                     client.post("/oauth_revoke_token.do", json={"token": tokens["access_token"]})):
        assert (response.status_code, response.data) == (200, b"")
    assert credential_state(instance) == before
    assert instance.refusals == []


def test_recorded_replies_by_setting(client: Client, instance: MockInstance, tokens: dict[str, Any]) -> None:
    instance.configure(revoke_responses={"unknown": Reply(400, "application/json", b'{"error":"invalid_token"}')})
    unknown = client.get("/oauth_revoke_token.do?token=nope")
    assert (unknown.status_code, unknown.content_type, unknown.data) == (
        400, "application/json", b'{"error":"invalid_token"}')
    known = client.get(f"/oauth_revoke_token.do?token={tokens['access_token']}")
    assert (known.status_code, known.data) == (200, b"")
