"""Live mode against stand-ins for a real instance: safe, clean, and clear when it fails (#10).

The stand-ins are ``snjwt-mock serve`` processes and in-process servers that
behave like the platform where it hurts: one ignores query conditions on the
columns the mock had to guess, and returns every row.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from argparse import Namespace
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from mock_instance import MockInstance
from mock_instance.cli import cleanup
from mock_instance.client import Ledger, Provisioner, TableClient, Variant, make_keystore
from tests.helpers import serving

from .standin import IgnoredFields, StandInServer
from .test_live import CHAIN_TABLES, LIVE_TESTS, counts, leftovers

ADMIN_PASSWORD = "s3cret-Admin-Passw0rd-for-the-live-tests"
ADMIN_ENV = {"SNJWT_ADMIN_USER": "admin", "SNJWT_ADMIN_PASSWORD": ADMIN_PASSWORD}


@pytest.fixture(scope="module")
def instance_url() -> Iterator[str]:
    with serving("--admin-password", ADMIN_PASSWORD) as (url, _):
        yield url


@pytest.fixture
def admin(instance_url: str) -> Iterator[TableClient]:
    with requests.Session() as session:
        session.auth = ("admin", ADMIN_PASSWORD)
        yield TableClient(session, instance_url)


@pytest.fixture
def live_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ADMIN_ENV.items():
        monkeypatch.setenv(name, value)


def ledger_entries() -> list[str]:
    return [f"{e.table} {e.sys_id}" for e in Ledger.leftovers(os.environ["SNJWT_STATE_DIR"])]


# -- nothing is touched that the run did not create ---------------------------------------------


def test_a_run_against_a_standin_that_ignores_guessed_columns(pytester: pytest.Pytester, live_env: None) -> None:
    instance = MockInstance(admin_password=ADMIN_PASSWORD)
    # Unrelated records, first: another team's JWT provider (and its claims), another app's token.
    other = Provisioner(_direct(instance), "other-team-", lambda _alg: make_keystore())
    with instance.intercept("https://seed.snjwt.test"):
        other.provision(Variant())
    instance.insert("oauth_credential", {"token": "someone-elses-token", "type": "access_token",
                                         "expires": "2099-01-01 00:00:00", "scopes": "scope of theirs"})
    before = _everything(instance)
    standin = IgnoredFields(instance, {("jwt_claim_validation", "jwt_provider"), ("oauth_credential", "peer")})
    with StandInServer(standin) as server:
        pytester.makepyfile(test_live=LIVE_TESTS)
        result = pytester.runpytest("--snjwt-live", "--snjwt-instance", server.url, "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=2, skipped=1)
    after = _everything(instance)
    assert {t: after[t] for t in before if t != "syslog"} == {t: before[t] for t in before if t != "syslog"}
    assert ledger_entries() == []
    result.stdout.fnmatch_lines(["snjwt: deleted * record(s) this run (snjwt-*) created on http://127.0.0.1:*"])


def _direct(instance: MockInstance) -> TableClient:
    session = requests.Session()
    session.auth = ("admin", ADMIN_PASSWORD)
    return TableClient(session, "https://seed.snjwt.test")


def _everything(instance: MockInstance) -> dict[str, list[tuple[str, ...]]]:
    """Every record of the chain's tables and incidents, with the fields that matter, as sorted tuples."""
    tables = (*CHAIN_TABLES, "incident", "syslog")
    return {t: sorted(tuple(sorted(r.items())) for r in instance.query(t)) for t in tables}


# -- teardown: SIGTERM like Ctrl-C, SIGKILL leaves a ledger that the cleanup command reads ------

SLOW_TEST = '''
import os, time
def test_waits(snjwt_session):
    assert snjwt_session.post("/api/now/table/incident", json={"short_description": "mid-run"}).status_code == 201
    open(os.environ["SNJWT_TEST_STARTED"], "w").close()
    time.sleep(60)
'''


