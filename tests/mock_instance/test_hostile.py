"""Hostile input, generated: no request makes a 500, and a refused one changes nothing
(except the one syslog row a token refusal writes). --thorough runs many more examples."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

from hypothesis import given
from hypothesis import strategies as st
from werkzeug.test import Client

from conftest import basic
from mock_instance import REASONS, MockInstance
from mock_instance.client import make_keystore
from tests.helpers import json_values, table_counts

from .chain import b64url, build_chain

INSTANCE = MockInstance()
CHAIN = build_chain(INSTANCE, make_keystore())
INCIDENT = INSTANCE.insert("incident", {"short_description": "target"})
GOOD = CHAIN.jwt()
FRESH = INSTANCE.snapshot()


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def mutate(token: str, position: int, char: str) -> str:
    position %= max(len(token), 1)
    return token[:position] + char + token[position + 1:]


claim_names = st.sampled_from(["aud", "iss", "sub", "exp", "nbf", "iat", "jti", "kid", "x"]) | st.text(max_size=6)
#: JSON scalars of every type: the values a client can put in a batch item's fields.
json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
claims = st.dictionaries(claim_names, json_values | st.sampled_from([CHAIN.client_id, CHAIN.sub]), max_size=8)
header_names = st.sampled_from(["alg", "kid", "typ", "crit", "jku", "b64", "cty", "x5c"]) | st.text(max_size=6)
headers_json = st.dictionaries(header_names, json_values | st.sampled_from(
    ["RS256", "none", "HS256", "ES512", CHAIN.kid, ["b64"], False]), max_size=4)
jwts = st.one_of(
    st.text(max_size=300),
    st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
    # A lone surrogate cannot be encoded onto the wire: no client can send one.
    st.builds(lambda i, c: mutate(GOOD, i, c), st.integers(0, 2000), st.characters(exclude_categories=("Cs",))),
    st.builds(lambda h, c, s: f"{b64(json.dumps(h).encode())}.{b64(json.dumps(c).encode())}.{s}",
              headers_json, claims, st.text(alphabet="abcXYZ-_", max_size=40)),
    st.builds(lambda n: "a." * n, st.integers(0, 2000)),
)


def encode_segment(value: object, encoding: str, padding: str) -> str:
    """A JOSE segment, canonical (UTF-8, no padding) or not: another encoding, padded."""
    return b64url(json.dumps(value).encode(encoding)) + padding


segment_encodings = st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-8-sig", "utf-16", "utf-32"])
paddings = st.sampled_from(["", "", "", "=", "=="])


@st.composite
def signed_assertions(draw: st.DrawFn) -> str:
    """Validly signed by the chain's key, so the claim checks are reached: any header, any claims."""
    header = draw(headers_json)
    if draw(st.booleans()):
        header = {"alg": "RS256", "kid": CHAIN.kid, **header}
    payload: object = {**CHAIN.claims(), **draw(claims)} if draw(st.booleans()) else draw(json_values)
    nested = draw(st.integers(0, 3000))
    parts = [encode_segment(header, draw(segment_encodings), draw(paddings)),
             b64url(b"[" * nested) if nested > 2900 else encode_segment(payload, draw(segment_encodings),
                                                                          draw(paddings))]
    return CHAIN.signed(*parts) + draw(paddings)


field_values = st.one_of(st.text(max_size=100), st.sampled_from([
    "urn:ietf:params:oauth:grant-type:jwt-bearer", CHAIN.client_id, CHAIN.client_secret, "x" * 100_000, "\x00",
    "password", "client_credentials"]))
forms = st.dictionaries(st.sampled_from(["grant_type", "client_id", "client_secret", "assertion", "scope", "x"]),
                        field_values | jwts, max_size=6)
content_types = st.sampled_from(["application/x-www-form-urlencoded", "application/json", "text/plain", "",
                                 "multipart/form-data; boundary=x", "application/x-www-form-urlencoded; charset=latin1"])
request_headers = st.dictionaries(
    st.sampled_from(["Authorization", "Authentication", "X-no-response-body", "Accept", "Content-Length"]),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=60), max_size=3)


@given(form=forms, content_type=content_types, extra=request_headers, as_json=st.booleans(),
       method=st.sampled_from(["POST", "POST", "GET", "PUT"]), query=st.text(max_size=50))
def test_token_endpoint_never_fails(form: dict[str, str], content_type: str, extra: dict[str, str],
                                    as_json: bool, method: str, query: str) -> None:
    before = table_counts(INSTANCE)
    if as_json:
        body = json.dumps(form).encode()
    else:
        body = "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in form.items()).encode()
    extra.pop("Content-Length", None)
    response = Client(INSTANCE).open("/oauth_token.do", method=method, data=body, query_string=quote(query),
                                     headers={**extra, "Content-Type": content_type})
    assert response.status_code in (200, 401, 405), response.status_code
    assert INSTANCE.errors == []
    after = table_counts(INSTANCE)
    if response.status_code == 401:
        assert response.get_json() == {"error_description": "access_denied", "error": "server_error"}
        assert after == {**before, "syslog": before["syslog"] + 1}
        assert INSTANCE.refusals[-1].code
    elif response.status_code == 405:
        assert after == before
    else:
        INSTANCE.restore(FRESH)


