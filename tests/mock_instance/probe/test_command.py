"""``snjwt-mock probe``: its interface for scripts (exit status, ``--json``, ``--write-profile``) and its refusals."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mock_instance import read_profile
from mock_instance.cli import main
from tests.helpers import serving
from tests.test_secrets import SENTINEL_PASSWORD, assert_clean

from .standins import counts, set_args


def run_command(*args: str, password: str = SENTINEL_PASSWORD, state: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SNJWT_ADMIN_USER": "admin", "SNJWT_ADMIN_PASSWORD": password, "SNJWT_STATE_DIR": str(state)}
    return subprocess.run([sys.executable, "-m", "mock_instance", "probe", "--gap", "0", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def test_json_exit_status_and_profile(tmp_path: Path) -> None:
    settings = set_args({"accept_token_url_aud": True, "expiry_interval_default": 120})
    with serving("--admin-password", SENTINEL_PASSWORD, *settings) as (url, _):
        before = counts(url, SENTINEL_PASSWORD)
        result = run_command("--instance", url, "--json", "--write-profile", str(tmp_path / "p.json"), state=tmp_path)
        assert counts(url, SENTINEL_PASSWORD) == before
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)  # stdout is exactly one JSON document
    assert (document["instance"], document["exit_status"], document["left"]) == (url, 1, [])
    probes = {entry["setting"]: entry for entry in document["probes"]}
    assert {"setting", "mock", "instance", "match"} <= set(probes["check_iat"])
    assert {key: probes["accept_token_url_aud"][key] for key in ("mock", "instance", "match", "status")} == {
        "mock": False, "instance": True, "match": False, "status": "differs"}
    assert (probes["check_iat"]["instance"], probes["check_iat"]["match"]) == (False, True)
    opt_in = probes["token_scope_from_app_mapping"]
    assert (opt_in["instance"], opt_in["match"], opt_in["skip"]) == (None, None, "opt-in")
    assert f"wrote {tmp_path / 'p.json'}: 2 setting(s) differ" in result.stderr
    assert dict(read_profile(tmp_path / "p.json").settings) == {"accept_token_url_aud": True,
                                                                "expiry_interval_default": 120}
    assert_clean(result.stdout + result.stderr, SENTINEL_PASSWORD)
    # The same instance as the profile's mock: every probe that ran matches, exit status 0, and the table.
    with serving("--admin-password", SENTINEL_PASSWORD, *settings) as (url, _):
        again = run_command("--instance", url, "--profile", str(tmp_path / "p.json"), state=tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "accept_token_url_aud " in again.stdout and " 0 differ, 0 undecided" in again.stdout
    assert_clean(again.stdout + again.stderr, SENTINEL_PASSWORD)


def test_sigterm_tears_down_and_exits_2(tmp_path: Path) -> None:
    with serving() as (url, _):
        before = counts(url)
        env = {**os.environ, "SNJWT_ADMIN_USER": "admin", "SNJWT_ADMIN_PASSWORD": "admin",
               "SNJWT_STATE_DIR": str(tmp_path)}
        process = subprocess.Popen([sys.executable, "-m", "mock_instance", "probe", "--instance", url, "--gap", "3"],
                                   env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while not list(tmp_path.glob("*.jsonl")) and time.monotonic() < deadline:  # the first record exists
            time.sleep(0.01)
        process.send_signal(signal.SIGTERM)  # a CI job cancelled
        out, err = process.communicate(timeout=60)
        assert counts(url) == before
    assert process.returncode == 2 and "snjwt-mock probe: interrupted (Ctrl-C or SIGTERM); everything it made was deleted" in err and out == ""
    assert not list(tmp_path.glob("*.jsonl"))


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def admin_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("SNJWT_ADMIN_USER", "admin")
    monkeypatch.setenv("SNJWT_ADMIN_PASSWORD", "admin")
    monkeypatch.setenv("SNJWT_STATE_DIR", str(tmp_path))
    monkeypatch.delenv("SNJWT_INSTANCE", raising=False)
    return tmp_path


@pytest.mark.parametrize(("args", "said"), [
    (["--instance", f"http://127.0.0.1:{closed_port()}"], "cannot reach 127.0.0.1 (ConnectionError): check SNJWT_INSTANCE"),
    (["--instance", "http://example.com"], "refusing plain http:// to example.com"),
    ([], "give the instance URL (--instance URL, or SNJWT_INSTANCE)"),
    (["--instance", "https://x.invalid", "--profile", "/nowhere.json"], "cannot read the profile /nowhere.json"),
])
def test_cannot_run_is_exit_status_2(admin_env: Path, capsys: pytest.CaptureFixture[str], args: list[str],
                                     said: str) -> None:
    assert main(["probe", *args]) == 2
    captured = capsys.readouterr()
    assert said in captured.err and captured.out == ""


def test_wrong_credentials_change_nothing(admin_env: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SNJWT_ADMIN_PASSWORD", "not-the-password")
    with serving() as (url, _):
        before = counts(url)
        assert main(["probe", "--instance", url]) == 2
        assert counts(url) == before
    err = capsys.readouterr().err
    assert "refused the admin credentials (HTTP 401): check SNJWT_ADMIN_USER and SNJWT_ADMIN_PASSWORD" in err
    assert "not-the-password" not in err and not list(admin_env.glob("*.jsonl"))


def test_no_credentials_is_exit_status_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("SNJWT_ADMIN_PASSWORD", raising=False)
    assert main(["probe", "--instance", "https://dev12345.service-now.com"]) == 2
    assert "set SNJWT_ADMIN_USER and SNJWT_ADMIN_PASSWORD" in capsys.readouterr().err


def test_list_names_every_probe(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["probe", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("accept_kidless_single_map: J: a good assertion without kid")
    assert "token_scope_from_app_mapping (opt-in): CC" in "\n".join(lines)
    assert any(line.startswith("authorize_returns_pending_code (needs a session): AC") for line in lines)
