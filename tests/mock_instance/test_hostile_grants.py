"""Hostile input for the other grants and /oauth_auth.do (docs/platform.md §10), generated: never a 500,
and a refusal changes nothing but its one syslog row. --thorough runs many more examples."""

from __future__ import annotations

import base64
from urllib.parse import quote

from hypothesis import given
from hypothesis import strategies as st
from werkzeug.test import Client

from mock_instance import REFUSAL_BODY, MockInstance
from tests.helpers import table_counts

from .grants import CLIENT_SECRET, PASSWORD, REDIRECT, build_app

INSTANCE = MockInstance()
GRANT = build_app(INSTANCE)
INSTANCE.insert("sys_properties", {"name": "glide.oauth.inbound.client.credential.grant_type.enabled",
                                   "value": "true"})
REFRESH = GRANT.credentials(Client(INSTANCE))["refresh_token"]
FRESH = INSTANCE.snapshot()

known = st.sampled_from([GRANT.client_id, CLIENT_SECRET, "beth.anglin", PASSWORD, REDIRECT, REFRESH, "S256", "code",
                         "admin", "x" * 100_000, "\x00", "%", "+", ""])
values = st.one_of(st.text(max_size=80), known)
grant_types = st.sampled_from(["password", "refresh_token", "client_credentials", "authorization_code",
                               "urn:ietf:params:oauth:grant-type:jwt-bearer"]) | st.text(max_size=20)
fields = st.sampled_from(["client_id", "client_secret", "username", "password", "refresh_token", "code",
                          "code_verifier", "redirect_uri", "scope", "state"])
forms = st.builds(lambda grant, rest: {"grant_type": grant, **rest}, grant_types,
                  st.dictionaries(fields, values, max_size=7))
basic_values = st.builds(lambda u, p: "Basic " + base64.b64encode(f"{u}:{p}".encode()).decode(), values, values)
authorizations = st.none() | basic_values | st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126),
                                                    max_size=60)


@given(form=forms, authorization=authorizations, charset=st.booleans())
def test_grants_never_fail(form: dict[str, str], authorization: str | None, charset: bool) -> None:
    before = table_counts(INSTANCE)
    body = "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in form.items()).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded" + ("; charset=UTF-8" if charset else "")}
    if authorization is not None:
        headers["Authorization"] = authorization
    response = Client(INSTANCE).post("/oauth_token.do", data=body, headers=headers)
    assert response.status_code in (200, 401), response.status_code
    assert INSTANCE.errors == []
    if response.status_code == 401:
        assert response.get_json() == REFUSAL_BODY
        assert table_counts(INSTANCE) == {**before, "syslog": before["syslog"] + 1}
    else:
        INSTANCE.restore(FRESH)


authorize_fields = st.sampled_from(["response_type", "client_id", "redirect_uri", "state", "code_challenge",
                                    "code_challenge_method", "snjwt_user", "scope"])
authorize_params = st.dictionaries(authorize_fields, values, max_size=8).map(
    lambda params: {"client_id": GRANT.client_id, **params} if "client_id" not in params else params)


@given(params=authorize_params, authorization=authorizations, method=st.sampled_from(["GET", "POST"]))
def test_authorize_never_fails(params: dict[str, str], authorization: str | None, method: str) -> None:
    before = table_counts(INSTANCE)
    codes = dict(INSTANCE.platform.codes)
    encoded = "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in params.items())
    headers = {"Authorization": authorization} if authorization is not None else {}
    client = Client(INSTANCE)
    if method == "GET":
        response = client.get(f"/oauth_auth.do?{encoded}", headers=headers)
    else:
        response = client.post("/oauth_auth.do", data=encoded, headers={
            **headers, "Content-Type": "application/x-www-form-urlencoded"})
    # docs/platform.md §12.8: a request line over the limit is the front end's 414, before the endpoint.
    too_long = method == "GET" and len(f"GET /oauth_auth.do?{encoded} HTTP/1.1") > INSTANCE.settings.request_line_limit
    assert response.status_code in ((414,) if too_long else (302, 400)), response.status_code
    assert INSTANCE.errors == []
    issued = set(INSTANCE.platform.codes) - set(codes)
    if response.status_code == 414:  # refused before the endpoint: nothing logged, nothing issued
        assert issued == set() and table_counts(INSTANCE) == before
    elif response.status_code == 400 or "error=" in response.headers.get("Location", ""):
        assert issued == set() and INSTANCE.platform.codes == codes
        assert table_counts(INSTANCE) == {**before, "syslog": before["syslog"] + 1}
    else:
        assert len(issued) == 1 and table_counts(INSTANCE) == before
        INSTANCE.restore(FRESH)