@given(assertion=signed_assertions(), with_client=st.booleans(), check_iat=st.booleans())
def test_signed_assertions_of_any_shape_never_fail(assertion: str, with_client: bool, check_iat: bool) -> None:
    form = CHAIN.form(assertion) if with_client else CHAIN.form(assertion, client_id=None, client_secret=None)
    before = table_counts(INSTANCE)
    INSTANCE.configure(check_iat=check_iat)
    try:
        response = Client(INSTANCE).post("/oauth_token.do", data=form)
    finally:
        INSTANCE.configure(check_iat=False)
    assert INSTANCE.errors == []
    assert response.status_code in (200, 401), response.data[:300]
    if response.status_code == 401:
        assert response.data == b'{"error_description":"access_denied","error":"server_error"}'
        assert table_counts(INSTANCE) == {**before, "syslog": before["syslog"] + 1}
        assert INSTANCE.refusals[-1].code in REASONS
    else:
        INSTANCE.restore(FRESH)


paths = st.one_of(
    st.sampled_from(["/api/now/attachment", "/api/now/attachment/file", "/api/now/attachment/upload",
                     f"/api/now/attachment/{INCIDENT['sys_id']}", "/api/now/v1/attachment/x/file",
                     "/api/now/table/incident", f"/api/now/table/incident/{INCIDENT['sys_id']}",
                     "/api/now/table/sys_attachment", "/oauth_revoke_token.do", "/snjwt-mock/generate_jwt",
                     "/snjwt-mock/refusals", "/", "/api", "/api/now/v2/table/oauth_jwt", "/api/now/v1/batch",
                     "/api/now/stats/incident", "/api/now/v1/stats/task", "/api/now/stats/sys_certificate"]),
    st.text(alphabet="/abcdefghijklmnopqrstuvwxyz0123456789._-%", max_size=60).map(lambda p: "/" + p),
)
params = st.lists(st.tuples(st.sampled_from(["table_name", "table_sys_id", "file_name", "sysparm_query",
                                             "sysparm_limit", "token", "sysparm_fields", "sysparm_display_value",
                                             "sysparm_count", "sysparm_group_by", "sysparm_having",
                                             "sysparm_avg_fields", "sysparm_order_by"]),
                            st.one_of(st.text(max_size=40), st.sampled_from(["incident", INCIDENT["sys_id"],
                                                                             "sys_certificate"]))), max_size=4)
bodies = st.one_of(st.binary(max_size=500), st.sampled_from([b"", b"\xff" * 1000, b"{}", b"[]", b"--x\r\n"]),
                   st.dictionaries(st.text(max_size=10), json_values, max_size=5).map(lambda d: json.dumps(d).encode()))


@given(method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "PROPFIND"]),
       path=paths, query=params, body=bodies, content_type=content_types, extra=request_headers,
       user=st.sampled_from([None, "admin", "abel"]))
def test_apis_never_fail(method: str, path: str, query: list[tuple[str, str]], body: bytes, content_type: str,
                         extra: dict[str, str], user: str | None) -> None:
    before = table_counts(INSTANCE)
    extra.pop("Content-Length", None)
    headers = {**extra, "Content-Type": content_type}
    if user is not None:
        headers.update(basic(user, "admin" if user == "admin" else "pw"))
    response = Client(INSTANCE).open(path, method=method, data=body, headers=headers,
                                     query_string="&".join(f"{quote(k)}={quote(v)}" for k, v in query))
    assert response.status_code < 500, (response.status_code, response.data[:300])
    assert INSTANCE.errors == []
    if response.status_code >= 400:
        assert table_counts(INSTANCE) == before
    elif method in ("POST", "PUT", "PATCH", "DELETE"):
        INSTANCE.restore(FRESH)


def test_huge_and_binary_values_in_a_record() -> None:
    client = Client(INSTANCE)
    admin = basic()
    body = json.dumps({"short_description": "\x00\udbff" * 10, "description": "y" * 5_000_000}).encode(
        "utf-8", "surrogatepass")
    response = client.post("/api/now/table/incident", data=body, headers={**admin, "Content-Type": "application/json"})
    assert response.status_code in (201, 400)
    assert INSTANCE.errors == []
    INSTANCE.restore(FRESH)


batch_items = st.lists(st.fixed_dictionaries({}, optional={
    "id": json_scalars, "method": st.sampled_from(["GET", "POST", "PATCH", "DELETE", "BREW"]) | json_scalars,
    "url": st.sampled_from(["/api/now/table/incident", f"/api/now/table/incident/{INCIDENT['sys_id']}",
                            "/api/now/v1/batch", "/api/now/stats/incident?sysparm_count=true", "/oauth_token.do",
                            "//elsewhere/x", "relative"]) | json_scalars,
    "body": st.binary(max_size=100).map(lambda b: base64.b64encode(b).decode()) | json_scalars,
    "headers": st.lists(st.fixed_dictionaries({"name": st.sampled_from(["Content-Type", "Authorization", "X"]),
                                               "value": st.text(max_size=20)}), max_size=2) | json_scalars,
    "exclude_response_headers": json_scalars,
}) | json_scalars, max_size=5)


@given(items=batch_items, batch_id=json_scalars, user=st.sampled_from(["admin", "abel"]))
def test_batches_never_fail(items: list[object], batch_id: object, user: str) -> None:
    response = Client(INSTANCE).post("/api/now/v1/batch", json={"batch_request_id": batch_id, "rest_requests": items},
                                     headers=basic(user, "admin" if user == "admin" else "pw"))
    assert response.status_code in (200, 401), (response.status_code, response.data[:300])
    assert INSTANCE.errors == []
    if response.status_code == 200:
        served = response.get_json()["serviced_requests"]
        assert all(s["status_code"] < 500 for s in served), served
    INSTANCE.restore(FRESH)
