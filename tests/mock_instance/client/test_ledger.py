"""The ledger of created records: durable per line, torn lines tolerated, no secrets, one file per run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mock_instance.client.ledger import Ledger, default_folder, instance_key

URL = "https://dev12345.service-now.com"
IDS = [f"{i:032x}" for i in range(1, 6)]


def test_record_entries_forget_and_the_file_goes_when_empty(tmp_path: Path) -> None:
    ledger = Ledger.open(URL, "snjwt-abc123-", tmp_path)
    first = ledger.record("sys_certificate", IDS[0])
    ledger.record("oauth_jwt", IDS[1])
    assert (first.table, first.sys_id, first.run, first.instance) == ("sys_certificate", IDS[0], "snjwt-abc123-", URL)
    assert first.created_at.endswith("+00:00")
    assert [(e.table, e.sys_id) for e in ledger.entries()] == [("sys_certificate", IDS[0]), ("oauth_jwt", IDS[1])]
    ledger.forget("oauth_jwt", IDS[1])
    assert [e.sys_id for e in ledger.entries()] == [IDS[0]]
    assert ledger.path.exists()
    ledger.forget("sys_certificate", IDS[0])
    assert ledger.entries() == [] and not ledger.path.exists()
    ledger.forget("sys_certificate", IDS[0])  # forgetting twice (a delete retried) is harmless


def test_each_line_is_on_disk_when_record_returns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    ledger = Ledger.open(URL, "run-", tmp_path)
    ledger.record("sys_user", IDS[0])
    assert len(synced) >= 1
    assert json.loads(ledger.path.read_text().splitlines()[0])["sys_id"] == IDS[0]


def test_survives_sigkill_right_after_a_record(tmp_path: Path) -> None:
    script = textwrap.dedent(f"""
        import os, signal
        from mock_instance.client.ledger import Ledger
        ledger = Ledger.open({URL!r}, "killed-run-", {str(tmp_path)!r})
        ledger.record("oauth_jwt", {IDS[0]!r})
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert result.returncode == -signal.SIGKILL
    assert [(e.run, e.table, e.sys_id) for e in Ledger.leftovers(tmp_path)] == [("killed-run-", "oauth_jwt", IDS[0])]


def test_a_torn_last_line_is_skipped_and_the_next_write_stays_whole(tmp_path: Path) -> None:
    ledger = Ledger.open(URL, "torn-", tmp_path)
    ledger.record("sys_user", IDS[0])
    with open(ledger.path, "ab") as f:
        f.write(b'{"op":"created","table":"oauth_jwt","sys_id":"' + IDS[1][:10].encode())  # killed mid-write
    assert [e.sys_id for e in ledger.entries()] == [IDS[0]]
    ledger.record("jwt_provider", IDS[2])
    assert [e.sys_id for e in Ledger.open(URL, "torn-", tmp_path).entries()] == [IDS[0], IDS[2]]


def test_leftovers_of_every_run_and_by_instance(tmp_path: Path) -> None:
    one = Ledger.open(URL, "run-one-", tmp_path)
    two = Ledger.open("https://other.service-now.com/", "run-two-", tmp_path)
    one.record("sys_user", IDS[0])
    two.record("oauth_jwt", IDS[1])
    one.record("sys_certificate", IDS[2])
    assert [(e.run, e.sys_id) for e in Ledger.leftovers(tmp_path)] == [
        ("run-one-", IDS[0]), ("run-one-", IDS[2]), ("run-two-", IDS[1])]
    assert [e.sys_id for e in Ledger.leftovers(tmp_path, instance=URL + "/")] == [IDS[0], IDS[2]]
    assert Ledger.leftovers(tmp_path / "missing") == []
    # A cleanup command continues an earlier run's file to strike off what it deleted.
    Ledger.open("https://other.service-now.com", "run-two-", tmp_path).forget("oauth_jwt", IDS[1])
    assert not two.path.exists()


def test_no_secret_reaches_the_file(tmp_path: Path) -> None:
    ledger = Ledger.open("https://admin:Sentinel-pw-77@dev12345.service-now.com/?token=x", "run-", tmp_path)
    ledger.record("oauth_jwt", IDS[0])
    text = ledger.path.read_text()
    assert "Sentinel" not in text and "admin" not in text and "token" not in text
    assert ledger.instance == URL
    token = "A" * 86
    with pytest.raises(ValueError, match="not a sys_id"):
        ledger.record("oauth_credential", token)
    assert token not in ledger.path.read_text()


@pytest.mark.parametrize("prefix", ["../escape", "a/b", "", ".hidden", "x" * 200])
def test_a_run_prefix_cannot_leave_the_folder(tmp_path: Path, prefix: str) -> None:
    with pytest.raises(ValueError, match="run prefix"):
        Ledger.open(URL, prefix, tmp_path)


def test_bad_table_names_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="table"):
        Ledger.open(URL, "run-", tmp_path).record("sys_user/../x", IDS[0])


def test_the_default_folder_is_a_per_user_state_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    assert default_folder({"SNJWT_STATE_DIR": "/x/state", "XDG_STATE_HOME": "/y"}) == Path("/x/state")
    assert default_folder({"XDG_STATE_HOME": "/y"}) == Path("/y/snjwt")
    monkeypatch.setattr(sys, "platform", "win32")
    assert default_folder({"LOCALAPPDATA": "C:/Users/u/AppData/Local"}) == Path("C:/Users/u/AppData/Local/snjwt")
    monkeypatch.setattr(sys, "platform", "linux")
    assert default_folder({}) == Path.home() / ".local" / "state" / "snjwt"


def test_open_uses_the_environment_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SNJWT_STATE_DIR", str(tmp_path / "state"))
    ledger = Ledger.open(URL, "env-run-", None)
    ledger.record("sys_user", IDS[0])
    assert ledger.path.parent == tmp_path / "state"
    assert oct((tmp_path / "state").stat().st_mode & 0o777) == oct(0o700)
    assert oct(ledger.path.stat().st_mode & 0o777) == oct(0o600)


def test_instance_key() -> None:
    assert instance_key("HTTPS://Dev1.Service-Now.com:443/") == "https://dev1.service-now.com"
    assert instance_key("http://[::1]:8080/x/") == "http://[::1]:8080/x"
