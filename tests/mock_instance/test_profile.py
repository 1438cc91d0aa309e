"""Settings profiles (docs/platform.md §13): read and checked, loaded by MockInstance and serve, written the same way."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests

from mock_instance import MockInstance, ProfileError, Settings, read_profile
from mock_instance.platform.profile import DEFAULT_REFUSAL_REPLY, parse_profile, settings_document
from mock_instance.platform.settings import Reply
from tests.helpers import serving

HTML_REPLY = {"status": 400, "content_type": "text/html", "body": "<html><body>no</body></html>"}
BINARY_REPLY = {"status": 401, "content_type": "application/octet-stream", "body_base64": "//79AA=="}


def profile(settings: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"instance": "https://dev12345.service-now.com", "release": "glide-xanadu-07-02-2024", "date": "2026-05-01",
            "settings": settings, **top}


def write(tmp_path: Path, document: Any) -> Path:
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(document) if not isinstance(document, str) else document)
    return path


def test_a_profile_loads_into_the_mock(tmp_path: Path) -> None:
    path = write(tmp_path, profile({"accept_token_url_aud": True, "expiry_interval_default": 120,
                                    "refusal_bodies": {"user_not_found": HTML_REPLY, "kid_unknown": BINARY_REPLY},
                                    "revoke_responses": {"unknown": {"status": 400, "content_type": None, "body": ""}}}))
    instance = MockInstance(profile=path)
    settings = instance.settings
    assert (settings.accept_token_url_aud, settings.expiry_interval_default) == (True, 120)
    assert dict(settings.refusal_bodies) == {"user_not_found": Reply(400, "text/html", HTML_REPLY["body"].encode()),
                                             "kid_unknown": Reply(401, "application/octet-stream", b"\xff\xfe\xfd\x00")}
    assert dict(settings.revoke_responses) == {"known": Reply(200), "unknown": Reply(400)}
    assert instance.profile is not None and instance.profile.release == "glide-xanadu-07-02-2024"
    assert instance.profile.describe() == ("https://dev12345.service-now.com, release glide-xanadu-07-02-2024, "
                                           "probed 2026-05-01: 4 setting(s)")
    # Keyword settings win over the profile; the profile's other settings stay.
    other = MockInstance(profile=str(path), accept_token_url_aud=False)
    assert (other.settings.accept_token_url_aud, other.settings.expiry_interval_default) == (False, 120)
    # reset() returns to the profile's settings, not to the defaults.
    instance.configure(expiry_interval_default=5)
    instance.reset()
    assert instance.settings.expiry_interval_default == 120


def test_an_empty_profile_is_the_defaults(tmp_path: Path) -> None:
    assert MockInstance(profile=write(tmp_path, profile({}, release=None))).settings == Settings()


@pytest.mark.parametrize(("document", "message"), [
    ("{not json", "not JSON"),
    ([1, 2], "a profile is a JSON object"),
    ({"instance": "x", "settings": {}}, r"missing key\(s\) \['date'\]"),
    (profile({}, extra=1), r"unknown key\(s\) \['extra'\]"),
    (profile({}, release=5), "'release' is a string or null"),
    (profile([]), "'settings' is a JSON object"),
    (profile({"no_such_setting": True}), "this mock has no setting 'no_such_setting'"),
    (profile({"check_iat": "true"}), "setting 'check_iat': expected a JSON boolean"),
    (profile({"cleanup_interval": True}), "setting 'cleanup_interval': expected a JSON whole number"),
    (profile({"cleanup_interval": 60.5}), "setting 'cleanup_interval': expected a JSON whole number"),
    (profile({"refusal_bodies": {"no_such_reason": HTML_REPLY}}), r"unknown key\(s\) \['no_such_reason'\]"),
    (profile({"refusal_bodies": {"kid_unknown": {"status": 99, "body": ""}}}), "HTTP status code"),
    (profile({"refusal_bodies": {"kid_unknown": {**HTML_REPLY, "body_base64": "AA=="}}}), "not both"),
    (profile({"refusal_bodies": {"kid_unknown": {"status": 401, "body_base64": "!!"}}}), "not base64"),
    (profile({"revoke_responses": "200"}), "a JSON object of recorded replies"),
])
def test_a_bad_profile_is_refused_naming_the_file(tmp_path: Path, document: Any, message: str) -> None:
    path = write(tmp_path, document)
    with pytest.raises(ProfileError, match=message) as raised:
        MockInstance(profile=path)
    assert str(path) in str(raised.value)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match=r"cannot read the profile .*nowhere\.json"):
        read_profile(tmp_path / "nowhere.json")


def test_the_settings_document_round_trips() -> None:
    binary = {"status": 401, "content_type": "application/octet-stream", "body": b"\xff"}
    settings = Settings().replace(check_iat=True, cleanup_interval=60, refusal_bodies={"kid_unknown": binary})
    document = settings_document(settings)
    assert set(document) == set(Settings.names())
    # Every reason the mock answers with a fixed reply is spelled out; the recorded one is kept as recorded.
    assert document["refusal_bodies"]["password_invalid"] == {
        "status": 401, "content_type": "application/json;charset=UTF-8",
        "body": '{"error_description":"access_denied","error":"server_error"}'}
    assert document["refusal_bodies"]["kid_unknown"] == {"status": 401, "content_type": "application/octet-stream",
                                                         "body_base64": "/w=="}
    assert "code_challenge_mismatch" not in document["refusal_bodies"]  # computed per request (§10.4)
    loaded = Settings().replace(**parse_profile(profile(json.loads(json.dumps(document)))).settings)
    assert settings_document(loaded) == document
    assert loaded.refusal_bodies["password_invalid"] == DEFAULT_REFUSAL_REPLY


def test_serve_loads_a_profile(tmp_path: Path) -> None:
    path = write(tmp_path, profile({"refusal_bodies": {"client_unknown": HTML_REPLY}}))
    with serving("--profile", str(path), "--set", "check_iat=true") as (url, lines):
        assert (f"snjwt-mock: settings from the profile {path} (https://dev12345.service-now.com, release "
                "glide-xanadu-07-02-2024, probed 2026-05-01: 1 setting(s))") in lines
        answer = requests.post(f"{url}/oauth_token.do", data={"grant_type": "password", "client_id": "nobody"})
        assert (answer.status_code, answer.headers["Content-Type"], answer.text) == (400, "text/html", HTML_REPLY["body"])


def test_serve_refuses_a_bad_profile_in_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, profile({"check_iat": 1}))
    result = subprocess.run([sys.executable, "-m", "mock_instance", "serve", "--port", "0", "--profile", str(path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert result.stderr.strip() == f"snjwt-mock: {path}: setting 'check_iat': expected a JSON boolean, not 1"
