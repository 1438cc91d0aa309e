"""grant_type=password (docs/platform.md §10.0, §10.1): the reply, the rows, re-use, every refusal in order."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote_plus

import pytest
from werkzeug.test import Client

from mock_instance import MockInstance
from mock_instance.platform.settings import Reply
from mock_instance.tables.clock import format_glide

from .grants import PASSWORD, TOKEN, GrantApp, assert_refused, bearer, build_app


@pytest.fixture
def grant(instance: MockInstance) -> GrantApp:
    return build_app(instance)


def test_success_body_and_rows(client: Client, instance: MockInstance, grant: GrantApp) -> None:
    instance.clock.freeze()
    response = client.post("/oauth_token.do", data=grant.password_form())
    assert response.status_code == 200
    assert response.content_type == "application/json;charset=UTF-8"
    body = json.loads(response.data)
    assert list(body) == ["access_token", "refresh_token", "scope", "token_type", "expires_in"]
    assert TOKEN.fullmatch(body["access_token"]) and TOKEN.fullmatch(body["refresh_token"])
    assert (body["scope"], body["token_type"], body["expires_in"]) == ("useraccount", "Bearer", 1799)
    now = instance.clock.time()
    for token, kind, lifespan in ((body["access_token"], "access_token", 1800),
                                  (body["refresh_token"], "refresh_token", 8640000)):
        (row,) = instance.store.find("oauth_credential", "token", token)
        assert (row["type"], row["peer"], row["user"], row["scopes"], row["client_id"], row["expires"]) == (
            kind, grant.app["sys_id"], grant.user["sys_id"], "useraccount", grant.client_id,
            format_glide(now + lifespan))
    assert instance.refusals == [] and instance.query("syslog") == []


def test_the_token_acts_as_the_user(client: Client, grant: GrantApp) -> None:
    token = grant.credentials(client)["access_token"]
    created = client.post("/api/now/table/incident", json={"short_description": "via ROPC"}, headers=bearer(token))
    assert created.status_code == 201
    assert created.get_json()["result"]["sys_created_by"] == "beth.anglin"


def test_lifespans_come_from_the_app(client: Client, instance: MockInstance) -> None:
    grant = build_app(instance, access_token_lifespan=600, refresh_token_lifespan=7200)
    body = grant.credentials(client)
    assert body["expires_in"] == 599
    instance.clock.advance(600)
    assert client.get("/api/now/table/incident", headers=bearer(body["access_token"])).status_code == 401


def test_pysnc_style_basic_client_auth(client: Client, grant: GrantApp) -> None:
    # PySNC's ServiceNowPasswordGrantFlow: the client only as HTTP Basic (docs/platform.md §8).
    response = client.post("/oauth_token.do", data=grant.password_form(client_id=None, client_secret=None),
                           headers=grant.basic())
    assert response.status_code == 200


def test_basic_header_wins_over_the_form(client: Client, instance: MockInstance, grant: GrantApp) -> None:
    good = client.post("/oauth_token.do", data=grant.password_form(client_secret="wrong"), headers=grant.basic())
    assert good.status_code == 200
    assert_refused(client, instance, "client_secret_invalid", data=grant.password_form(),
                   headers=grant.basic(secret="wrong"))


def test_basic_parts_are_also_compared_form_decoded(client: Client, instance: MockInstance) -> None:
    grant = build_app(instance, client_secret="a b&c:d")  # RFC 6749 §2.3.1 form-encodes id and secret
    encoded = grant.basic(secret=quote_plus("a b&c:d"))
    assert client.post("/oauth_token.do", data=grant.password_form(client_id=None, client_secret=None),
                       headers=encoded).status_code == 200
    assert client.post("/oauth_token.do", data=grant.password_form(client_id=None, client_secret=None),
                       headers=grant.basic(secret="a b&c:d")).status_code == 200  # as sent: requests-oauthlib


def test_a_repeated_grant_returns_the_live_tokens_with_their_expiry_moved(client: Client, instance: MockInstance,
                                                                          grant: GrantApp) -> None:
    instance.clock.freeze()
    first = grant.credentials(client)
    instance.clock.advance(100)
    second = grant.credentials(client)
    assert (second["access_token"], second["refresh_token"]) == (first["access_token"], first["refresh_token"])
    assert second["expires_in"] == 1799
    assert instance.store.count("oauth_credential") == 2
    instance.clock.advance(1799)  # 1899 s after the first grant: alive thanks to the move
    assert client.get("/api/now/table/incident", headers=bearer(first["access_token"])).status_code == 200


def test_an_expired_access_token_is_replaced_and_the_refresh_token_kept(client: Client, instance: MockInstance,
                                                                        grant: GrantApp) -> None:
    instance.clock.freeze()
    first = grant.credentials(client)
    instance.clock.advance(1800)
    second = grant.credentials(client)
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] == first["refresh_token"]
    assert instance.store.count("oauth_credential") == 3


def test_without_reuse_every_grant_mints_both(client: Client, instance: MockInstance, grant: GrantApp) -> None:
    instance.configure(reuse_live_access_token=False)
    first, second = grant.credentials(client), grant.credentials(client)
    assert first["access_token"] != second["access_token"] and first["refresh_token"] != second["refresh_token"]
    assert instance.store.count("oauth_credential") == 4


def test_reuse_is_per_app(client: Client, instance: MockInstance, grant: GrantApp) -> None:
    other = instance.insert("oauth_entity", {"name": "other", "client_secret": "s2"})
    first = grant.credentials(client)
    second = grant.credentials(client, client_id=other["client_id"], client_secret="s2")
    assert first["access_token"] != second["access_token"]


def test_admin_users_may_use_it(client: Client, grant: GrantApp) -> None:
    # docs/platform.md §10.0: the docs' own example logs in as admin.
    assert client.post("/oauth_token.do", data=grant.password_form(username="admin", password="admin")).status_code == 200


def test_an_oauth_jwt_app_serves_it_too(client: Client, instance: MockInstance, grant: GrantApp) -> None:
    jwt_app = instance.insert("oauth_jwt", {"name": "jwt app", "client_secret": "s3"})
    assert grant.credentials(client, client_id=jwt_app["client_id"], client_secret="s3")["token_type"] == "Bearer"


def test_a_public_client_may_omit_its_secret(client: Client, instance: MockInstance) -> None:
    grant = build_app(instance, public_client="true")
    assert grant.credentials(client, client_secret=None)["token_type"] == "Bearer"


def test_case_insensitive_lookup_by_setting(client: Client, instance: MockInstance, grant: GrantApp) -> None:
    assert_refused(client, instance, "user_not_found", data=grant.password_form(username="BETH.ANGLIN"))
    instance.configure(user_lookup_case_sensitive=False)
    assert grant.credentials(client, username="BETH.ANGLIN")["token_type"] == "Bearer"


def test_a_recorded_body_replaces_the_generic_one(client: Client, instance: MockInstance, grant: GrantApp) -> None:
    instance.configure(refusal_bodies={"password_invalid": Reply(400, "application/json", b'{"error":"x"}')})
    response = client.post("/oauth_token.do", data=grant.password_form(password="nope"))
    assert (response.status_code, response.content_type, response.data) == (400, "application/json", b'{"error":"x"}')
    assert_refused(client, instance, "user_not_found", data=grant.password_form(username="nobody"))


def _set_property(name: str, value: str) -> Callable[[GrantApp, MockInstance], dict[str, Any]]:
    def build(grant: GrantApp, instance: MockInstance) -> dict[str, Any]:
        instance.insert("sys_properties", {"name": name, "value": value})
        return {"data": grant.password_form(client_secret="wrong")}  # the property is checked first
    return build


def _user(**change: str) -> Callable[[GrantApp, MockInstance], dict[str, Any]]:
    def build(grant: GrantApp, instance: MockInstance) -> dict[str, Any]:
        instance.update("sys_user", grant.user["sys_id"], change)
        return {"data": grant.password_form()}
    return build


def _duplicate(grant: GrantApp, instance: MockInstance) -> dict[str, Any]:
    instance.insert("sys_user", {"user_name": "beth.anglin", "user_password": PASSWORD})
    return {"data": grant.password_form()}


def _no_password(grant: GrantApp, instance: MockInstance) -> dict[str, Any]:
    person = instance.insert("sys_user", {"user_name": "nopass"})
    return {"data": grant.password_form(username=person["user_name"], password="")}


def _basic_off(grant: GrantApp, instance: MockInstance) -> dict[str, Any]:
    instance.configure(accept_basic_client_auth=False)
    return {"data": grant.password_form(), "headers": grant.basic()}


def _web_service_only(grant: GrantApp, instance: MockInstance) -> dict[str, Any]:
    instance.configure(ropc_refuse_web_service_only_users=True)
    instance.update("sys_user", grant.user["sys_id"], {"web_service_access_only": "true"})
    return {"data": grant.password_form()}


CASES: list[tuple[str, str, Callable[[GrantApp, MockInstance], dict[str, Any]]]] = [
    ("JSON body", "request_not_form", lambda g, i: {"json": g.password_form()}),
    ("ROPC disabled", "ropc_disabled", _set_property("glide.oauth.inbound.ropc.grant_type.disabled", "true")),
    ("no client id", "client_id_missing", lambda g, i: {"data": g.password_form(client_id=None)}),
    ("unknown client id", "client_unknown", lambda g, i: {"data": g.password_form(client_id="0" * 32)}),
    ("inactive app", "client_inactive",
     lambda g, i: (i.update("oauth_entity", g.app["sys_id"], {"active": "false"}), {"data": g.password_form()})[1]),
    ("no client secret", "client_secret_missing", lambda g, i: {"data": g.password_form(client_secret=None)}),
    ("wrong client secret", "client_secret_invalid", lambda g, i: {"data": g.password_form(client_secret="nope")}),
    ("Basic refused by setting", "client_auth_basic_refused", _basic_off),
    ("Basic not base64", "client_auth_basic_refused",
     lambda g, i: {"data": g.password_form(), "headers": {"Authorization": "Basic !!!"}}),
    ("no username", "user_not_found", lambda g, i: {"data": g.password_form(username=None)}),
    ("unknown username", "user_not_found", lambda g, i: {"data": g.password_form(username="nobody")}),
    ("username by email", "user_not_found", lambda g, i: {"data": g.password_form(username="beth@example.com")}),
    ("two users", "user_ambiguous", _duplicate),
    ("wrong password", "password_invalid", lambda g, i: {"data": g.password_form(password="nope")}),
    ("no password", "password_invalid", lambda g, i: {"data": g.password_form(password=None)}),
    ("user without a password", "password_invalid", _no_password),
    ("inactive user", "user_inactive", _user(active="false")),
    ("locked-out user", "user_locked_out", _user(locked_out="true")),
    ("web-service-only user", "user_not_interactive", _web_service_only),
]


@pytest.mark.parametrize(("name", "code", "build"), CASES, ids=[c[0] for c in CASES])
def test_refusal(client: Client, instance: MockInstance, grant: GrantApp, name: str, code: str,
                 build: Callable[[GrantApp, MockInstance], dict[str, Any]]) -> None:
    assert_refused(client, instance, code, **build(grant, instance))


def test_checks_run_in_order(client: Client, instance: MockInstance, grant: GrantApp) -> None:
    # The client before the user, the password before the user's state.
    assert_refused(client, instance, "client_secret_invalid", data=grant.password_form(client_secret="x",
                                                                                       username="nobody"))
    instance.update("sys_user", grant.user["sys_id"], {"active": "false"})
    assert_refused(client, instance, "password_invalid", data=grant.password_form(password="nope"))


def test_failed_attempts_never_lock_the_user_out(client: Client, instance: MockInstance, grant: GrantApp) -> None:
    for _ in range(10):
        assert client.post("/oauth_token.do", data=grant.password_form(password="nope")).status_code == 401
    assert grant.credentials(client)["token_type"] == "Bearer"
