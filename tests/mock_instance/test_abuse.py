"""The real server under abuse keeps answering other clients, and shuts down cleanly."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator

import pytest
import requests

from mock_instance import InstanceServer, MockInstance
from mock_instance.transports.server import InstanceServer as Server
from tests.helpers import run_threads

ADMIN = ("admin", "admin")


@pytest.fixture(params=[False, True], ids=["http", "https"])
def server(request: pytest.FixtureRequest, instance: MockInstance) -> Iterator[InstanceServer]:
    with Server(instance, tls=request.param, connection_timeout=1.0) as running:
        yield running


def still_answers(server: InstanceServer) -> None:
    response = requests.get(f"{server.url}/api/now/table/incident", auth=ADMIN, verify=server.ca_file or True,
                            timeout=10)
    assert response.status_code == 200


def raw_connection(server: InstanceServer, *, handshake: bool = True) -> socket.socket:
    """A plain TCP connection, TLS-wrapped for an https server (unless ``handshake`` is False)."""
    conn = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    if server.tls and handshake:
        context = ssl.create_default_context(cafile=server.ca_file)
        return context.wrap_socket(conn, server_hostname="127.0.0.1")
    return conn


def closed_by_server(conn: socket.socket) -> bool:
    """Whether the server lets go of the connection (EOF or reset) rather than holding it."""
    conn.settimeout(10)
    try:
        while conn.recv(4096):
            pass  # a short goodbye (a 408, a TLS alert) may come first
        return True
    except (ConnectionResetError, ssl.SSLError):
        return True
    except TimeoutError:
        return False


def test_half_open_and_slow_clients_do_not_block_others(server: InstanceServer) -> None:
    idle = [raw_connection(server, handshake=False) for _ in range(5)]  # connect, then say nothing at all
    slow = raw_connection(server)
    slow.sendall(b"GET /api/now/tab")  # half a request line, then silence
    try:
        still_answers(server)
        # After its connection timeout (1 s here) the server drops them all.
        for conn in [*idle, slow]:
            assert closed_by_server(conn)
    finally:
        for conn in [*idle, slow]:
            conn.close()
    still_answers(server)


def test_client_disconnecting_mid_request(server: InstanceServer, instance: MockInstance) -> None:
    conn = raw_connection(server)
    conn.sendall(b"POST /api/now/table/incident HTTP/1.1\r\nHost: x\r\nAuthorization: Basic YWRtaW46YWRtaW4=\r\n"
                 b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"short_description\": \"")
    conn.close()
    still_answers(server)
    assert instance.query("incident") == []  # the half-sent record was never stored
    assert instance.errors == []


def test_bodies_over_ten_megabytes(server: InstanceServer, instance: MockInstance) -> None:
    big = b'{"description": "' + b"x" * (10 * 1024 * 1024 + 10) + b'"}'
    verify = server.ca_file or True
    table = requests.post(f"{server.url}/api/now/table/incident", data=big, auth=ADMIN, verify=verify,
                          headers={"Content-Type": "application/json"}, timeout=60)
    assert table.status_code == 400 and "exceeds the limit" in table.json()["error"]["detail"]
    token = requests.post(server.token_url, data=b"assertion=" + b"x" * (11 * 1024 * 1024), verify=verify,
                          headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=60)
    assert token.status_code == 401 and instance.refusals[-1].code == "request_too_large"
    still_answers(server)
    assert instance.query("incident") == [] and instance.errors == []


def test_two_hundred_concurrent_connections(server: InstanceServer) -> None:
    def hit(index: int) -> int:
        return requests.get(f"{server.url}/api/now/table/incident", auth=ADMIN, verify=server.ca_file or True,
                            timeout=60).status_code

    assert run_threads(hit, 200) == [200] * 200
    still_answers(server)


def test_shuts_down_cleanly_with_connections_open(instance: MockInstance) -> None:
    server = Server(instance, connection_timeout=30.0).start()
    stuck = raw_connection(server)
    stuck.sendall(b"GET / HTTP/1.1\r\n")  # never finished
    done = threading.Event()

    def stop() -> None:
        server.stop()
        done.set()

    threading.Thread(target=stop, daemon=True).start()
    assert done.wait(20), "stop() hung on an open connection"
    stuck.close()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{server.url}/api/now/table/incident", timeout=2)
