"""The dry run: docs/platform.md §4's checks in order, the failing one named, and nothing written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from werkzeug.test import Client

from mock_instance import MockInstance
from mock_instance.client import Keystore, make_keystore
from mock_instance.oauth.dry_run import STEPS, dry_run
from mock_instance.platform.reason_fixes import FIXES
from mock_instance.platform.refusals import REASONS
from tests.helpers import table_counts
from tests.mock_instance.chain import CLIENT_SECRET, Chain, build_chain


@pytest.fixture
def chain(instance: MockInstance, rsa_keystore: Keystore) -> Chain:
    return build_chain(instance, rsa_keystore)


def untouched(instance: MockInstance) -> tuple[object, ...]:
    return table_counts(instance), dict(instance.platform.jtis), len(instance.refusals)


def test_a_good_assertion_passes_every_check_and_gets_no_token(instance: MockInstance, client: Client,
                                                               chain: Chain) -> None:
    assertion = chain.jwt()
    before = untouched(instance)
    report = dry_run(instance.platform, assertion, chain.client_id, CLIENT_SECRET)
    assert untouched(instance) == before
    assert report.failed is None
    assert [(s.number, s.status) for s in report.steps] == [(n, "passed") for n in range(1, 13)] + [(13, "skipped")]
    assert [s.title for s in report.steps] == list(STEPS.values())
    assert report.steps[1].detail == f"app 'jwt app' (client_id {chain.client_id}) is active"
    assert report.steps[5].detail == "the RS256 signature verifies with the certificate of map 'map'"
    assert report.steps[11].detail == "user 'abel.tuter' (email = 'abel@example.com') is active and not an admin"
    assert report.header == {"alg": "RS256", "typ": "JWT", "kid": chain.kid}
    assert report.claims is not None and report.claims["aud"] == chain.client_id
    # The jti was not used up: the same assertion still gets a token.
    assert client.post("/oauth_token.do", data=chain.form(assertion)).status_code == 200


def test_a_bad_aud_names_step_7_with_its_reason_and_fix(instance: MockInstance, chain: Chain) -> None:
    syslog = instance.store.count("syslog")
    report = dry_run(instance.platform, chain.jwt(aud="https://dev12345.service-now.com/oauth_token.do"),
                     chain.client_id, CLIENT_SECRET)
    failed = report.failed
    assert failed is not None and (failed.number, failed.reason) == (7, "aud_mismatch")
    assert failed.detail == f"aud 'https://dev12345.service-now.com/oauth_token.do' is not the client_id {chain.client_id}"
    assert (failed.meaning, failed.fix) == (REASONS["aud_mismatch"], FIXES["aud_mismatch"])
    assert [s.status for s in report.steps[7:]] == ["not reached"] * 6
    assert instance.store.count("syslog") == syslog and instance.refusals == []
    shaped = report.as_dict()
    assert (shaped["accepted"], shaped["reason"]) == (False, "aud_mismatch")
    assert shaped["steps"][6] == {"step": 7, "title": "aud is the client_id", "status": "failed",
                                  "detail": failed.detail, "reason": "aud_mismatch",
                                  "meaning": REASONS["aud_mismatch"], "fix": FIXES["aud_mismatch"]}


def test_a_wrong_key_fails_the_signature(instance: MockInstance, chain: Chain) -> None:
    report = dry_run(instance.platform, chain.jwt(key=make_keystore().private_key), chain.client_id, CLIENT_SECRET)
    assert report.failed is not None and (report.failed.number, report.failed.reason) == (6, "signature_invalid")


def test_without_a_secret_step_3_is_skipped(instance: MockInstance, chain: Chain) -> None:
    report = dry_run(instance.platform, chain.jwt(), chain.client_id)
    assert report.steps[2].status == "skipped" and report.steps[2].detail == "no client secret given: not checked"
    assert report.failed is None


def test_an_unreadable_assertion(instance: MockInstance, chain: Chain) -> None:
    report = dry_run(instance.platform, "not.a.jwt", chain.client_id, CLIENT_SECRET)
    assert (report.header, report.claims) == (None, None)
    assert report.failed is not None and (report.failed.number, report.failed.reason) == (4, "assertion_malformed")


Case = Callable[[MockInstance, Chain], tuple[str, dict[str, Any]]]
CASES: dict[str, Case] = {
    "client_unknown": lambda i, c: (c.jwt(), {"client_id": "nosuch"}),
    "client_secret_invalid": lambda i, c: (c.jwt(), {"client_secret": "wrong"}),
    "client_inactive": lambda i, c: (i.update("oauth_jwt", c.app["sys_id"], {"active": "false"}) and c.jwt(), {}),
    "alg_not_allowed": lambda i, c: (c.signed("eyJhbGciOiJub25lIn0", "e30"), {}),
    "kid_unknown": lambda i, c: (c.jwt(headers={"kid": "other"}), {}),
    "token_expired": lambda i, c: (c.jwt(exp=int(i.clock.time()) - 3600), {}),
    "iss_mismatch": lambda i, c: (c.jwt(iss="someone"), {}),
    "user_not_found": lambda i, c: (c.jwt(sub="nobody@example.com"), {}),
    "certificate_inactive": lambda i, c: (i.update("sys_certificate", c.cert["sys_id"], {"active": "false"})  # type: ignore[index]
                                          and c.jwt(), {}),
}


@pytest.mark.parametrize("code", sorted(CASES))
def test_the_dry_run_refuses_as_the_exchange_does(instance: MockInstance, client: Client, chain: Chain,
                                                   code: str) -> None:
    assertion, changes = CASES[code](instance, chain)
    form = {"client_id": chain.client_id, "client_secret": CLIENT_SECRET, **changes}
    report = dry_run(instance.platform, assertion, form["client_id"], form["client_secret"])
    assert report.failed is not None and report.failed.reason == code
    assert client.post("/oauth_token.do", data=chain.form(assertion, **changes)).status_code == 401
    assert instance.refusals[-1].code == code
    assert instance.refusals[-1].sentence == report.failed.detail  # the same check said it


def test_a_replayed_jti_is_named(instance: MockInstance, client: Client, chain: Chain) -> None:
    assertion = chain.jwt()
    assert client.post("/oauth_token.do", data=chain.form(assertion)).status_code == 200
    report = dry_run(instance.platform, assertion, chain.client_id, CLIENT_SECRET)
    assert report.failed is not None and (report.failed.number, report.failed.reason) == (11, "jti_replayed")


def test_the_control_api_dry_run(instance: MockInstance, client: Client, admin: dict[str, str], chain: Chain) -> None:
    before = untouched(instance)
    response = client.post("/snjwt-mock/dry_run", headers=admin, json={
        "assertion": chain.jwt(aud="nope"), "client_id": chain.client_id, "client_secret": CLIENT_SECRET})
    result = response.get_json()["result"]
    assert (result["accepted"], result["reason"], len(result["steps"])) == (False, "aud_mismatch", 13)
    assert result["claims"]["aud"] == "nope" and result["header"]["kid"] == chain.kid
    assert untouched(instance)[1:] == before[1:]  # no jti, no refusal (the log has the request, no row changed)
    assert table_counts(instance) == before[0]
    assert client.post("/snjwt-mock/dry_run", headers=admin, json={"assertion": 5}).status_code == 400
    assert client.post("/snjwt-mock/dry_run", json={"assertion": "x"}).status_code == 401
