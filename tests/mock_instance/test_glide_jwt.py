"""GlideJWTAPI.generateJWT (docs/platform.md §6), from Python and through the mock-only endpoint."""

from __future__ import annotations

import uuid

import jwt
import pytest
from werkzeug.test import Client

from conftest import basic
from mock_instance import GlideJWTError, MockInstance
from mock_instance.client import Keystore

from .chain import Chain, build_chain


@pytest.fixture
def provider(instance: MockInstance, rsa_keystore: Keystore) -> tuple[Chain, dict[str, str]]:
    """The article's steps 1-4: keystore record, JWT key with the map's kid, provider with claims."""
    chain = build_chain(instance, rsa_keystore)
    keystore = instance.insert("sys_certificate", {"name": "snclient keystore", "type": "pkcs12_key_store",
                                                   "key_store_password": "abcd1234"})
    instance.attach("sys_certificate", keystore["sys_id"], "snclient.keystore", rsa_keystore.pkcs12)
    key = instance.insert("jwt_keystore_aliases", {"name": "snclient key", "signing_keystore": keystore["sys_id"],
                                                   "signing_key_password": "abcd1234", "kid": chain.kid})
    provider = instance.insert("jwt_provider", {"name": "snclient provider", "jwt_keystore_alias": key["sys_id"]})
    return chain, provider


def test_new_provider_gets_the_three_standard_claims(instance: MockInstance) -> None:
    provider = instance.insert("jwt_provider", {"name": "p"})
    claims = instance.query("jwt_claim_validation", f"jwt_provider={provider['sys_id']}")
    assert [(c["name"], c["is_standard"], c["value"]) for c in claims] == [
        ("aud", "true", ""), ("iss", "true", ""), ("sub", "true", "")]


def test_generate_with_header_and_payload_as_the_article(instance: MockInstance,
                                                         provider: tuple[Chain, dict[str, str]]) -> None:
    chain, record = provider
    instance.clock.freeze(1_800_000_000)
    token = instance.generate_jwt(record["sys_id"], f'{{"kid": "{chain.kid}"}}',
                                  f'{{"aud": "{chain.client_id}", "iss": "{chain.client_id}", "sub": "{chain.sub}"}}')
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "RS256", "typ": "JWT", "kid": chain.kid}
    claims = jwt.decode(token, chain.keystore.certificate.public_key(), algorithms=["RS256"],  # type: ignore[union-attr]
                        audience=chain.client_id, options={"verify_exp": False, "verify_iat": False})
    assert (claims["iss"], claims["sub"], claims["iat"], claims["exp"]) == (
        chain.client_id, chain.sub, 1_800_000_000, 1_800_003_600)
    assert uuid.UUID(claims["jti"]).version == 4
    assert Client(instance).post("/oauth_token.do", data=chain.form(token)).status_code == 200


def test_provider_claims_fill_the_payload(instance: MockInstance, provider: tuple[Chain, dict[str, str]]) -> None:
    chain, record = provider
    for claim in instance.query("jwt_claim_validation", f"jwt_provider={record['sys_id']}"):
        instance.update("jwt_claim_validation", claim["sys_id"],
                        {"value": chain.sub if claim["name"] == "sub" else chain.client_id})
    token = instance.generate_jwt(record["sys_id"])  # no header: the JWT key's kid is used
    assert jwt.get_unverified_header(token)["kid"] == chain.kid
    assert Client(instance).post("/oauth_token.do", data=chain.form(token)).status_code == 200
    # the given payload overrides the provider's claims
    other = instance.generate_jwt(record["sys_id"], None, {"sub": "someone@else"})
    assert jwt.decode(other, options={"verify_signature": False})["sub"] == "someone@else"


def test_expiry_interval(instance: MockInstance, provider: tuple[Chain, dict[str, str]]) -> None:
    _, record = provider
    instance.update("jwt_provider", record["sys_id"], {"expiry_interval": "120"})
    claims = jwt.decode(instance.generate_jwt(record["sys_id"]), options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 120


@pytest.mark.parametrize(("args", "message"), [
    (("0" * 32,), "no jwt_provider"),
    ((None, "{bad json"), "header is not JSON"),
    ((None, None, "[1]"), "payload must be a JSON object"),
])
def test_errors(instance: MockInstance, provider: tuple[Chain, dict[str, str]], args: tuple, message: str) -> None:
    _, record = provider
    call = (args[0] or record["sys_id"], *args[1:])
    with pytest.raises(GlideJWTError, match=message):
        instance.generate_jwt(*call)


def test_wrong_keystore_password(instance: MockInstance, provider: tuple[Chain, dict[str, str]]) -> None:
    _, record = provider
    alias = instance.get("jwt_provider", record["sys_id"])["jwt_keystore_alias"]
    keystore = instance.get("jwt_keystore_aliases", alias)["signing_keystore"]
    instance.update("sys_certificate", keystore, {"key_store_password": "nope"})
    with pytest.raises(GlideJWTError, match="wrong password"):
        instance.generate_jwt(record["sys_id"])


def test_provider_without_signing_configuration(instance: MockInstance) -> None:
    record = instance.insert("jwt_provider", {"name": "bare"})
    with pytest.raises(GlideJWTError, match="no signing configuration"):
        instance.generate_jwt(record["sys_id"])


def test_mock_endpoint(instance: MockInstance, provider: tuple[Chain, dict[str, str]]) -> None:
    chain, record = provider
    client = Client(instance)
    response = client.post("/snjwt-mock/generate_jwt", headers=basic(), json={
        "provider": record["sys_id"], "header": {"kid": chain.kid},
        "payload": {"aud": chain.client_id, "iss": chain.client_id, "sub": chain.sub}})
    assert response.status_code == 200
    token = response.get_json()["result"]["jwt"]
    assert client.post("/oauth_token.do", data=chain.form(token)).status_code == 200
    bad = client.post("/snjwt-mock/generate_jwt", headers=basic(), json={"provider": "nope"})
    assert (bad.status_code, bad.get_json()["error"]["message"]) == (400, "generateJWT failed")
    assert client.post("/snjwt-mock/generate_jwt", json={"provider": record["sys_id"]}).status_code == 401


def test_refusals_endpoint(instance: MockInstance, provider: tuple[Chain, dict[str, str]]) -> None:
    chain, _ = provider
    client = Client(instance)
    client.post("/oauth_token.do", data=chain.form(client_secret="wrong"))
    result = client.get("/snjwt-mock/refusals", headers=basic()).get_json()["result"]
    assert [r["code"] for r in result] == ["client_secret_invalid"]
