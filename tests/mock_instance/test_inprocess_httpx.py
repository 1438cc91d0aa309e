"""httpx in-process (sync and async), a test's own mocks first, and faults as clients meet them."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import httpx
import pytest
import requests
import responses
import respx

from mock_instance import MockInstance
from tests.examples.conftest import load_example

BASE = "https://dev12345.service-now.com"
INCIDENTS = f"{BASE}/api/now/table/incident"
ADMIN = ("admin", "admin")

pytestmark = pytest.mark.anyio


def test_httpx_client_in_process(instance: MockInstance, no_network: list[str]) -> None:
    instance.insert("incident", {"short_description": "seeded"})
    with instance.intercept(BASE), httpx.Client(auth=ADMIN) as client:
        created = client.post(INCIDENTS, json={"short_description": "from httpx"})
        assert created.status_code == 201
        assert created.headers["Location"].startswith(INCIDENTS + "/")
        listed = client.get(INCIDENTS, params={"sysparm_fields": "short_description"})
        assert listed.json() == {"result": [{"short_description": "seeded"}, {"short_description": "from httpx"}]}
        assert client.head(INCIDENTS).status_code == 200


async def test_httpx_async_client_in_process(instance: MockInstance, no_network: list[str]) -> None:
    with instance.intercept(BASE):
        async with httpx.AsyncClient(auth=ADMIN) as client:
            created = await client.post(INCIDENTS, json={"short_description": "async"})
            assert created.status_code == 201
            response = await client.get(INCIDENTS)
    assert [r["short_description"] for r in response.json()["result"]] == ["async"]


async def test_httpx_only_the_base_url(instance: MockInstance) -> None:
    with instance.intercept(BASE):
        with pytest.raises(httpx.ConnectError):
            httpx.get("http://127.0.0.1:9/nothing-listens-here", timeout=2)
        async with httpx.AsyncClient() as client:
            with pytest.raises(httpx.ConnectError):
                await client.get("http://127.0.0.1:9/nothing-listens-here", timeout=2)
        assert httpx.get(INCIDENTS).status_code == 401  # a new client, same interception
    with pytest.raises(httpx.ConnectError):
        httpx.get(INCIDENTS, timeout=2)  # stopped: the transport is httpx's own again


def test_httpx_is_patched_when_imported_and_never_imported_otherwise() -> None:
    script = textwrap.dedent(f'''
        import sys
        from mock_instance import MockInstance
        instance = MockInstance()
        with instance.intercept("{BASE}"):
            assert "httpx" not in sys.modules
            import httpx  # after the interception started
            assert httpx.get("{INCIDENTS}", auth=("admin", "admin")).status_code == 200
        assert httpx.HTTPTransport.handle_request.__module__ == "httpx._transports.default"
        assert not any(type(f).__name__ == "WhenImported" for f in sys.meta_path)
        with instance.intercept("{BASE}"):
            pass
        print("ok", "respx" in sys.modules, "aiohttp" in sys.modules)
    ''')
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ok", "False", "False"]


def test_httpx_mock_transport_is_untouched(instance: MockInstance) -> None:
    with instance.intercept(BASE):
        client = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(418)))
        assert client.get(INCIDENTS).status_code == 418  # the test's own transport, even at the base URL


# -- a test's own mocks first ----------------------------------------------------------

@pytest.mark.parametrize("order", ["ours first", "theirs first"])
async def test_respx_wins_for_what_it_routes(instance: MockInstance, order: str, no_network: list[str]) -> None:
    theirs = respx.mock(assert_all_called=False)
    theirs.get(INCIDENTS).respond(json={"result": ["from respx"]})
    other = theirs.get("https://api.example.test/thing").respond(204)
    ours = instance.intercept(BASE)
    first, second = (ours, theirs) if order == "ours first" else (theirs, ours)
    with first, second:
        assert httpx.get(INCIDENTS).json() == {"result": ["from respx"]}
        assert httpx.post(INCIDENTS, json={}, auth=ADMIN).status_code == 201  # not routed: the mock
        async with httpx.AsyncClient(auth=ADMIN) as client:
            assert (await client.get(INCIDENTS)).json() == {"result": ["from respx"]}
            assert (await client.get(f"{BASE}/api/now/table/sys_user")).status_code == 200
            assert (await client.get("https://api.example.test/thing")).status_code == 204
        with pytest.raises(respx.models.AllMockedAssertionError):
            httpx.get("https://other.example.test/")  # respx still refuses what it doesn't know
        assert theirs.routes[0].call_count == 2 and other.call_count == 1
    assert len(instance.query("incident")) == 1


@pytest.mark.parametrize("order", ["ours first", "theirs first"])
def test_responses_wins_for_what_it_registers(instance: MockInstance, order: str, no_network: list[str]) -> None:
    theirs = responses.RequestsMock(assert_all_requests_are_fired=False)
    theirs.get(INCIDENTS, json={"result": ["from responses"]})
    theirs.get(f"{BASE}/api/now/table/sys_user", match=[responses.matchers.query_param_matcher({"x": "1"})],
               status=418)
    ours = instance.intercept(BASE)
    first, second = (ours, theirs) if order == "ours first" else (theirs, ours)
    with first, second:
        assert requests.get(INCIDENTS).json() == {"result": ["from responses"]}
        assert requests.post(INCIDENTS, json={}, auth=ADMIN).status_code == 201  # POST is not registered
        assert requests.get(f"{BASE}/api/now/table/sys_user?x=1").status_code == 418  # its matchers decide
        assert requests.get(f"{BASE}/api/now/table/sys_user?x=2", auth=ADMIN).status_code == 200
        assert [call.request.method for call in theirs.calls] == ["GET", "GET"]  # only what it answered


# -- faults as the clients meet them ---------------------------------------------------

def test_delay_and_timeouts_in_process(instance: MockInstance, no_network: list[str]) -> None:
    with instance.intercept(BASE):
        instance.inject_fault("delay", seconds=0.05, count=2)
        assert httpx.get(INCIDENTS, auth=ADMIN).status_code == 200  # waited, then answered
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(INCIDENTS, auth=ADMIN, timeout=0.01)
        instance.inject_fault("delay", seconds=0.05)
        with pytest.raises(requests.ReadTimeout):
            requests.get(INCIDENTS, auth=ADMIN, timeout=(5, 0.01))
    assert [r.kind for r in instance.faults_served] == ["delay"] * 3


async def test_async_delay_and_drop(instance: MockInstance, no_network: list[str]) -> None:
    with instance.intercept(BASE):
        async with httpx.AsyncClient(auth=ADMIN) as client:
            instance.inject_fault("delay", seconds=0.05)
            with pytest.raises(httpx.ReadTimeout):
                await client.get(INCIDENTS, timeout=0.01)
            instance.inject_fault("drop")
            with pytest.raises(httpx.RemoteProtocolError):
                await client.get(INCIDENTS)
            assert (await client.get(INCIDENTS)).status_code == 200


def test_drop_in_process_is_the_clients_connection_error(instance: MockInstance, no_network: list[str]) -> None:
    with instance.intercept(BASE):
        instance.inject_fault("drop", count=2)
        with pytest.raises(httpx.RemoteProtocolError, match="Server disconnected"):
            httpx.get(INCIDENTS)
        with pytest.raises(requests.ConnectionError, match="Remote end closed connection"):
            requests.get(INCIDENTS)
    assert instance.errors == []


@pytest.mark.parametrize("kind", ["rate_limited", "unavailable"])
def test_a_retrying_requests_client_gets_through(instance: MockInstance, kind: str, no_network: list[str]) -> None:
    pysnc = pytest.importorskip("pysnc", reason="PySNC is in the test extra")
    instance.insert("incident", {"short_description": "there"})
    with instance.intercept(BASE):
        instance.inject_fault(kind, path="/api/now/table/*", retry_after=0)
        records = pysnc.ServiceNowClient(BASE, ADMIN).GlideRecord("incident")  # urllib3 Retry on 429 and 503
        records.query()
        assert [r.get_value("short_description") for r in records] == ["there"]
    assert [r.kind for r in instance.faults_served] == [kind]


@pytest.mark.parametrize("kind", ["rate_limited", "unavailable"])
def test_a_retrying_httpx_client_gets_through(instance: MockInstance, kind: str, no_network: list[str]) -> None:
    example = load_example("clients/httpx_retry.py")
    with instance.intercept(BASE), example.retrying_client(BASE, "unused") as client:
        instance.inject_fault(kind, path="/api/now/table/*", retry_after=0)
        response = client.get("/api/now/table/incident", auth=ADMIN)
        assert response.status_code == 200
        instance.inject_fault(kind, path="/api/now/table/*", retry_after=0, count=3)
        assert client.get("/api/now/table/incident", auth=ADMIN).status_code == (429 if kind == "rate_limited"
                                                                                 else 503)  # gave up
    assert len(instance.faults_served) == 4
