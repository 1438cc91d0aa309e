"""The request log: every request served, what it sent and got, secrets masked, bounded."""

from __future__ import annotations

import json

import pytest
import requests
from werkzeug.test import Client

from conftest import basic
from mock_instance import MockInstance
from mock_instance.client import Keystore
from mock_instance.platform.masking import SHOWN_BODY, mask_body, mask_header, mask_query, mask_text
from mock_instance.platform.request_log import RequestLog
from tests.helpers import run_threads
from tests.mock_instance.chain import CLIENT_SECRET, build_chain

INCIDENTS = "/api/now/table/incident"


def test_each_request_is_logged_with_its_outcome(instance: MockInstance, client: Client,
                                                 admin: dict[str, str]) -> None:
    client.post(f"{INCIDENTS}?sysparm_fields=number", json={"short_description": "Printer"}, headers=admin)
    client.get("/api/now/table/nosuch", headers=admin)
    client.get(INCIDENTS)
    first, second, third = instance.requests
    assert (first.method, first.path, first.query, first.status, first.caller) == (
        "POST", INCIDENTS, "sysparm_fields=number", 201, "admin")
    assert json.loads(first.request_body) == {"short_description": "Printer"}
    assert json.loads(first.response_body)["result"]["number"] == "INC0010001"
    assert ("Content-Type", "application/json;charset=UTF-8") in first.response_headers
    assert (second.status, second.reason, second.caller) == (400, None, "admin")
    assert (third.status, third.caller) == (401, "")
    assert [r.id for r in instance.requests] == [1, 2, 3]
    assert first.duration_ms >= 0 and first.at == pytest.approx(instance.clock.time(), abs=60)
    assert str(first) == f"POST {INCIDENTS}?sysparm_fields=number -> 201 (admin, {first.duration_ms:.1f} ms)"


def test_refusals_carry_their_reason_code(instance: MockInstance, client: Client, rsa_keystore: Keystore) -> None:
    chain = build_chain(instance, rsa_keystore)
    token = client.post("/oauth_token.do", data=chain.form()).get_json()["access_token"]
    client.post("/oauth_token.do", data=chain.form(chain.jwt(aud="https://elsewhere")))
    client.get(f"/oauth_revoke_token.do?token={token}")
    client.get(INCIDENTS, headers={"Authorization": f"Bearer {token}"})
    issued, refused, revoked, bearer = instance.requests
    assert (issued.status, issued.reason, issued.caller) == (200, None, f"client_id {chain.client_id}")
    assert (refused.status, refused.reason) == (401, "aud_mismatch")
    assert str(refused).startswith("POST /oauth_token.do -> 401 [aud_mismatch] (client_id ")
    assert revoked.query == "token=***"
    assert (bearer.status, bearer.reason, bearer.caller) == (401, "access_token_expired",
                                                             "Bearer token (not authenticated)")


def test_secrets_are_masked_everywhere(instance: MockInstance, client: Client, rsa_keystore: Keystore) -> None:
    chain = build_chain(instance, rsa_keystore)
    assertion = chain.jwt()
    answer = client.post("/oauth_token.do", data=chain.form(assertion))
    token = answer.get_json()["access_token"]
    client.get(INCIDENTS, headers={"Authorization": f"Bearer {token}"})
    client.post("/api/now/table/sys_user", json={"user_name": "x", "user_password": "Sentinel-pw-1"},
                headers=basic())
    client.get("/api/now/table/oauth_credential", headers=basic())
    provider = instance.insert("jwt_provider", {"name": "p"})
    client.post("/snjwt-mock/generate_jwt", json={"provider": provider["sys_id"]}, headers=basic())
    shown = "\n".join(
        f"{r} {r.request_headers} {r.request_body} {r.response_headers} {r.response_body} {r.as_dict()}"
        for r in instance.requests)
    for secret in (CLIENT_SECRET, assertion, token, "Sentinel-pw-1", "admin:admin",
                   basic()["Authorization"].split()[1]):
        assert secret not in shown
    assert "eyJ" not in shown  # no JWT at all: the assertion, and the one generate_jwt answered
    token_request = instance.requests[0]
    assert "client_secret=***" in token_request.request_body and "assertion=***" in token_request.request_body
    assert json.loads(token_request.response_body)["access_token"] == "***"
    assert ("Authorization", "Bearer ***") in instance.requests[1].request_headers
    assert ("Authorization", "Basic admin:***") in instance.requests[2].request_headers


@pytest.mark.parametrize(("text", "shown"), [
    ("grant_type=password&username=abel&password=s3cret", "grant_type=password&username=abel&password=***"),
    ("refresh_token=abc&client_id=x", "refresh_token=***&client_id=x"),
    ("code=abc&code_verifier=def&redirect_uri=https://x", "code=***&code_verifier=***&redirect_uri=https://x"),
])
def test_form_fields_of_every_grant_are_masked(text: str, shown: str) -> None:
    assert mask_query(text) == shown
    assert mask_body(text.encode(), "application/x-www-form-urlencoded", total=len(text)) == shown


