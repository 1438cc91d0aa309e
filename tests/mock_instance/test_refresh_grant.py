"""grant_type=refresh_token (docs/platform.md §10.2): a new access token, the refresh token echoed, refusals."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from werkzeug.test import Client

from mock_instance import MockInstance

from .grants import TOKEN, GrantApp, assert_refused, bearer, build_app, credential_state


@pytest.fixture
def grant(instance: MockInstance) -> GrantApp:
    return build_app(instance)


@pytest.fixture
def tokens(client: Client, grant: GrantApp) -> dict[str, Any]:
    return grant.credentials(client)


def refresh(client: Client, form: dict[str, str], **kwargs: Any) -> Any:
    response = client.post("/oauth_token.do", data=form, **kwargs)
    assert response.status_code == 200, response.data
    return json.loads(response.data)


def test_a_new_access_token_and_the_refresh_token_unchanged(client: Client, instance: MockInstance,
                                                            grant: GrantApp, tokens: dict[str, Any]) -> None:
    instance.clock.freeze()
    rows = credential_state(instance)
    instance.clock.advance(60)
    body = refresh(client, grant.refresh_form(tokens["refresh_token"]))
    assert list(body) == ["access_token", "refresh_token", "scope", "token_type", "expires_in"]
    assert TOKEN.fullmatch(body["access_token"]) and body["access_token"] != tokens["access_token"]
    assert body["refresh_token"] == tokens["refresh_token"]
    assert (body["scope"], body["token_type"], body["expires_in"]) == ("useraccount", "Bearer", 1799)
    after = credential_state(instance)
    assert {k: v for k, v in after.items() if k in rows} == rows  # the refresh row is untouched
    assert len(after) == 3
    for token in (tokens["access_token"], body["access_token"]):  # earlier access tokens stay valid
        assert client.get("/api/now/table/incident", headers=bearer(token)).status_code == 200


def test_every_refresh_mints_a_new_access_token(client: Client, grant: GrantApp, tokens: dict[str, Any]) -> None:
    issued = {refresh(client, grant.refresh_form(tokens["refresh_token"]))["access_token"] for _ in range(3)}
    assert len(issued) == 3


def test_pysnc_refresh_form_and_basic_both_work(client: Client, grant: GrantApp, tokens: dict[str, Any]) -> None:
    assert refresh(client, grant.refresh_form(tokens["refresh_token"]))["token_type"] == "Bearer"
    form = grant.refresh_form(tokens["refresh_token"], client_id=None, client_secret=None)
    assert refresh(client, form, headers=grant.basic())["token_type"] == "Bearer"


def test_a_public_client_refreshes_with_its_client_id_only(client: Client, instance: MockInstance) -> None:
    grant = build_app(instance, public_client="true")
    tokens = grant.credentials(client, client_secret=None)
    assert refresh(client, grant.refresh_form(tokens["refresh_token"], client_secret=None))["token_type"] == "Bearer"


def test_rotation_by_setting(client: Client, instance: MockInstance, grant: GrantApp, tokens: dict[str, Any]) -> None:
    instance.configure(rotate_refresh_token=True)
    body = refresh(client, grant.refresh_form(tokens["refresh_token"]))
    assert body["refresh_token"] != tokens["refresh_token"]
    assert_refused(client, instance, "refresh_token_expired", data=grant.refresh_form(tokens["refresh_token"]))
    assert refresh(client, grant.refresh_form(body["refresh_token"]))["token_type"] == "Bearer"


def test_previous_access_tokens_expire_by_setting(client: Client, instance: MockInstance, grant: GrantApp,
                                                  tokens: dict[str, Any]) -> None:
    instance.configure(refresh_expires_previous_access_token=True)
    body = refresh(client, grant.refresh_form(tokens["refresh_token"]))
    assert client.get("/api/now/table/incident", headers=bearer(tokens["access_token"])).status_code == 401
    assert client.get("/api/now/table/incident", headers=bearer(body["access_token"])).status_code == 200


def test_the_refresh_token_lives_its_own_lifespan(client: Client, instance: MockInstance) -> None:
    grant = build_app(instance, refresh_token_lifespan=3600)
    instance.clock.freeze()
    tokens = grant.credentials(client)
    instance.clock.advance(3599)
    assert refresh(client, grant.refresh_form(tokens["refresh_token"]))["expires_in"] == 1799
    instance.clock.advance(1)
    assert_refused(client, instance, "refresh_token_expired", data=grant.refresh_form(tokens["refresh_token"]))


def _other_apps_token(grant: GrantApp, instance: MockInstance, client: Client, tokens: dict[str, Any]) -> dict:
    other = instance.insert("oauth_entity", {"name": "other", "client_secret": "s2"})
    theirs = grant.credentials(client, client_id=other["client_id"], client_secret="s2")
    return {"data": grant.refresh_form(theirs["refresh_token"])}


def _revoked(grant: GrantApp, instance: MockInstance, client: Client, tokens: dict[str, Any]) -> dict:
    assert client.get(f"/oauth_revoke_token.do?token={tokens['refresh_token']}").status_code == 200
    return {"data": grant.refresh_form(tokens["refresh_token"])}


def _user(**change: str) -> Callable[..., dict]:
    def build(grant: GrantApp, instance: MockInstance, client: Client, tokens: dict[str, Any]) -> dict:
        instance.update("sys_user", grant.user["sys_id"], change)
        return {"data": grant.refresh_form(tokens["refresh_token"])}
    return build


def _user_deleted(grant: GrantApp, instance: MockInstance, client: Client, tokens: dict[str, Any]) -> dict:
    instance.delete("sys_user", grant.user["sys_id"])
    return {"data": grant.refresh_form(tokens["refresh_token"])}


def _expired(grant: GrantApp, instance: MockInstance, client: Client, tokens: dict[str, Any]) -> dict:
    instance.clock.advance(8640000)
    return {"data": grant.refresh_form(tokens["refresh_token"])}


CASES: list[tuple[str, str, Callable[..., dict]]] = [
    ("JSON body", "request_not_form", lambda g, i, c, t: {"json": g.refresh_form(t["refresh_token"])}),
    ("wrong client secret", "client_secret_invalid",
     lambda g, i, c, t: {"data": g.refresh_form(t["refresh_token"], client_secret="nope")}),
    ("no client secret", "client_secret_missing",
     lambda g, i, c, t: {"data": g.refresh_form(t["refresh_token"], client_secret=None)}),
    ("unknown client", "client_unknown",
     lambda g, i, c, t: {"data": g.refresh_form(t["refresh_token"], client_id="f" * 32)}),
    ("no refresh token", "refresh_token_missing", lambda g, i, c, t: {"data": g.refresh_form("")}),
    ("random refresh token", "refresh_token_unknown", lambda g, i, c, t: {"data": g.refresh_form("A" * 86)}),
    ("an access token", "refresh_token_unknown", lambda g, i, c, t: {"data": g.refresh_form(t["access_token"])}),
    ("another app's refresh token", "refresh_token_unknown", _other_apps_token),
    ("expired refresh token", "refresh_token_expired", _expired),
    ("revoked refresh token", "refresh_token_expired", _revoked),
    ("inactive user", "user_inactive", _user(active="false")),
    ("locked-out user", "user_locked_out", _user(locked_out="true")),
    ("deleted user", "user_not_found", _user_deleted),
]


@pytest.mark.parametrize(("name", "code", "build"), CASES, ids=[c[0] for c in CASES])
def test_refusal(client: Client, instance: MockInstance, grant: GrantApp, tokens: dict[str, Any], name: str,
                 code: str, build: Callable[..., dict]) -> None:
    assert_refused(client, instance, code, **build(grant, instance, client, tokens))


def test_no_refresh_form_field_at_all(client: Client, instance: MockInstance, grant: GrantApp) -> None:
    assert_refused(client, instance, "refresh_token_missing", data=grant.client(grant_type="refresh_token"))
