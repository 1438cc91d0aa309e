"""snjwt-mock serve's access log, --quiet, --version and --port: the command line around the server."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests

from tests.helpers import start_serve, url_of

SNJWT_MOCK = [sys.executable, "-m", "mock_instance"]


def stopped(process: subprocess.Popen[str]) -> str:
    process.terminate()
    out, err = process.communicate(timeout=30)
    assert "Traceback" not in err
    return out


def test_serve_prints_an_access_log_line_per_request() -> None:
    process, lines = start_serve()
    try:
        url = url_of(lines)
        assert requests.get(f"{url}/api/now/table/incident", auth=("admin", "admin")).status_code == 200
        requests.post(f"{url}/oauth_token.do", data={"client_id": "abc", "client_secret": "Sentinel-s3cret"})
        requests.get(f"{url}/oauth_revoke_token.do?token=Sentinel-token")
    finally:
        out = stopped(process)
    assert lines[-1].startswith("snjwt-mock: ready")  # the log follows the start lines, which stay as they were
    logged = [line for line in out.splitlines() if "->" in line]
    assert len(logged) == 3, out
    assert logged[0].endswith(")") and "127.0.0.1 GET /api/now/table/incident -> 200 (admin, " in logged[0]
    assert "POST /oauth_token.do -> 401 [grant_type_unsupported] (client_id abc, " in logged[1]
    assert "GET /oauth_revoke_token.do?token=*** -> 200 (anonymous, " in logged[2]
    assert "Sentinel" not in out
    assert out.rstrip().endswith("snjwt-mock: stopped")


def test_quiet_prints_no_access_log() -> None:
    process, lines = start_serve("--quiet")
    try:
        requests.get(f"{url_of(lines)}/api/now/table/incident")
    finally:
        out = stopped(process)
    assert "->" not in out and "stopped" in out


def test_a_reader_that_stops_reading_never_stalls_the_server() -> None:
    # start_serve reads up to 'ready' and no further, as a script that wants the URL does: the pipe fills.
    process, lines = start_serve()
    try:
        url = url_of(lines)
        with requests.Session() as session:
            statuses = {session.get(f"{url}/api/now/table/incident/{'x' * 200}", timeout=10).status_code
                        for _ in range(1500)}  # ~400 KB of access log, far past a pipe's buffer
        assert statuses == {401}
    finally:
        process.kill()
        process.communicate(timeout=30)


def test_version() -> None:
    from importlib.metadata import version

    result = subprocess.run([*SNJWT_MOCK, "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == f"snjwt-mock {version('pytest-snjwt')}"


@pytest.mark.parametrize("port", ["-1", "65536", "http"])
def test_serve_validates_the_port(port: str) -> None:
    result = subprocess.run([*SNJWT_MOCK, "serve", "--port", port], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "is not a port number (1-65535, or 0 for a free one)" in result.stderr