def test_shapes_are_masked_in_text_that_cannot_be_parsed() -> None:
    private = "-----BEGIN PRIVATE KEY-----\nMIIEvQ\n-----END PRIVATE KEY-----"
    assert mask_text(f"key: {private} done") == "key: *** done"
    assert mask_text("-----BEGIN RSA PRIVATE KEY-----\nMIIE (cut") == "***"
    assert mask_text("x eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln y") == "x *** y"
    assert mask_text('{"client_secret": "abc", "name": "n", "token": "cut sho') == \
        '{"client_secret": "***", "name": "n", "token": "***"'
    assert mask_text("t=" + "A" * 86) == "t=***"
    assert mask_text("sys_id " + "a" * 32) == "sys_id " + "a" * 32  # sys_ids and hashes stay
    assert mask_header("Authentication", "Bearer eyJx") == "Bearer ***"
    assert mask_header("Authorization", "Basic !!!") == "Basic ***"
    assert mask_header("Accept", "*/*") == "*/*"


def test_bodies_are_bounded_and_binary_is_summarised(instance: MockInstance, client: Client,
                                                     admin: dict[str, str]) -> None:
    big = "x" * 100_000
    client.post(INCIDENTS, json={"short_description": big}, headers=admin)
    incident = instance.query("incident")[0]
    client.post(f"/api/now/attachment/file?table_name=incident&table_sys_id={incident['sys_id']}&file_name=a.bin",
                data=bytes(range(256)) * 4, headers={**admin, "Content-Type": "application/octet-stream"})
    created, uploaded = instance.requests
    assert len(created.request_body) < SHOWN_BODY + 40
    assert created.request_body.endswith(f"… ({len(json.dumps({'short_description': big}))} bytes in all)")
    assert created.response_body.endswith("bytes in all)")
    assert uploaded.request_body == "(1024 bytes of application/octet-stream)"


def test_a_body_never_read_is_still_shown(instance: MockInstance, client: Client) -> None:
    client.post(INCIDENTS, json={"short_description": "no credentials"})
    assert instance.requests[0].status == 401
    assert json.loads(instance.requests[0].request_body) == {"short_description": "no credentials"}


def test_faults_are_noted(instance: MockInstance, client: Client, admin: dict[str, str]) -> None:
    instance.inject_fault("rate_limited", retry_after=0)
    instance.inject_fault("drop")
    client.get(INCIDENTS, headers=admin)
    with pytest.raises(ConnectionAbortedError):
        client.get(INCIDENTS, headers=admin)
    limited, dropped = instance.requests
    assert (limited.status, limited.fault) == (429, "rate_limited")
    assert (dropped.status, dropped.fault) == (None, "drop")
    assert str(dropped).startswith(f"GET {INCIDENTS} -> dropped fault drop (")
    assert [f.kind for f in instance.faults_served] == ["rate_limited", "drop"]  # both records are kept


def test_the_log_is_bounded_and_reset_with_the_instance(instance: MockInstance, client: Client) -> None:
    log = RequestLog(size=3)
    for _ in range(5):
        client.get(INCIDENTS)
    for record in instance.requests:
        log.add(record)
    assert [r.id for r in log.recent()] == [3, 4, 5]  # numbered by this log; only the last 3 kept
    assert [r.id for r in log.recent(after=4)] == [5]
    instance.reset()
    assert instance.requests == []
    client.get(INCIDENTS)
    assert instance.requests[0].id == 6  # ids go on counting
    instance.clear_requests()
    assert instance.requests == []


def test_concurrent_requests_keep_their_own_notes(instance: MockInstance, rsa_keystore: Keystore) -> None:
    chain = build_chain(instance, rsa_keystore)
    with instance.intercept("https://log.test"):
        def work(i: int) -> int:
            form = chain.form(chain.jwt(aud="nope")) if i % 2 else chain.form()
            return requests.post("https://log.test/oauth_token.do", data=form).status_code

        statuses = run_threads(work, 16)
    assert sorted(statuses) == [200] * 8 + [401] * 8  # type: ignore[type-var]
    for record in instance.requests:
        assert record.reason == (None if record.status == 200 else "aud_mismatch")


def test_over_a_socket_an_unread_body_is_not_waited_for(instance: MockInstance) -> None:
    with instance.serve() as server:
        requests.post(f"{server.url}{INCIDENTS}", json={"short_description": "no credentials"})
    record = instance.requests[0]
    assert (record.remote, record.status) == ("127.0.0.1", 401)
    assert record.request_body == "(39 bytes, not read)"  # {"short_description": "no credentials"}
