"""The plugin's httpx fixtures and the snjwt_fault marker, through pytester."""

from __future__ import annotations

import pytest

HTTPX_FIXTURES = '''
import socket
import httpx, pytest

@pytest.fixture(autouse=True)
def no_connect(monkeypatch):
    def refused(*args, **kwargs):
        raise AssertionError("a socket connect in an in-process test")
    monkeypatch.setattr(socket.socket, "connect", refused)
    monkeypatch.setattr(socket, "getaddrinfo", refused)

def test_sync(snjwt_httpx_client, snjwt_chain):
    created = snjwt_httpx_client.post("/api/now/table/incident", json={"short_description": "hi"})
    assert created.status_code == 201 and created.json()["result"]["sys_created_by"] == snjwt_chain.user_name
    assert snjwt_httpx_client.get("api/now/table/incident").json()["result"][0]["short_description"] == "hi"
    assert "Bearer" not in repr(snjwt_httpx_client.headers) or "[secure]" in repr(snjwt_httpx_client.headers)

@pytest.mark.anyio
async def test_async(snjwt_async_client):
    created = await snjwt_async_client.post("/api/now/table/incident", json={"short_description": "hi"})
    assert created.status_code == 201
    assert (await snjwt_async_client.get("/api/now/table/incident")).json()["result"][0]["short_description"] == "hi"

def test_each_test_starts_clean(snjwt_httpx_client):
    assert snjwt_httpx_client.get("/api/now/table/incident").json()["result"] == []
'''


def test_httpx_fixtures_in_process(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('import pytest\n\n@pytest.fixture\ndef anyio_backend():\n    return "asyncio"\n')
    pytester.makepyfile(test_httpx=HTTPX_FIXTURES)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


def test_a_run_without_httpx_never_imports_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile('''
        import sys

        def test_requests_only(snjwt_session):
            assert snjwt_session.get("/api/now/table/incident").status_code == 200
            assert "httpx" not in sys.modules and "aiohttp" not in sys.modules

        def test_import_mid_test(snjwt_access_token, snjwt_instance):
            import httpx  # after the interception started: patched on import
            response = httpx.get(snjwt_instance.url + "/api/now/table/incident",
                                 headers={"Authorization": "Bearer " + snjwt_access_token})
            assert response.status_code == 200
    ''')
    # respx's and anyio's own pytest plugins import httpx: off, to see what this plugin does
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:anyio", "-p", "no:respx")
    result.assert_outcomes(passed=2)


FAULT_MARKERS = '''
import pytest, requests

@pytest.mark.snjwt_fault("rate_limited", path="/api/now/table/*", retry_after=0)
def test_rate_limited(snjwt_session, snjwt_mock):
    # snjwt_session's own token request ran before the fault was armed
    response = snjwt_session.get("/api/now/table/incident")
    assert response.status_code == 429 and response.headers["Retry-After"] == "0"
    assert snjwt_session.get("/api/now/table/incident").status_code == 200
    assert [r.kind for r in snjwt_mock.faults_served] == ["rate_limited"]

@pytest.mark.snjwt_fault("unavailable")
@pytest.mark.snjwt_fault("token_refused", count=2)
def test_in_written_order(snjwt_mock, snjwt_instance):
    assert [f.kind for f in snjwt_mock.faults] == ["unavailable", "token_refused"]
    assert requests.post(snjwt_instance.token_url).status_code == 503

def test_the_next_test_has_none(snjwt_mock):
    assert snjwt_mock.faults == [] and snjwt_mock.faults_served == []

@pytest.mark.snjwt_fault("teapot")
def test_bad_fault(snjwt_mock):
    pass

@pytest.mark.snjwt_fault("drop")
def test_without_the_mock():
    pass
'''


def test_fault_marker(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_faults=FAULT_MARKERS)
    result = pytester.runpytest("-p", "no:cacheprovider", "--strict-markers")
    result.assert_outcomes(passed=3, failed=2)
    result.stdout.fnmatch_lines(["*@pytest.mark.snjwt_fault: unknown fault kind 'teapot'*",
                                 "*@pytest.mark.snjwt_fault needs the mock*"])


def test_fault_marker_is_skipped_live(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.helpers import serving

    with serving() as (url, _):
        for name, value in {"SNJWT_INSTANCE": url, "SNJWT_ADMIN_USER": "admin", "SNJWT_ADMIN_PASSWORD": "admin"}.items():
            monkeypatch.setenv(name, value)
        pytester.makepyfile('''
            import pytest

            @pytest.mark.snjwt_fault("drop")
            def test_faulted(snjwt_instance):
                pass
        ''')
        result = pytester.runpytest("-p", "no:cacheprovider", "--snjwt-live", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*injects faults into the mock; skipped under --snjwt-live*"])


def test_fixtures_and_marker_are_documented(pytester: pytest.Pytester) -> None:
    text = pytester.runpytest("--fixtures", "-p", "no:cacheprovider").stdout.str()
    for name in ("snjwt_httpx_client", "snjwt_async_client"):
        block = text.split(name, 1)[1].split("\n\n", 1)[0]
        assert len(block.strip().splitlines()) >= 2, f"{name} has no docstring"
    pytester.runpytest("--markers").stdout.fnmatch_lines(["@pytest.mark.snjwt_fault(kind, *"])
