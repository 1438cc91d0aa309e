"""The clients people really use, against the mock: each gets a token and reads records."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Callable

import pytest
import requests

from mock_instance import InstanceServer, MockInstance
from mock_instance.client import Chain
from pytest_snjwt.tokens import InstanceInfo, InstanceSession

from .conftest import load_example


@pytest.fixture
def incident(snjwt_session: InstanceSession) -> str:
    """One incident on the instance, created with the chain's token; its number."""
    created = snjwt_session.post("/api/now/table/incident", json={"short_description": "for the clients"})
    assert created.status_code == 201
    return created.json()["result"]["number"]


def read_incidents(url: str, token: str, verify: object = True) -> list[str]:
    response = requests.get(f"{url}/api/now/table/incident", headers={"Authorization": f"Bearer {token}"},
                            verify=verify)
    assert response.status_code == 200
    return [r["number"] for r in response.json()["result"]]


# -- PySNC --------------------------------------------------------------------------

def test_pysnc_jwt_auth(snjwt_mock: MockInstance, snjwt_instance: InstanceInfo, snjwt_chain: Chain,
                        snjwt_assertion: Callable[..., str], incident: str) -> None:
    snjwt_mock.configure(accept_pysnc_header=True)
    example = load_example("clients/pysnc_jwt.py")
    # A fresh assertion: snjwt_jwt was already exchanged for the incident fixture's token.
    numbers = example.incident_numbers(snjwt_instance.url, snjwt_chain.client_id,
                                       snjwt_chain.client_secret.reveal(), snjwt_assertion())
    assert numbers == [incident]


def test_pysnc_is_refused_without_the_setting(snjwt_mock: MockInstance, snjwt_instance: InstanceInfo,
                                              snjwt_chain: Chain, snjwt_jwt: str) -> None:
    example = load_example("clients/pysnc_jwt.py")
    with pytest.raises(AssertionError, match="Failed to auth"):
        example.incident_numbers(snjwt_instance.url, snjwt_chain.client_id, snjwt_chain.client_secret.reveal(),
                                 snjwt_jwt)
    assert snjwt_mock.refusals[-1].code == "assertion_header_refused"


def test_pysnc_resends_the_same_jwt_which_jti_verification_refuses(
        snjwt_mock: MockInstance, snjwt_instance: InstanceInfo, snjwt_chain: Chain, snjwt_jwt: str) -> None:
    snjwt_mock.configure(accept_pysnc_header=True)
    example = load_example("clients/pysnc_jwt.py")
    secret = snjwt_chain.client_secret.reveal()
    example.incident_numbers(snjwt_instance.url, snjwt_chain.client_id, secret, snjwt_jwt)
    # A new token (a refresh, or a new client) with the same JWT: the same jti.
    with pytest.raises(AssertionError, match="Failed to auth"):
        example.incident_numbers(snjwt_instance.url, snjwt_chain.client_id, secret, snjwt_jwt)
    assert snjwt_mock.refusals[-1].code == "jti_replayed"


# -- authlib ------------------------------------------------------------------------

def test_authlib_assertion_session(snjwt_mock: MockInstance, snjwt_instance: InstanceInfo, snjwt_chain: Chain, incident: str) -> None:
    example = load_example("clients/authlib_requests.py")
    session = example.servicenow_session(snjwt_instance.url, snjwt_chain.client_id,
                                         snjwt_chain.client_secret.reveal(), snjwt_chain.private_key_pem,
                                         snjwt_chain.kid, snjwt_chain.user)
    response = session.get(f"{snjwt_instance.url}/api/now/table/incident")
    assert [r["number"] for r in response.json()["result"]] == [incident]
    # A refresh signs a new assertion (new jti): accepted.
    first = session.token["access_token"]
    session.refresh_token()
    assert session.token["access_token"] != first
    assert snjwt_mock.refusals == []


