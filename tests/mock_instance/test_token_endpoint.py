"""/oauth_token.do: every check of docs/platform.md §4, in order, with its refusal reason."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from jwt.api_jws import PyJWS
from werkzeug.test import Client

from mock_instance import REASONS, REFUSAL_BODY, MockInstance
from mock_instance.client import Keystore, make_keystore
from tests.helpers import table_counts

from .chain import Chain, build_chain

TOKEN_URL = "/oauth_token.do"


@pytest.fixture
def chain(instance: MockInstance, rsa_keystore: Keystore) -> Chain:
    return build_chain(instance, rsa_keystore)


def exchange(client: Client, form: dict[str, str] | None = None, **kwargs: Any) -> Any:
    if form is not None:
        kwargs["data"] = form
    return client.post(TOKEN_URL, **kwargs)


def assert_refused(client: Client, instance: MockInstance, code: str, form: dict[str, str] | None = None,
                   **kwargs: Any) -> str:
    """Post, and check the platform's bare 401, the reason code, one syslog row and nothing else changed."""
    before = table_counts(instance)
    instance.clear_refusals()
    response = exchange(client, form, **kwargs)
    assert response.status_code == 401
    assert response.data == b'{"error_description":"access_denied","error":"server_error"}'
    assert response.get_json() == REFUSAL_BODY
    assert response.content_type == "application/json;charset=UTF-8"
    refusals = instance.refusals
    assert [r.code for r in refusals] == [code], refusals
    after = table_counts(instance)
    assert after == {**before, "syslog": before["syslog"] + 1}
    row = instance.query("syslog")[-1]  # insertion order: the newest row
    assert (row["level"], row["source"]) == ("error", "oauth_token.do")
    assert row["message"] == f"[{code}] {refusals[0].sentence}"
    return refusals[0].sentence


# -- success -------------------------------------------------------------------------

def test_success_body_exactly(client: Client, instance: MockInstance, chain: Chain) -> None:
    response = exchange(client, chain.form())
    assert response.status_code == 200
    assert response.content_type == "application/json;charset=UTF-8"
    body = json.loads(response.data)
    assert list(body) == ["access_token", "scope", "token_type", "expires_in"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{86}", body["access_token"])
    assert (body["scope"], body["token_type"], body["expires_in"]) == ("useraccount", "Bearer", 1799)
    assert "refresh_token" not in body
    creds = instance.store.find("oauth_credential", "token", body["access_token"])
    assert len(creds) == 1
    cred = creds[0]
    assert (cred["type"], cred["peer"], cred["user"], cred["scopes"], cred["client_id"]) == (
        "access_token", chain.app["sys_id"], chain.user["sys_id"], "useraccount", chain.client_id)
    assert instance.refusals == [] and instance.query("syslog") == []


def test_expires_in_follows_the_lifespan(client: Client, instance: MockInstance, rsa_keystore: Keystore) -> None:
    chain = build_chain(instance, rsa_keystore, access_token_lifespan=600)
    assert exchange(client, chain.form()).get_json()["expires_in"] == 599


def test_each_exchange_issues_a_new_token(client: Client, chain: Chain) -> None:
    tokens = {exchange(client, chain.form()).get_json()["access_token"] for _ in range(3)}
    assert len(tokens) == 3


def test_query_string_parameters_are_ignored(client: Client, instance: MockInstance, chain: Chain) -> None:
    form = chain.form()
    query = "&".join(f"{k}={v}" for k, v in form.items())
    assert_refused(client, instance, "grant_type_unsupported", query_string=query, data={"x": "1"})


@pytest.mark.parametrize("algorithm", ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512",
                                       "HS256", "HS384", "HS512"])
def test_every_algorithm(client: Client, instance: MockInstance, algorithm: str) -> None:
    keystore = None if algorithm.startswith("HS") else make_keystore(algorithm=algorithm)
    chain = build_chain(instance, keystore, algorithm=algorithm)
    assert exchange(client, chain.form()).status_code == 200


def test_public_client_without_secret_is_found_by_aud(client: Client, instance: MockInstance,
                                                      rsa_keystore: Keystore) -> None:
    chain = build_chain(instance, rsa_keystore, public_client="true")
    assert exchange(client, chain.form(client_secret=None)).status_code == 200
    assert exchange(client, chain.form(client_secret=None, client_id=None)).status_code == 200


