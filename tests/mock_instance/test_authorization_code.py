"""/oauth_auth.do and grant_type=authorization_code with PKCE (docs/platform.md §10.4)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from werkzeug.test import Client

from mock_instance import MockInstance
from mock_instance.oauth.authorization_code import s256

from .grants import PASSWORD, REDIRECT, TOKEN, GrantApp, assert_refused, bearer, build_app

VERIFIER = "dBjftJeZ4CVP-mJ92K9mYgTAYOK7rtMQxFJsUHBE1qY"
CHALLENGE = "ti2Fj3W3fSku2ooGxK5NWQSilPlgkDsjlvh3I4Gsakk"  # authlib's create_s256_code_challenge(VERIFIER)


@pytest.fixture
def grant(instance: MockInstance) -> GrantApp:
    return build_app(instance)


def authorize_query(grant: GrantApp, **overrides: str | None) -> str:
    params = {"response_type": "code", "client_id": grant.client_id, "redirect_uri": REDIRECT, "state": "xyz",
              "code_challenge": CHALLENGE, "code_challenge_method": "S256", "snjwt_user": "beth.anglin", **overrides}
    return urlencode({k: v for k, v in params.items() if v is not None})


def authorize(client: Client, grant: GrantApp, **overrides: str | None) -> dict[str, str]:
    response = client.get(f"/oauth_auth.do?{authorize_query(grant, **overrides)}")
    assert response.status_code == 302, response.data
    location = urlsplit(response.headers["Location"])
    return {"target": f"{location.scheme}://{location.netloc}{location.path}",
            **{k: v[0] for k, v in parse_qs(location.query).items()}}


def code_form(grant: GrantApp, code: str, **overrides: str | None) -> dict[str, str]:
    return grant.client(**{"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
                           "code_verifier": VERIFIER, **overrides})


def test_s256_agrees_with_authlib() -> None:
    from authlib.oauth2.rfc7636 import create_s256_code_challenge

    assert s256(VERIFIER) == CHALLENGE == create_s256_code_challenge(VERIFIER)


def test_code_flow_with_pkce_and_state(client: Client, instance: MockInstance, grant: GrantApp) -> None:
    redirected = authorize(client, grant)
    assert (redirected["target"], redirected["state"]) == (REDIRECT, "xyz")
    assert TOKEN.fullmatch(redirected["code"])
    assert instance.store.count("oauth_credential") == 0  # a code is not a row
    response = client.post("/oauth_token.do", data=code_form(grant, redirected["code"]))
    assert response.status_code == 200
    body = json.loads(response.data)
    assert list(body) == ["access_token", "refresh_token", "scope", "token_type", "expires_in"]
    assert (body["scope"], body["token_type"], body["expires_in"]) == ("useraccount", "Bearer", 1799)
    created = client.post("/api/now/table/incident", json={}, headers=bearer(body["access_token"]))
    assert created.get_json()["result"]["sys_created_by"] == "beth.anglin"
    assert instance.platform.codes == {}  # consumed
    assert_refused(client, instance, "code_invalid", data=code_form(grant, redirected["code"]))


def test_a_public_client_exchanges_without_a_secret(client: Client, instance: MockInstance) -> None:
    grant = build_app(instance, public_client="true")
    code = authorize(client, grant)["code"]
    body = client.post("/oauth_token.do", data=code_form(grant, code, client_secret=None)).get_json()
    assert body["refresh_token"]  # a refresh token also for a public PKCE client [OBS]


def test_a_private_client_without_pkce(client: Client, grant: GrantApp) -> None:
    code = authorize(client, grant, code_challenge=None, code_challenge_method=None)["code"]
    assert client.post("/oauth_token.do", data=code_form(grant, code, code_verifier=None)).status_code == 200


def test_n8n_style_basic_client_auth_at_the_exchange(client: Client, grant: GrantApp) -> None:
    code = authorize(client, grant)["code"]
    form = code_form(grant, code, client_id=None, client_secret=None)
    assert client.post("/oauth_token.do", data=form, headers=grant.basic()).status_code == 200


def test_post_and_the_first_registered_redirect(client: Client, instance: MockInstance) -> None:
    grant = build_app(instance, redirect_url="https://a.example/cb, https://b.example/cb")
    response = client.post("/oauth_auth.do", data=dict(parse_qs(authorize_query(grant, redirect_uri="https://x/"))))
    assert response.headers["Location"].startswith("https://a.example/cb?code=")
    second = authorize(client, grant, redirect_uri="https://b.example/cb")
    assert second["target"] == "https://b.example/cb"


def test_who_approves(client: Client, instance: MockInstance, grant: GrantApp) -> None:
    def user_of(code: str) -> str:
        return instance.platform.codes[code].user
    assert user_of(authorize(client, grant)["code"]) == grant.user["sys_id"]
    basic = client.get(f"/oauth_auth.do?{authorize_query(grant, snjwt_user=None)}", headers=grant.basic(
        "beth.anglin", PASSWORD))
    assert user_of(parse_qs(urlsplit(basic.headers["Location"]).query)["code"][0]) == grant.user["sys_id"]
    admin_code = authorize(client, grant, snjwt_user=None)["code"]
    assert instance.get("sys_user", user_of(admin_code))["user_name"] == "admin"  # type: ignore[index]


def test_state_is_optional_when_the_property_says_so(client: Client, instance: MockInstance, grant: GrantApp) -> None:
    (prop,) = instance.query("sys_properties", "name=glide.oauth.state.parameter.required")
    instance.update("sys_properties", prop["sys_id"], {"value": "false"})
    assert "state" not in authorize(client, grant, state=None)


def test_only_a_success_consumes_the_code(client: Client, instance: MockInstance, grant: GrantApp) -> None:
    code = authorize(client, grant)["code"]
    assert client.post("/oauth_token.do", data=code_form(grant, code, code_verifier="wrong")).status_code == 401
    assert client.post("/oauth_token.do", data=code_form(grant, code)).status_code == 200


def test_the_pkce_mismatch_body(client: Client, instance: MockInstance, grant: GrantApp) -> None:
    code = authorize(client, grant)["code"]
    other = "another-verifier-another-verifier-another-verifier"
    body = (b'{"error_description":"can\'t verify code challenge, expected:' + s256(other).encode()
            + b', actual:' + CHALLENGE.encode() + b'","error":"invalid_request"}')
    assert_refused(client, instance, "code_challenge_mismatch", body=body, data=code_form(grant, code,
                                                                                          code_verifier=other))


def test_code_lifespan_per_app_and_by_setting(client: Client, instance: MockInstance) -> None:
    instance.clock.freeze()
    grant = build_app(instance)
    assert instance.platform.codes[authorize(client, grant)["code"]].expires == instance.clock.time() + 60
    instance.configure(auth_code_lifespan_default=5)
    assert instance.platform.codes[authorize(client, grant)["code"]].expires == instance.clock.time() + 5
    instance.update("oauth_entity", grant.app["sys_id"], {"auth_code_lifespan": "300"})
    assert instance.platform.codes[authorize(client, grant)["code"]].expires == instance.clock.time() + 300


def test_a_pending_code_is_returned_again_by_setting(client: Client, instance: MockInstance, grant: GrantApp) -> None:
    first = authorize(client, grant)["code"]
    assert authorize(client, grant, code_challenge="B" * 43)["code"] != first
    instance.configure(authorize_returns_pending_code=True)
    again = authorize(client, grant, code_challenge="C" * 43)["code"]
    assert again in (first, authorize(client, grant)["code"])
    # jsn issue #61: the pending code keeps its first challenge, so the new verifier does not fit it
    assert instance.platform.codes[again].challenge in (CHALLENGE, "B" * 43)


# -- refusals of the exchange ------------------------------------------------------------

def _code(client: Client, grant: GrantApp, **overrides: str | None) -> str:
    return authorize(client, grant, **overrides)["code"]


def _expired(grant: GrantApp, instance: MockInstance, client: Client) -> dict[str, Any]:
    code = _code(client, grant)
    instance.clock.advance(60)
    return {"data": code_form(grant, code)}


def _other_app(grant: GrantApp, instance: MockInstance, client: Client) -> dict[str, Any]:
    other = build_app(instance, user={"user_name": "other"}, name="other", client_secret="s2")
    code = _code(client, other, snjwt_user="other")
    return {"data": code_form(grant, code)}


def _user(**change: str) -> Callable[..., dict[str, Any]]:
    def build(grant: GrantApp, instance: MockInstance, client: Client) -> dict[str, Any]:
        code = _code(client, grant)
        instance.update("sys_user", grant.user["sys_id"], change)
        return {"data": code_form(grant, code)}
    return build


EXCHANGE_CASES: list[tuple[str, str, Callable[..., dict[str, Any]]]] = [
    ("unknown code", "code_invalid", lambda g, i, c: {"data": code_form(g, "A" * 86)}),
    ("no code", "code_invalid", lambda g, i, c: {"data": code_form(g, "")}),
    ("another app's code", "code_invalid", _other_app),
    ("expired code", "code_expired", _expired),
    ("other redirect_uri", "redirect_uri_mismatch",
     lambda g, i, c: {"data": code_form(g, _code(c, g), redirect_uri="https://evil.example/")}),
    ("no redirect_uri", "redirect_uri_mismatch", lambda g, i, c: {"data": code_form(g, _code(c, g), redirect_uri=None)}),
    ("no verifier", "code_verifier_missing", lambda g, i, c: {"data": code_form(g, _code(c, g), code_verifier=None)}),
    ("wrong client secret", "client_secret_invalid",
     lambda g, i, c: {"data": code_form(g, _code(c, g), client_secret="nope")}),
    ("no client secret", "client_secret_missing",
     lambda g, i, c: {"data": code_form(g, _code(c, g), client_secret=None)}),
    ("inactive user", "user_inactive", _user(active="false")),
    ("locked-out user", "user_locked_out", _user(locked_out="true")),
]


@pytest.mark.parametrize(("name", "code", "build"), EXCHANGE_CASES, ids=[c[0] for c in EXCHANGE_CASES])
def test_exchange_refusal(client: Client, instance: MockInstance, grant: GrantApp, name: str, code: str,
                          build: Callable[..., dict[str, Any]]) -> None:
    assert_refused(client, instance, code, **build(grant, instance, client))


# -- refusals of the authorize endpoint ------------------------------------------------------

def _app(**change: str) -> Callable[[GrantApp, MockInstance], str]:
    def build(grant: GrantApp, instance: MockInstance) -> str:
        instance.update("oauth_entity", grant.app["sys_id"], change)
        return authorize_query(grant)
    return build


def _person(**change: str) -> Callable[[GrantApp, MockInstance], str]:
    def build(grant: GrantApp, instance: MockInstance) -> str:
        instance.update("sys_user", grant.user["sys_id"], change)
        return authorize_query(grant)
    return build


PAGE_CASES: list[tuple[str, str, Callable[[GrantApp, MockInstance], str]]] = [
    ("unknown client", "client_unknown", lambda g, i: authorize_query(g, client_id="0" * 32)),
    ("no client id", "client_unknown", lambda g, i: authorize_query(g, client_id=None)),
    ("inactive app", "client_inactive", _app(active="false")),
    ("no redirect URL registered", "redirect_uri_missing", _app(redirect_url="")),
    ("no state", "state_missing", lambda g, i: authorize_query(g, state=None)),
    ("unknown snjwt_user", "user_not_found", lambda g, i: authorize_query(g, snjwt_user="nobody")),
    ("inactive user", "user_inactive", _person(active="false")),
    ("locked-out user", "user_locked_out", _person(locked_out="true")),
]


@pytest.mark.parametrize(("name", "code", "build"), PAGE_CASES, ids=[c[0] for c in PAGE_CASES])
def test_authorize_refused_with_a_page(client: Client, instance: MockInstance, grant: GrantApp, name: str, code: str,
                                       build: Callable[[GrantApp, MockInstance], str]) -> None:
    response = assert_refused(client, instance, code, status=400, body=None, source="oauth_auth.do",
                              method="GET", path=f"/oauth_auth.do?{build(grant, instance)}")
    assert response.content_type == "text/html;charset=UTF-8"
    assert "Location" not in response.headers
    text = response.get_data(as_text=True)
    assert ("Missing State parameter in request" if code == "state_missing" else f"[{code}]") in text


def test_authorize_refuses_a_wrong_basic_password(client: Client, instance: MockInstance, grant: GrantApp) -> None:
    assert_refused(client, instance, "password_invalid", status=400, body=None, source="oauth_auth.do",
                   method="GET", path=f"/oauth_auth.do?{authorize_query(grant, snjwt_user=None)}",
                   headers=grant.basic("beth.anglin", "wrong"))


REDIRECT_CASES = [
    ("token response type", "response_type_unsupported", "unsupported_response_type", {"response_type": "token"}),
    ("plain PKCE", "code_challenge_method_unsupported", "invalid_request", {"code_challenge_method": "plain"}),
    ("PKCE without method", "code_challenge_method_unsupported", "invalid_request", {"code_challenge_method": None}),
]


@pytest.mark.parametrize(("name", "code", "error", "overrides"), REDIRECT_CASES, ids=[c[0] for c in REDIRECT_CASES])
def test_authorize_refused_with_a_redirect(client: Client, instance: MockInstance, grant: GrantApp, name: str,
                                           code: str, error: str, overrides: dict[str, str | None]) -> None:
    response = assert_refused(client, instance, code, status=302, body=None, source="oauth_auth.do", method="GET",
                              path=f"/oauth_auth.do?{authorize_query(grant, **overrides)}")
    assert response.headers["Location"] == f"{REDIRECT}?{urlencode({'error': error, 'state': 'xyz'})}"


def test_a_public_client_must_use_pkce(client: Client, instance: MockInstance) -> None:
    grant = build_app(instance, public_client="true")
    response = assert_refused(client, instance, "code_challenge_missing", status=302, body=None,
                              source="oauth_auth.do", method="GET",
                              path=f"/oauth_auth.do?{authorize_query(grant, code_challenge=None)}")
    assert response.headers["Location"] == f"{REDIRECT}?error=invalid_request&state=xyz"