def test_authlib_without_the_adjustments_is_refused(snjwt_mock: MockInstance, snjwt_instance: InstanceInfo,
                                                    snjwt_chain: Chain) -> None:
    from authlib.integrations.requests_client import AssertionSession
    from authlib.oauth2 import OAuth2Error
    from joserfc.jwk import RSAKey

    plain = AssertionSession(token_endpoint=snjwt_instance.token_url, issuer=snjwt_chain.client_id,
                             subject=snjwt_chain.user, client_id=snjwt_chain.client_id,
                             key=RSAKey.import_key(snjwt_chain.private_key_pem),
                             header={"alg": "RS256", "kid": snjwt_chain.kid})
    with pytest.raises(OAuth2Error):
        plain.refresh_token()
    assert snjwt_mock.refusals[-1].code == "client_secret_missing"


@pytest.mark.filterwarnings("ignore:The httpx module is deprecated; please use httpx2 instead")
def test_authlib_httpx_client_over_a_real_socket(snjwt_server: InstanceServer, snjwt_chain: Chain, incident: str) -> None:
    example = load_example("clients/authlib_httpx.py")
    client = example.servicenow_client(snjwt_server.url, snjwt_chain.client_id, snjwt_chain.client_secret.reveal(),
                                       snjwt_chain.private_key_pem, snjwt_chain.kid, snjwt_chain.user,
                                       verify=ssl.create_default_context(cafile=snjwt_server.ca_file))
    with client:
        response = client.get(f"{snjwt_server.url}/api/now/table/incident")
    assert [r["number"] for r in response.json()["result"]] == [incident]


@pytest.mark.filterwarnings("ignore:The httpx module is deprecated; please use httpx2 instead")
def test_authlib_httpx_client_in_process(snjwt_mock: MockInstance, snjwt_instance: InstanceInfo, snjwt_chain: Chain, incident: str, no_network: list[str]) -> None:
    example = load_example("clients/authlib_httpx.py")
    client = example.servicenow_client(snjwt_instance.url, snjwt_chain.client_id, snjwt_chain.client_secret.reveal(),
                                       snjwt_chain.private_key_pem, snjwt_chain.kid, snjwt_chain.user)
    with client:
        response = client.get(f"{snjwt_instance.url}/api/now/table/incident")
        assert [r["number"] for r in response.json()["result"]] == [incident]
        first = client.token["access_token"]
        client.refresh_token()  # a new assertion (new jti): accepted
        assert client.token["access_token"] != first
    assert snjwt_mock.refusals == []


@pytest.mark.anyio
@pytest.mark.filterwarnings("ignore:The httpx module is deprecated; please use httpx2 instead")
async def test_authlib_async_httpx_client_in_process(snjwt_mock: MockInstance, snjwt_instance: InstanceInfo,
                                                     snjwt_chain: Chain, incident: str,
                                                     no_network: list[str]) -> None:
    example = load_example("clients/authlib_httpx_async.py")
    client = example.servicenow_async_client(snjwt_instance.url, snjwt_chain.client_id,
                                             snjwt_chain.client_secret.reveal(), snjwt_chain.private_key_pem,
                                             snjwt_chain.kid, snjwt_chain.user)
    async with client:
        response = await client.get(f"{snjwt_instance.url}/api/now/table/incident")
    assert [r["number"] for r in response.json()["result"]] == [incident]
    assert snjwt_mock.refusals == []


@pytest.mark.anyio
async def test_pysnc_async_client_in_process(snjwt_mock: MockInstance, snjwt_instance: InstanceInfo,
                                             snjwt_chain: Chain, snjwt_assertion: Callable[..., str], incident: str,
                                             no_network: list[str]) -> None:
    pytest.importorskip("pysnc.asyncio", reason="PySNC's async client needs pysnc >= 1.2 with httpx")
    snjwt_mock.configure(accept_pysnc_header=True)
    example = load_example("clients/pysnc_async.py")
    numbers = await example.incident_numbers(snjwt_instance.url, snjwt_chain.client_id,
                                             snjwt_chain.client_secret.reveal(), snjwt_assertion())
    assert numbers == [incident]


