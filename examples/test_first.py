"""A first test: the fixtures provision the whole JWT chain; this test just uses the token."""
import pytest


def test_my_client_can_create_an_incident(snjwt_session):
    created = snjwt_session.post("/api/now/table/incident", json={"short_description": "Printer on fire"})
    assert created.status_code == 201
    assert created.json()["result"]["number"].startswith("INC")


@pytest.mark.snjwt(user_field="user_name", algorithm="ES256")
def test_the_token_endpoint_refuses_a_wrong_audience(snjwt_assertion, snjwt_chain, snjwt_instance):
    import requests
    response = requests.post(snjwt_instance.token_url, data={
        "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "client_id": snjwt_chain.client_id,
        "client_secret": snjwt_chain.client_secret.reveal(), "assertion": snjwt_assertion(aud="someone-else")})
    assert response.status_code == 401
