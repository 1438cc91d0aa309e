"""grant_type=client_credentials (docs/platform.md §10.3): off until its property, the app's user, refusals."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from werkzeug.test import Client

from mock_instance import ADMIN_SYS_ID, MockInstance

from .grants import TOKEN, GrantApp, assert_refused, bearer, build_app, enable_client_credentials


@pytest.fixture
def grant(instance: MockInstance) -> GrantApp:
    return build_app(instance)


@pytest.fixture
def enabled(client: Client, admin: dict[str, str]) -> None:
    enable_client_credentials(client, admin)


def cc_form(grant: GrantApp, **overrides: str | None) -> dict[str, str]:
    return grant.client(**{"grant_type": "client_credentials", **overrides})


def test_off_on_a_fresh_instance(client: Client, instance: MockInstance, grant: GrantApp) -> None:
    assert instance.query("sys_properties", "name=glide.oauth.inbound.client.credential.grant_type.enabled") == []
    assert_refused(client, instance, "client_credentials_disabled", data=cc_form(grant))


def test_success_acts_as_the_application_user(client: Client, instance: MockInstance, grant: GrantApp,
                                              enabled: None) -> None:
    response = client.post("/oauth_token.do", data=cc_form(grant))
    assert response.status_code == 200
    body = json.loads(response.data)
    assert list(body) == ["access_token", "scope", "token_type", "expires_in"]  # no refresh token
    assert TOKEN.fullmatch(body["access_token"])
    assert (body["scope"], body["token_type"], body["expires_in"]) == ("useraccount", "Bearer", 1799)
    (row,) = instance.store.find("oauth_credential", "token", body["access_token"])
    assert (row["type"], row["user"], row["peer"]) == ("access_token", grant.user["sys_id"], grant.app["sys_id"])
    assert instance.store.count("oauth_credential") == 1
    created = client.post("/api/now/table/incident", json={"short_description": "m2m"},
                          headers=bearer(body["access_token"]))
    assert created.get_json()["result"]["sys_created_by"] == "beth.anglin"


def test_pysnc_form_and_basic_both_work(client: Client, grant: GrantApp, enabled: None) -> None:
    # PySNC's ServiceNowClientCredentialsFlow sends "application/x-www-form-urlencoded; charset=UTF-8".
    form = client.post("/oauth_token.do", data="&".join(f"{k}={v}" for k, v in cc_form(grant).items()),
                       content_type="application/x-www-form-urlencoded; charset=UTF-8")
    assert form.status_code == 200
    basic = client.post("/oauth_token.do", data={"grant_type": "client_credentials"}, headers=grant.basic())
    assert basic.status_code == 200


def test_an_admin_application_user_is_allowed(client: Client, instance: MockInstance, enabled: None) -> None:
    grant = build_app(instance, user={"user_name": "x"})
    instance.update("oauth_entity", grant.app["sys_id"], {"user": ADMIN_SYS_ID})
    assert client.post("/oauth_token.do", data=cc_form(grant)).status_code == 200


def test_a_new_token_every_time_unless_reuse_is_set(client: Client, instance: MockInstance, grant: GrantApp,
                                                    enabled: None) -> None:
    tokens = [client.post("/oauth_token.do", data=cc_form(grant)).get_json()["access_token"] for _ in range(2)]
    assert tokens[0] != tokens[1]
    instance.configure(reuse_live_access_token_client_credentials=True)
    assert client.post("/oauth_token.do", data=cc_form(grant)).get_json()["access_token"] == tokens[1]


def test_scope_from_the_app_mapping_by_setting(client: Client, instance: MockInstance, grant: GrantApp,
                                               enabled: None) -> None:
    instance.configure(token_scope_from_app_mapping=True)
    assert client.post("/oauth_token.do", data=cc_form(grant)).get_json()["scope"] == ""
    for name in ("table_read", "attachments"):
        scope = instance.insert("sys_auth_scope", {"name": name})
        instance.insert("oauth_entity_auth_scope_mapping", {"oauth_entity": grant.app["sys_id"],
                                                            "auth_scope": scope["sys_id"]})
    assert client.post("/oauth_token.do", data=cc_form(grant)).get_json()["scope"] == "attachments table_read"


def _property(value: str) -> Callable[..., dict[str, Any]]:
    def build(grant: GrantApp, instance: MockInstance) -> dict[str, Any]:
        instance.insert("sys_properties", {"name": "glide.oauth.inbound.client.credential.grant_type.enabled",
                                           "value": value})
        return {"data": cc_form(grant)}
    return build


def _enabled(build: Callable[[GrantApp, MockInstance], dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    def wrapped(grant: GrantApp, instance: MockInstance) -> dict[str, Any]:
        _property("true")(grant, instance)
        return build(grant, instance)
    return wrapped


def _app(**change: str) -> Callable[..., dict[str, Any]]:
    def build(grant: GrantApp, instance: MockInstance) -> dict[str, Any]:
        instance.update("oauth_entity", grant.app["sys_id"], change)
        return {"data": cc_form(grant)}
    return build


def _user(**change: str) -> Callable[..., dict[str, Any]]:
    def build(grant: GrantApp, instance: MockInstance) -> dict[str, Any]:
        instance.update("sys_user", grant.user["sys_id"], change)
        return {"data": cc_form(grant)}
    return build


def _basic_off(grant: GrantApp, instance: MockInstance) -> dict[str, Any]:
    instance.configure(accept_basic_client_auth_client_credentials=False)
    return {"data": {"grant_type": "client_credentials"}, "headers": grant.basic()}


CASES: list[tuple[str, str, Callable[..., dict[str, Any]]]] = [
    ("property false", "client_credentials_disabled", _property("false")),
    ("JSON body", "request_not_form", _enabled(lambda g, i: {"json": cc_form(g)})),
    ("wrong secret", "client_secret_invalid", _enabled(lambda g, i: {"data": cc_form(g, client_secret="x")})),
    ("public client without its secret", "client_secret_missing",
     _enabled(lambda g, i: _app(public_client="true")(g, i) | {"data": cc_form(g, client_secret=None)})),
    ("Basic refused by setting", "client_auth_basic_refused", _enabled(_basic_off)),
    ("inactive app", "client_inactive", _enabled(_app(active="false"))),
    ("no application user", "application_user_missing", _enabled(_app(user=""))),
    ("application user deleted", "application_user_missing",
     _enabled(lambda g, i: (i.delete("sys_user", g.user["sys_id"]), {"data": cc_form(g)})[1])),
    ("inactive application user", "user_inactive", _enabled(_user(active="false"))),
    ("locked-out application user", "user_locked_out", _enabled(_user(locked_out="true"))),
]


@pytest.mark.parametrize(("name", "code", "build"), CASES, ids=[c[0] for c in CASES])
def test_refusal(client: Client, instance: MockInstance, grant: GrantApp, name: str, code: str,
                 build: Callable[..., dict[str, Any]]) -> None:
    assert_refused(client, instance, code, **build(grant, instance))


def test_the_property_is_checked_before_the_client(client: Client, instance: MockInstance, grant: GrantApp) -> None:
    assert_refused(client, instance, "client_credentials_disabled", data=cc_form(grant, client_secret="x"))
