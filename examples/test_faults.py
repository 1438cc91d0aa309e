"""Faults: the platform's 429, a maintenance 503, a timeout; by marker or from the test."""
import pytest
import requests


@pytest.mark.snjwt_fault("rate_limited", path="/api/now/table/*", retry_after=0)
def test_rate_limited_once(snjwt_session):
    response = snjwt_session.get("/api/now/table/incident")
    assert response.status_code == 429 and response.headers["Retry-After"] == "0"
    assert response.json()["error"]["message"] == "Rate limit exceeded"
    assert snjwt_session.get("/api/now/table/incident").status_code == 200  # count=1: served once


def test_maintenance_then_recovery(snjwt_session, snjwt_mock):
    snjwt_mock.inject_fault("unavailable", count=2)
    assert [snjwt_session.get("/api/now/table/incident").status_code for _ in range(3)] == [503, 503, 200]
    assert [str(f) for f in snjwt_mock.faults_served] == ["unavailable: GET /api/now/table/incident"] * 2


def test_a_slow_instance_times_my_client_out(snjwt_session, snjwt_mock):
    snjwt_mock.inject_fault("delay", seconds=1)
    with pytest.raises(requests.ReadTimeout):
        snjwt_session.get("/api/now/table/incident", timeout=0.1)