def _start_slow_run(pytester: pytest.Pytester, url: str, tmp_path: Path) -> tuple[subprocess.Popen[str], Path]:
    started = tmp_path / "started"
    pytester.makepyfile(test_slow=SLOW_TEST)
    env = {**os.environ, **ADMIN_ENV, "SNJWT_TEST_STARTED": str(started)}
    process = subprocess.Popen([sys.executable, "-m", "pytest", "--snjwt-live", "--snjwt-instance", url,
                                "-p", "no:cacheprovider", "-q"], cwd=pytester.path, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while not started.exists():
        assert process.poll() is None, process.communicate()[0]
        assert time.monotonic() < deadline, "the live run never reached its test"
        time.sleep(0.05)
    return process, started


def test_sigterm_mid_run_tears_down_like_ctrl_c(pytester: pytest.Pytester, instance_url: str, admin: TableClient,
                                                tmp_path: Path) -> None:
    incidents = len(admin.query("incident", "", "sys_id"))
    process, _ = _start_slow_run(pytester, instance_url, tmp_path)
    assert ledger_entries(), "records are in the ledger while the run holds them"
    process.send_signal(signal.SIGTERM)
    output = process.communicate(timeout=60)[0]
    assert process.returncode == pytest.ExitCode.INTERRUPTED, output
    assert leftovers(admin) == [] and ledger_entries() == []
    assert len(admin.query("incident", "", "sys_id")) == incidents, "the test's own incident is gone too"
    assert "snjwt: deleted" in output and ADMIN_PASSWORD not in output


def test_sigkill_leaves_a_ledger_that_cleanup_empties(pytester: pytest.Pytester, instance_url: str,
                                                     admin: TableClient, tmp_path: Path) -> None:
    process, _ = _start_slow_run(pytester, instance_url, tmp_path)
    process.kill()
    process.communicate(timeout=30)
    left = ledger_entries()
    assert leftovers(admin) and any(entry.startswith("oauth_jwt ") for entry in left)
    assert any(entry.startswith("incident ") for entry in left), "what the test made is in the ledger too"
    env = {**os.environ, **ADMIN_ENV}
    done = subprocess.run([sys.executable, "-m", "mock_instance", "cleanup", "--instance", instance_url],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"deleted {len(left)} of {len(left)}" in done.stdout
    assert leftovers(admin) == [] and ledger_entries() == []


def test_records_found_by_prefix_are_deleted_only_on_a_typed_yes(instance_url: str, admin: TableClient,
                                                                 live_env: None) -> None:
    # Another machine's run: no ledger here knows these records.
    Provisioner(admin, "snjwt-0a1b2c-", lambda _alg: make_keystore()).provision(Variant())
    before = counts(admin)
    said: list[str] = []
    args = Namespace(instance=instance_url, state_dir=None, find_prefixed=True)
    assert cleanup.run(args, ask=lambda _question: "n", say=said.append) == 1
    assert counts(admin) == before and any("oauth_jwt" in line and "snjwt-0a1b2c-1 app" in line for line in said)
    assert cleanup.run(args, ask=lambda _question: "y", say=said.append) == 0
    assert leftovers(admin) == []


# -- clear at the start, not per test ------------------------------------------------------------

@pytest.mark.parametrize(("env", "message"), [
    ({"SNJWT_ADMIN_PASSWORD": "wrong"}, "refused the admin credentials (HTTP 401): check SNJWT_ADMIN_USER and"),
    ({"SNJWT_ADMIN_USER": "abel.tuter", "SNJWT_ADMIN_PASSWORD": "abel-password"},
     "'abel.tuter' may not read sys_user_has_role (HTTP 403): it does not hold the 'admin' role"),
])
def test_preflight_names_what_to_fix_and_creates_nothing(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
                                                         instance_url: str, admin: TableClient,
                                                         env: dict[str, str], message: str) -> None:
    if not admin.query("sys_user", "user_name=abel.tuter", "sys_id,user_name"):
        admin.create("sys_user", {"user_name": "abel.tuter", "user_password": "abel-password"})
    for name, value in {**ADMIN_ENV, **env}.items():
        monkeypatch.setenv(name, value)
    before = counts(admin)
    pytester.makepyfile(test_live=LIVE_TESTS)
    result = pytester.runpytest("--snjwt-live", "--snjwt-instance", instance_url, "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert message in result.stderr.str() and "nothing was created" in result.stderr.str()
    assert "Traceback" not in result.stderr.str() + result.stdout.str()
    assert counts(admin) == before and ledger_entries() == []


def test_preflight_unreachable_and_hung_instances_fail_fast(pytester: pytest.Pytester, live_env: None,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makepyfile(test_live=LIVE_TESTS)
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    result = pytester.runpytest("--snjwt-live", "--snjwt-instance", f"http://127.0.0.1:{port}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR and "cannot reach 127.0.0.1" in result.stderr.str()
    # Accepts connections and never answers: the read timeout ends it, with a message.
    monkeypatch.setenv("SNJWT_READ_TIMEOUT", "1")
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(8)
        started = time.monotonic()
        result = pytester.runpytest("--snjwt-live", "--snjwt-instance", f"http://127.0.0.1:{hung.getsockname()[1]}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR and "did not answer in time" in result.stderr.str()
    assert time.monotonic() - started < 30


def test_a_preprovisioned_chain_that_cannot_get_a_token_stops_the_run(pytester: pytest.Pytester,
                                                                      monkeypatch: pytest.MonkeyPatch,
                                                                      instance_url: str, tmp_path: Path) -> None:
    keystore = make_keystore()
    (tmp_path / "client.p12").write_bytes(keystore.pkcs12)
    env = {"SNJWT_CLIENT_ID": "0" * 32, "SNJWT_CLIENT_SECRET": "not-the-secret", "SNJWT_USER": "u@example.com",
           "SNJWT_KEY_FILE": str(tmp_path / "client.p12"), "SNJWT_KEY_PASSWORD": "abcd1234"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    pytester.makepyfile(test_live=LIVE_TESTS)
    result = pytester.runpytest("--snjwt-live", "--snjwt-instance", instance_url)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "SNJWT_CLIENT_ID / SNJWT_CLIENT_SECRET are not the oauth_jwt app's" in result.stderr.str()
    for name, value, message in [("SNJWT_KEY_PASSWORD", "wrong", "wrong password"),
                                 ("SNJWT_KEY_ALIAS", "nosuchalias", "has no key 'nosuchalias'; it has")]:
        monkeypatch.setenv(name, value)
        result = pytester.runpytest("--snjwt-live", "--snjwt-instance", instance_url)
        assert result.ret == pytest.ExitCode.USAGE_ERROR and message in result.stderr.str(), result.stderr.str()
        assert len(result.stderr.str().strip().splitlines()) == 1
        monkeypatch.setenv(name, "abcd1234") if name == "SNJWT_KEY_PASSWORD" else monkeypatch.delenv(name)


# -- one variant failing fails its tests, not the run --------------------------------------------

BAD_MARKERS = '''
import pytest

@pytest.mark.snjwt(user_field="nosuchcolumn")
def test_bad_user_field(snjwt_token):
    pass

@pytest.mark.snjwt(roles=["no_such_role"])
def test_unknown_role(snjwt_token):
    pass

def test_the_rest_runs(snjwt_token):
    assert snjwt_token["token_type"] == "Bearer"
'''


def test_a_bad_marker_value_fails_that_test_alone_in_mock_mode(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(BAD_MARKERS)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)  # the mock makes a role it does not know
    result.stdout.fnmatch_lines(["*@pytest.mark.snjwt(user_field='nosuchcolumn'): the mock could not provision "
                                 "this chain: user_field 'nosuchcolumn' is not a sys_user column*"])


def test_a_bad_marker_value_fails_that_test_alone_live(pytester: pytest.Pytester, live_env: None,
                                                       instance_url: str, admin: TableClient) -> None:
    pytester.makepyfile(BAD_MARKERS)
    result = pytester.runpytest("--snjwt-live", "--snjwt-instance", instance_url, "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=2)
    result.stdout.fnmatch_lines(["*@pytest.mark.snjwt(roles=('no_such_role',)): the instance could not provision "
                                 "this chain: role 'no_such_role' does not exist on the instance*"])
    assert leftovers(admin) == [] and ledger_entries() == []


# -- xdist, and a connection dropped while provisioning, under -l ---------------------------------

def test_two_xdist_workers_provision_and_clean_up(pytester: pytest.Pytester, live_env: None, instance_url: str,
                                                  admin: TableClient) -> None:
    pytester.makepyfile(test_live=LIVE_TESTS)
    result = pytester.runpytest_subprocess("-n", "2", "--snjwt-live", "--snjwt-instance", instance_url,
                                           "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=2, skipped=1)
    assert result.stdout.str().count("snjwt: deleted") >= 1
    assert leftovers(admin) == [] and ledger_entries() == []


def test_a_connection_dropped_while_provisioning_fails_those_tests_cleanly(pytester: pytest.Pytester,
                                                                          live_env: None, instance_url: str,
                                                                          admin: TableClient) -> None:
    before = counts(admin)
    armed = requests.post(f"{instance_url}/snjwt-mock/faults", auth=("admin", ADMIN_PASSWORD),
                          json={"kind": "drop", "path": "/api/now/table/jwt_verifier_map", "count": 1})
    assert armed.status_code == 201, armed.text
    pytester.makepyfile('''
        def test_needs_a_chain(snjwt_token):
            pass
        def test_does_not(snjwt_instance):
            assert snjwt_instance.live
    ''')
    result = pytester.runpytest("--snjwt-live", "--snjwt-instance", instance_url, "-p", "no:cacheprovider",
                                "-l", "-vv", "--full-trace")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*the instance could not provision this chain*"])
    output = result.stdout.str() + result.stderr.str()
    basic = __import__("base64").b64encode(f"admin:{ADMIN_PASSWORD}".encode()).decode()
    assert ADMIN_PASSWORD not in output and basic not in output
    assert leftovers(admin) == [] and ledger_entries() == []
    assert counts(admin) == before, "the half-made chain is gone, its provider's claim rows included"
    assert json.loads(requests.get(f"{instance_url}/snjwt-mock/faults", auth=("admin", ADMIN_PASSWORD)).text
                      )["result"]["armed"] == []