def test_plain_httpx_in_process(snjwt_instance: InstanceInfo, snjwt_chain: Chain,
                                incident: str, no_network: list[str]) -> None:
    example = load_example("clients/httpx_token.py")
    token = example.access_token(snjwt_instance.url, snjwt_chain.client_id, snjwt_chain.client_secret.reveal(),
                                 snjwt_chain.private_key_pem, snjwt_chain.kid, snjwt_chain.user)
    import httpx

    response = httpx.get(f"{snjwt_instance.url}/api/now/table/incident", headers={"Authorization": f"Bearer {token}"})
    assert [r["number"] for r in response.json()["result"]] == [incident]


@pytest.mark.anyio
async def test_plain_httpx_async_in_process(snjwt_instance: InstanceInfo, snjwt_chain: Chain,
                                            snjwt_assertion: Callable[..., str], incident: str,
                                            no_network: list[str]) -> None:
    import httpx

    from pytest_snjwt.tokens import token_form

    async with httpx.AsyncClient(base_url=snjwt_instance.url) as client:
        token = await client.post("/oauth_token.do", data=token_form(snjwt_chain, snjwt_assertion()))
        assert token.status_code == 200
        response = await client.get("/api/now/table/incident",
                                    headers={"Authorization": f"Bearer {token.json()['access_token']}"})
    assert [r["number"] for r in response.json()["result"]] == [incident]


# -- requests-oauthlib ----------------------------------------------------------------

def test_requests_oauthlib_service_application(snjwt_instance: InstanceInfo, snjwt_chain: Chain, incident: str) -> None:
    example = load_example("clients/oauthlib_service.py")
    session = example.servicenow_session(snjwt_instance.url, snjwt_chain.client_id,
                                         snjwt_chain.client_secret.reveal(), snjwt_chain.private_key_pem,
                                         snjwt_chain.user)
    assert session.token["token_type"] == "Bearer"
    response = session.get(f"{snjwt_instance.url}/api/now/table/incident")
    assert [r["number"] for r in response.json()["result"]] == [incident]


def test_requests_oauthlib_default_basic_auth_is_refused(snjwt_mock: MockInstance, snjwt_instance: InstanceInfo,
                                                        snjwt_chain: Chain) -> None:
    from oauthlib.oauth2 import OAuth2Error, ServiceApplicationClient
    from requests_oauthlib import OAuth2Session

    client = ServiceApplicationClient(snjwt_chain.client_id, private_key=snjwt_chain.private_key_pem,
                                      subject=snjwt_chain.user, issuer=snjwt_chain.client_id,
                                      audience=snjwt_chain.client_id)
    with pytest.raises(OAuth2Error):
        OAuth2Session(client=client).fetch_token(snjwt_instance.token_url, client_id=snjwt_chain.client_id,
                                                 client_secret=snjwt_chain.client_secret.reveal())
    assert snjwt_mock.refusals[-1].code == "client_auth_basic_refused"


# -- httpx and curl over the real server (httpx is served in-process too: see above) ------------------------------------------------

def test_httpx_over_a_real_socket(snjwt_server: InstanceServer, snjwt_chain: Chain,
                                  incident: str) -> None:
    example = load_example("clients/httpx_token.py")
    token = example.access_token(snjwt_server.url, snjwt_chain.client_id, snjwt_chain.client_secret.reveal(),
                                 snjwt_chain.private_key_pem, snjwt_chain.kid, snjwt_chain.user,
                                 verify=ssl.create_default_context(cafile=snjwt_server.ca_file))
    assert read_incidents(snjwt_server.url, token, snjwt_server.ca_file) == [incident]


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_over_a_real_socket(snjwt_server: InstanceServer, snjwt_chain: Chain,
                                 snjwt_assertion: Callable[..., str], incident: str) -> None:
    result = subprocess.run(
        ["curl", "-s", "--cacert", snjwt_server.ca_file or "", snjwt_server.token_url,
         "--data-urlencode", "grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer",
         "--data-urlencode", f"client_id={snjwt_chain.client_id}",
         "--data-urlencode", f"client_secret={snjwt_chain.client_secret.reveal()}",
         "--data-urlencode", f"assertion={snjwt_assertion()}"],
        capture_output=True, text=True, timeout=60, check=True)
    import json

    token = json.loads(result.stdout)["access_token"]
    assert read_incidents(snjwt_server.url, token, snjwt_server.ca_file) == [incident]