def test_iss_accepted_through_a_claim_validation(client: Client, instance: MockInstance, chain: Chain) -> None:
    assert_refused(client, instance, "iss_mismatch", chain.form(chain.jwt(iss="my-issuer")))
    instance.insert("oauth_jwt_claim_validation", {"oauth_jwt": chain.app["sys_id"], "name": "iss",
                                                   "value": "my-issuer"})
    assert exchange(client, chain.form(chain.jwt(iss="my-issuer"))).status_code == 200


def test_expired_inside_the_skew_is_accepted(client: Client, instance: MockInstance, chain: Chain) -> None:
    instance.clock.freeze()
    now = instance.clock.time()
    assert exchange(client, chain.form(chain.jwt(exp=now - 299))).status_code == 200
    sentence = assert_refused(client, instance, "token_expired", chain.form(chain.jwt(exp=now - 301)))
    assert "clock skew 300s" in sentence


def test_clock_skew_is_per_app(client: Client, instance: MockInstance, rsa_keystore: Keystore) -> None:
    chain = build_chain(instance, rsa_keystore, clock_skew=0)
    instance.clock.freeze()
    assert_refused(client, instance, "token_expired", chain.form(chain.jwt(exp=instance.clock.time() - 1)))


def test_kidless_assertion_with_one_map(client: Client, instance: MockInstance, chain: Chain) -> None:
    assert exchange(client, chain.form(chain.jwt(headers={"kid": None}))).status_code == 200
    instance.configure(accept_kidless_single_map=False)
    assert_refused(client, instance, "kid_missing", chain.form(chain.jwt(headers={"kid": None})))


def test_custom_claim_validation(client: Client, instance: MockInstance, chain: Chain) -> None:
    instance.insert("oauth_jwt_claim_validation", {"oauth_jwt": chain.app["sys_id"], "name": "tenant",
                                                   "value": "acme"})
    assert exchange(client, chain.form(chain.jwt(tenant="acme"))).status_code == 200
    sentence = assert_refused(client, instance, "claim_mismatch", chain.form(chain.jwt(tenant="evil")))
    assert "'tenant'" in sentence and "'acme'" in sentence


def test_user_field_chooses_the_sub(client: Client, instance: MockInstance, rsa_keystore: Keystore) -> None:
    chain = build_chain(instance, rsa_keystore, user_field="user_name")
    assert chain.sub == "abel.tuter"
    assert exchange(client, chain.form()).status_code == 200
    assert_refused(client, instance, "user_not_found", chain.form(chain.jwt(sub="abel@example.com")))


# -- the negative table: one bad request per check ------------------------------------

def _ec_claimed_as_rs(chain: Chain, instance: MockInstance) -> dict[str, str]:
    ec = make_keystore(algorithm="ES256")
    instance.update("sys_certificate", chain.cert["sys_id"], {"pem_certificate": ec.certificate_pem})  # type: ignore[index]
    return chain.form(chain.jwt(key=ec.private_key, algorithm="ES256", headers={"alg": "RS256"}))


def _hs_with_public_key(chain: Chain, instance: MockInstance) -> dict[str, str]:
    return chain.form(chain.jwt(algorithm="HS256", key=chain.keystore.certificate_pem))  # type: ignore[union-attr]


def _two_maps(chain: Chain, instance: MockInstance) -> dict[str, str]:
    instance.insert("jwt_verifier_map", {"name": "second", "oauth_jwt": chain.app["sys_id"],
                                         "sys_certificate": chain.cert["sys_id"]})  # type: ignore[index]
    return chain.form(chain.jwt(headers={"kid": None}))


def _tampered(chain: Chain, instance: MockInstance) -> dict[str, str]:
    header, payload, signature = chain.jwt().split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["sub"] = "admin@example.com"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return chain.form(f"{header}.{forged}.{signature}")


def _other_key(chain: Chain, instance: MockInstance) -> dict[str, str]:
    return chain.form(chain.jwt(key=make_keystore().private_key))


def _set_user(**change: str) -> Callable[[Chain, MockInstance], dict[str, str]]:
    def build(chain: Chain, instance: MockInstance) -> dict[str, str]:
        instance.update("sys_user", chain.user["sys_id"], change)
        return chain.form()
    return build


def _make_admin(chain: Chain, instance: MockInstance) -> dict[str, str]:
    role = instance.query("sys_user_role", "name=admin")[0]
    instance.insert("sys_user_has_role", {"user": chain.user["sys_id"], "role": role["sys_id"]})
    return chain.form()


def _duplicate_user(chain: Chain, instance: MockInstance) -> dict[str, str]:
    instance.insert("sys_user", {"user_name": "abel2", "email": chain.sub})
    return chain.form()


