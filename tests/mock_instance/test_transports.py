"""Three ways in, one state: WSGI, in-process for requests, and a real HTTP(S) server."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import pytest
import requests
import responses
from werkzeug.test import Client

from mock_instance import MockInstance, ServerCrashed
from tests.helpers import start_serve

BASE = "https://dev12345.service-now.com"


def test_all_ways_share_one_state(instance: MockInstance) -> None:
    instance.insert("incident", {"short_description": "from python"})
    with instance.intercept(BASE), instance.serve() as server:
        requests.post(f"{BASE}/api/now/table/incident", json={"short_description": "in-process"},
                      auth=("admin", "admin"))
        requests.post(f"{server.url}/api/now/table/incident", json={"short_description": "socket"},
                      auth=("admin", "admin"))
        wsgi = Client(instance).get("/api/now/table/incident?sysparm_fields=short_description",
                                    headers={"Authorization": "Basic YWRtaW46YWRtaW4="})
    assert [r["short_description"] for r in wsgi.get_json()["result"]] == ["from python", "in-process", "socket"]


def test_intercept_serves_only_its_base_url(instance: MockInstance) -> None:
    with instance.intercept(BASE) as site:
        assert site.url == BASE
        assert site.serves(BASE + "/x") and site.serves("https://DEV12345.service-now.com:443/")
        assert not site.serves("https://dev12345.service-now.com.evil.test/")
        assert not site.serves("http://dev12345.service-now.com/")
        assert requests.get(f"{BASE}/api/now/table/incident").status_code == 401
        with pytest.raises(requests.ConnectionError):
            requests.get("http://127.0.0.1:9/nothing-listens-here", timeout=2)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{BASE}/api/now/table/incident", timeout=2)


@pytest.mark.parametrize("order", ["ours first", "theirs first"])
def test_a_tests_own_responses_mock_keeps_working(instance: MockInstance, order: str) -> None:
    theirs = responses.RequestsMock()
    theirs.add(responses.GET, "https://api.example.test/thing", json={"mocked": True})
    ours = instance.intercept(BASE)
    first, second = (ours, theirs) if order == "ours first" else (theirs, ours)
    with first, second:
        assert requests.get("https://api.example.test/thing").json() == {"mocked": True}
        assert requests.get(f"{BASE}/api/now/table/incident", auth=("admin", "admin")).status_code == 200
        # the user's mock still refuses what it doesn't know, as it always did
        with pytest.raises(requests.ConnectionError):
            requests.get("https://other.example.test/")
        assert [c.request.url for c in theirs.calls] == ["https://api.example.test/thing", "https://other.example.test/"]


def test_decorator_style_responses(instance: MockInstance) -> None:
    @responses.activate
    def inner() -> int:
        responses.add(responses.GET, "https://api.example.test/x", status=418)
        assert requests.get("https://api.example.test/x").status_code == 418
        return requests.get(f"{BASE}/api/now/table/incident", auth=("admin", "admin")).status_code

    with instance.intercept(BASE):
        assert inner() == 200


def test_intercept_with_a_port_and_http(instance: MockInstance) -> None:
    with instance.intercept("http://mock.test:8080") as site:
        assert site.url == "http://mock.test:8080"
        assert requests.get("http://mock.test:8080/api/now/table/incident", auth=("admin", "admin")).ok
        with pytest.raises(requests.ConnectionError):
            requests.get("http://mock.test:8081/api/now/table/incident", timeout=2)


def test_crash_inside_the_mock_reaches_the_test(instance: MockInstance, monkeypatch: pytest.MonkeyPatch) -> None:
    from mock_instance.web import table_api

    def boom(*args: object) -> None:
        raise ZeroDivisionError("bug")

    monkeypatch.setattr(table_api, "list_records", boom)
    with pytest.raises(ServerCrashed) as info:
        with instance.intercept(BASE):
            assert requests.get(f"{BASE}/api/now/table/incident", auth=("admin", "admin")).status_code == 500
    assert isinstance(info.value.__cause__, ZeroDivisionError)
    assert instance.errors == []


@pytest.mark.parametrize("tls", [False, True])
def test_real_server(instance: MockInstance, tls: bool) -> None:
    with instance.serve(tls=tls) as server:
        assert re.fullmatch(rf"{'https' if tls else 'http'}://127\.0\.0\.1:\d+", server.url)
        response = requests.post(f"{server.url}/api/now/table/incident", json={"short_description": "x"},
                                 auth=("admin", "admin"), verify=server.ca_file if tls else True)
        assert response.status_code == 201
        assert response.headers["Location"].startswith(server.url + "/api/now/table/incident/")
        if tls:
            with pytest.raises(requests.exceptions.SSLError):
                requests.get(server.url + "/api/now/table/incident")  # self-signed: unverified by default
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{server.url}/api/now/table/incident", timeout=2, verify=False)


def test_server_crash_is_raised_at_stop(instance: MockInstance, monkeypatch: pytest.MonkeyPatch) -> None:
    from mock_instance.web import table_api

    monkeypatch.setattr(table_api, "get_record", lambda *a: 1 / 0)
    server = instance.serve()
    assert requests.get(f"{server.url}/api/now/table/incident/x", auth=("admin", "admin")).status_code == 500
    with pytest.raises(ServerCrashed):
        server.stop()


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_cli_serve_prints_flushes_and_stops_cleanly(stop: signal.Signals) -> None:
    process, lines = start_serve("--tls", "--admin-password", "s3cr3t-pw")
    try:
        url = re.search(r"instance URL (https://127\.0\.0\.1:\d+)", "\n".join(lines)).group(1)  # type: ignore[union-attr]
        assert any("admin user admin" in line for line in lines)
        ca = re.search(r"TLS certificate (\S+)", "\n".join(lines)).group(1)  # type: ignore[union-attr]
        assert requests.get(f"{url}/api/now/table/incident", auth=("admin", "s3cr3t-pw"), verify=ca).status_code == 200
    finally:
        process.send_signal(stop)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "stopped" in out
    assert "s3cr3t-pw" not in "\n".join(lines) + out + err
    assert "Traceback" not in err


def test_cli_refuses_bad_settings() -> None:
    result = subprocess.run([sys.executable, "-m", "mock_instance", "serve", "--set", "no_such=1"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "unknown setting 'no_such'" in result.stderr


def test_cli_settings_are_applied() -> None:
    process, lines = start_serve("--set", "accept_pysnc_header=true", "--set", "rest_body_limit=5")
    try:
        url = re.search(r"instance URL (http://\S+)", "\n".join(lines)).group(1)  # type: ignore[union-attr]
        response = requests.post(f"{url}/api/now/table/incident", data=b'{"a": 1}', auth=("admin", "admin"))
        assert response.status_code == 400 and "exceeds the limit of 5" in response.json()["error"]["detail"]
    finally:
        process.terminate()
        process.communicate(timeout=30)


def test_console_script_is_installed() -> None:
    script = os.path.join(os.path.dirname(sys.executable), "snjwt-mock")
    result = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "serve" in result.stdout
