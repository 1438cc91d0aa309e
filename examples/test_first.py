"""My first test: the chain is provisioned for it; it just uses the token."""


def test_my_integration_creates_an_incident(snjwt_session):
    created = snjwt_session.post("/api/now/table/incident", json={"short_description": "Printer on fire"})
    assert created.status_code == 201
    incident = created.json()["result"]
    assert incident["number"].startswith("INC")
    assert incident["sys_created_by"] != "admin"  # JWT tokens act as their user, never the admin
