"""The probe's parts: comparing by meaning, the report's table, the profile document."""

from __future__ import annotations

import pytest

from mock_instance.probe import DIFFERS, MATCH, SKIPPED, UNDECIDED, Evidence, Outcome, Report, profile_document
from mock_instance.probe.compare import same
from mock_instance.probe.runner import lookup

GENERIC = {"status": 401, "content_type": "application/json;charset=UTF-8",
           "body": '{"error_description":"access_denied","error":"server_error"}'}


@pytest.mark.parametrize(("mock", "instance", "agree"), [
    (GENERIC, {**GENERIC, "body": '{ "error": "server_error", "error_description": "access_denied" }'}, True),
    (GENERIC, {**GENERIC, "content_type": "application/json"}, True),  # no charset named: JSON is UTF-8
    (GENERIC, {**GENERIC, "content_type": "Application/JSON; charset=utf-8"}, True),
    (GENERIC, {**GENERIC, "content_type": "application/json;charset=ISO-8859-1"}, False),
    (GENERIC, {**GENERIC, "content_type": "text/html"}, False),
    (GENERIC, {**GENERIC, "status": 400}, False),
    (GENERIC, {**GENERIC, "body": '{"error":"invalid_grant"}'}, False),
    ({"status": 200, "content_type": None, "body": ""}, {"status": 200, "content_type": None, "body": ""}, True),
    ({"status": 200, "content_type": None, "body": ""}, {"status": 200, "content_type": "text/plain", "body": ""},
     False),
    ({"status": 400, "content_type": "text/html", "body": "<p>a</p>"},
     {"status": 400, "content_type": "text/html", "body": "<p>a</p> "}, False),  # not JSON: the same bytes
    ({"status": 401, "content_type": None, "body_base64": "/w=="}, {"status": 401, "content_type": None,
                                                                   "body_base64": "/w=="}, True),
])
def test_replies_compare_by_meaning(mock: dict[str, object], instance: dict[str, object], agree: bool) -> None:
    assert same("refusal_bodies[kid_unknown]", mock, instance) is agree


@pytest.mark.parametrize(("mock", "instance", "agree"), [
    ("Asia/Tokyo", "Etc/GMT-9", True),  # the same rules under another name
    ("America/Los_Angeles", "US/Pacific", True),
    ("America/Los_Angeles", "Etc/GMT+8", False),  # summer time differs
    ("America/Los_Angeles", "America/Phoenix", False),
    ("UTC", "Etc/UTC", True),
    ("Not/AZone", "Not/AZone", True),
    ("Not/AZone", "UTC", False),
])
def test_time_zones_compare_by_their_rules(mock: str, instance: str, agree: bool) -> None:
    assert same("system_time_zone", mock, instance) is agree


def test_other_values_compare_by_value_and_type() -> None:
    assert same("check_iat", True, True) and not same("check_iat", True, 1)
    assert same("revoke_responses", {"known": GENERIC, "unknown": GENERIC}, {"unknown": GENERIC, "known": GENERIC})
    assert not same("revoke_responses", {"known": GENERIC}, {"known": GENERIC, "unknown": GENERIC})


def test_keyed_settings_are_looked_up_by_key() -> None:
    mock = {"check_iat": False, "refusal_bodies": {"kid_unknown": GENERIC}}
    assert lookup(mock, "check_iat") is False and lookup(mock, "refusal_bodies[kid_unknown]") == GENERIC
    missing = lookup(mock, "system_time_zone")
    assert lookup(mock, "refusal_bodies[code_challenge_mismatch]") is missing
    assert lookup({"check_iat": True}, "check_iat[x]") is missing


def report() -> Report:
    html = {"status": 401, "content_type": "text/html", "body": "<html>no</html>"}
    evidence = [Evidence("POST /oauth_token.do, an unknown kid", 401, "text/html", "<html>no</html>",
                         syslog="[kid_unknown] header kid 'x' matches none")]
    return Report("https://dev12345.service-now.com", None, "2026-05-01", [
        Outcome("check_iat", False, False, True, MATCH),
        Outcome("accept_token_url_aud", False, True, False, DIFFERS, evidence=evidence[:1]),
        Outcome("refusal_bodies[kid_unknown]", GENERIC, html, False, DIFFERS, evidence=evidence),
        Outcome("refusal_bodies[password_invalid]", GENERIC, GENERIC, True, MATCH),
        Outcome("rotate_refresh_token", False, None, None, UNDECIDED, "spec defect: no refresh_token"),
        Outcome("token_scope_from_app_mapping", False, None, None, SKIPPED, "opt-in", skip="opt-in"),
    ])


def test_the_profile_holds_only_what_differs() -> None:
    assert profile_document(report()) == {
        "instance": "https://dev12345.service-now.com", "release": None, "date": "2026-05-01",
        "settings": {"accept_token_url_aud": True,
                     "refusal_bodies": {"kid_unknown": {"status": 401, "content_type": "text/html",
                                                        "body": "<html>no</html>"}}}}


def test_the_table() -> None:
    lines = report().render(width=120).splitlines()
    assert lines[0] == "snjwt-mock probe: https://dev12345.service-now.com (release not readable), 2026-05-01"
    rows = {line.split()[0]: line for line in lines[3:] if line and not line.startswith(" ")}
    assert rows["check_iat"].split() == ["check_iat", "false", "false", "match"]
    assert rows["accept_token_url_aud"].split() == ["accept_token_url_aud", "false", "true", "DIFFERS"]
    assert rows["refusal_bodies[kid_unknown]"].endswith("  401 html <html>no</html>      DIFFERS")
    assert rows["rotate_refresh_token"].endswith("-                             undecided")
    assert rows["token_scope_from_app_mapping"].endswith("skipped: opt-in")
    text = "\n".join(lines)
    assert "    why: spec defect: no refresh_token" in text
    assert ("    - POST /oauth_token.do, an unknown kid: 401 text/html <html>no</html>\n"
            "    syslog: [kid_unknown] header kid 'x' matches none") in text
    assert "6 probes: 2 match, 2 differ, 1 undecided, 1 skipped" in text
    assert report().exit_status == 1