def _set(table: str, attr: str, **change: str) -> Callable[[Chain, MockInstance], dict[str, str]]:
    def build(chain: Chain, instance: MockInstance) -> dict[str, str]:
        instance.update(table, getattr(chain, attr)["sys_id"], change)
        return chain.form()
    return build


def _replayed(chain: Chain, instance: MockInstance) -> dict[str, str]:
    form = chain.form()
    assert Client(instance).post(TOKEN_URL, data=form).status_code == 200
    return form


def _expired_cert(chain: Chain, instance: MockInstance) -> dict[str, str]:
    instance.clock.advance(400 * 86400)
    return chain.form()


def _not_an_oauth_jwt(chain: Chain, instance: MockInstance) -> dict[str, str]:
    other = instance.insert("oauth_entity", {"name": "plain client"})
    return chain.form(client_id=other["client_id"])


def _basic_client_auth(chain: Chain, instance: MockInstance) -> dict[str, Any]:
    basic = base64.b64encode(f"{chain.client_id}:{chain.client_secret}".encode()).decode()
    return {"data": chain.form(client_id=None, client_secret=None), "headers": {"Authorization": f"Basic {basic}"}}


def _pysnc_header(chain: Chain, instance: MockInstance) -> dict[str, Any]:
    return {"data": chain.form(assertion=""), "headers": {"Authentication": f"Bearer {chain.jwt()}"}}


CASES: list[tuple[str, str, Callable[[Chain, MockInstance], Any]]] = [
    ("alg none", "alg_not_allowed", lambda c, i: c.form(c.jwt(algorithm="none"))),
    ("alg PS256", "alg_not_allowed", lambda c, i: c.form(c.jwt(headers={"alg": "PS256"}))),
    ("HS256 keyed with the certificate", "shared_key_refused", _hs_with_public_key),
    ("ES key claimed as RS", "key_type_mismatch", _ec_claimed_as_rs),
    ("wrong kid", "kid_unknown", lambda c, i: c.form(c.jwt(headers={"kid": "not-the-kid"}))),
    ("kid not a string", "assertion_malformed", lambda c, i: c.form(c.jwt(headers={"kid": 7}))),
    ("no kid, two maps", "kid_missing", _two_maps),
    ("tampered payload", "signature_invalid", _tampered),
    ("signed by another key", "signature_invalid", _other_key),
    ("expired beyond the skew", "token_expired", lambda c, i: c.form(c.jwt(exp=i.clock.time() - 400))),
    ("exp missing", "exp_missing", lambda c, i: c.form(c.jwt(exp=None))),
    ("exp a string", "exp_missing", lambda c, i: c.form(c.jwt(exp="tomorrow"))),
    ("nbf in the future", "token_not_yet_valid", lambda c, i: c.form(c.jwt(nbf=i.clock.time() + 400))),
    ("wrong aud", "aud_mismatch", lambda c, i: c.form(c.jwt(aud="https://dev.service-now.com/oauth_token.do"))),
    ("no aud", "aud_mismatch", lambda c, i: c.form(c.jwt(aud=None))),
    ("wrong iss", "iss_mismatch", lambda c, i: c.form(c.jwt(iss="someone-else"))),
    ("unknown sub", "user_not_found", lambda c, i: c.form(c.jwt(sub="nobody@example.com"))),
    ("sub with other case", "user_not_found", lambda c, i: c.form(c.jwt(sub="ABEL@example.com"))),
    ("no sub", "sub_missing", lambda c, i: c.form(c.jwt(sub=None))),
    ("inactive user", "user_inactive", _set_user(active="false")),
    ("locked user", "user_locked_out", _set_user(locked_out="true")),
    ("admin user", "user_is_admin", _make_admin),
    ("two users match", "user_ambiguous", _duplicate_user),
    ("user field not a column", "user_field_invalid", _set("oauth_jwt", "app", user_field="u_nope")),
    ("inactive app", "client_inactive", _set("oauth_jwt", "app", active="false")),
    ("inactive certificate", "certificate_inactive", _set("sys_certificate", "cert", active="false")),
    ("expired certificate", "certificate_expired", _expired_cert),
    ("map without certificate", "certificate_missing", _set("jwt_verifier_map", "vmap", sys_certificate="")),
    ("wrong client secret", "client_secret_invalid", lambda c, i: c.form(client_secret="wrong")),
    ("missing client secret", "client_secret_missing", lambda c, i: c.form(client_secret=None)),
    ("unknown client id", "client_unknown", lambda c, i: c.form(client_id="0" * 32)),
    ("client id of another app type", "client_unknown", _not_an_oauth_jwt),
    ("replayed jti", "jti_replayed", _replayed),
    ("JSON body", "request_not_form", lambda c, i: {"json": c.form()}),
    ("missing assertion", "assertion_missing", lambda c, i: c.form(assertion=None) | {"assertion": None}),
    ("empty assertion", "assertion_missing", lambda c, i: c.form(assertion="")),
    ("non-JWT assertion", "assertion_malformed", lambda c, i: c.form(assertion="not.a.jwt")),
    ("assertion of garbage", "assertion_malformed", lambda c, i: c.form(assertion="\u00e9\u00e9")),
    # docs/platform.md §10: password and client_credentials are served now; these two are not.
    ("wrong grant type", "grant_type_unsupported", lambda c, i: c.form(grant_type="implicit")),
    ("SAML bearer grant", "grant_type_unsupported",
     lambda c, i: c.form(grant_type="urn:ietf:params:oauth:grant-type:saml2-bearer")),
    ("no grant type", "grant_type_unsupported", lambda c, i: c.form(grant_type=None)),
    ("client auth as HTTP Basic", "client_auth_basic_refused", _basic_client_auth),
    ("PySNC's Authentication header", "assertion_header_refused", _pysnc_header),
    ("payload not an object", "assertion_malformed",
     lambda c, i: c.form(PyJWS().encode(b"[1]", c.keystore.private_key, "RS256", headers={"kid": c.kid}))),  # type: ignore[union-attr]
    ("exp infinite", "exp_missing", lambda c, i: c.form(c.jwt(exp=float("inf")))),
]


