"""Bad assertions in one line, chain variants by marker, and the mock's clock and reasons."""
import pytest
import requests


def exchange(instance, chain, assertion):
    return requests.post(instance.token_url, data={
        "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "client_id": chain.client_id,
        "client_secret": chain.client_secret.reveal(), "assertion": assertion})


def test_wrong_audience_is_refused(snjwt_instance, snjwt_chain, snjwt_assertion, snjwt_mock):
    response = exchange(snjwt_instance, snjwt_chain, snjwt_assertion(aud="https://example.com"))
    assert response.status_code == 401
    assert response.json() == {"error_description": "access_denied", "error": "server_error"}
    assert snjwt_mock.refusals[-1].code == "aud_mismatch"  # what the platform only logs


@pytest.mark.snjwt(algorithm="ES256", user_field="user_name", clock_skew=0)
def test_expired_by_one_second(snjwt_instance, snjwt_chain, snjwt_assertion, snjwt_mock):
    snjwt_mock.clock.freeze()
    response = exchange(snjwt_instance, snjwt_chain, snjwt_assertion(exp=int(snjwt_mock.clock.time()) - 1))
    assert response.status_code == 401 and snjwt_mock.refusals[-1].code == "token_expired"


@pytest.mark.snjwt(roles=["admin"])
def test_admin_users_cannot_use_jwt(snjwt_instance, snjwt_chain, snjwt_jwt):
    assert exchange(snjwt_instance, snjwt_chain, snjwt_jwt).status_code == 401