@pytest.mark.parametrize(("name", "code", "build"), CASES, ids=[c[0] for c in CASES])
def test_refusal(client: Client, instance: MockInstance, chain: Chain, name: str, code: str,
                 build: Callable[[Chain, MockInstance], Any]) -> None:
    built = build(chain, instance)
    kwargs = built if set(built) <= {"data", "json", "headers"} and built else {"data": built}
    if "data" in kwargs and isinstance(kwargs["data"], dict):
        kwargs["data"] = {k: v for k, v in kwargs["data"].items() if v is not None}
    sentence = assert_refused(client, instance, code, **kwargs)
    assert chain.client_secret not in sentence
    assert chain.shared_key not in sentence  # type: ignore[operator]


def test_at_least_25_distinct_bad_requests() -> None:
    assert len(CASES) >= 25
    assert len({code for _, code, _ in CASES}) >= 25


def test_every_reason_code_is_documented() -> None:
    codes = {code for _, code, _ in CASES}
    assert codes <= set(REASONS)


def test_body_over_the_limit(client: Client, instance: MockInstance, chain: Chain) -> None:
    instance.configure(rest_body_limit=1000)
    assert_refused(client, instance, "request_too_large", chain.form(assertion=chain.jwt() + "x" * 2000))


def test_refusal_does_not_use_up_the_jti(client: Client, instance: MockInstance, chain: Chain) -> None:
    claims = {"jti": "one-jti", "iss": "wrong"}
    assert_refused(client, instance, "iss_mismatch", chain.form(chain.jwt(**claims)))
    assert exchange(client, chain.form(chain.jwt(jti="one-jti"))).status_code == 200
    assert_refused(client, instance, "jti_replayed", chain.form(chain.jwt(jti="one-jti")))


def test_jti_is_per_app(client: Client, instance: MockInstance, rsa_keystore: Keystore) -> None:
    first = build_chain(instance, rsa_keystore)
    second = build_chain(instance, rsa_keystore, user={"user_name": "b", "email": "b@example.com"})
    assert exchange(client, first.form(first.jwt(jti="same"))).status_code == 200
    assert exchange(client, second.form(second.jwt(jti="same"))).status_code == 200


def test_jti_verification_off_allows_replay(client: Client, instance: MockInstance, rsa_keystore: Keystore) -> None:
    chain = build_chain(instance, rsa_keystore, enable_jti_verification="false")
    form = chain.form()
    assert [exchange(client, form).status_code for _ in range(2)] == [200, 200]


def test_check_order_client_before_signature(client: Client, instance: MockInstance, chain: Chain) -> None:
    # A wrong secret is reported even when the assertion is also bad: step 3 comes before step 4.
    assert_refused(client, instance, "client_secret_invalid", chain.form(assertion="garbage", client_secret="x"))
    # ...and a bad signature before a wrong aud (step 6 before step 7).
    assert_refused(client, instance, "signature_invalid",
                   chain.form(chain.jwt(aud="x", key=make_keystore().private_key)))
