"""Sessions that carry credentials: https only (but loopback), one origin, default timeouts, no retries."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import responses
from requests.auth import _basic_auth_str

from mock_instance import Secret
from mock_instance.client.http import (
    PinnedSession,
    PlainHTTPRefused,
    RedirectRefused,
    UnsafeRequestError,
    admin_session,
    basic_header,
    post_token_form,
    token_session,
)

URL = "https://inst.service-now.test"
PASSWORD = "Sentinel-admin-password-51c2"


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.mark.parametrize("url", ["http://dev12345.service-now.com", "http://10.0.0.5:8080", "http://[2001:db8::1]/"])
def test_plain_http_is_refused_off_this_machine(url: str) -> None:
    with pytest.raises(PlainHTTPRefused, match=r"refusing plain http:// .*Use https://.*127\.0\.0\.0/8, ::1, localhost"):
        admin_session(url, "admin", PASSWORD)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080", "http://127.9.9.9", "http://[::1]:80", "http://localhost:1",
                                 "https://dev12345.service-now.com"])
def test_https_and_loopback_are_allowed(url: str) -> None:
    admin_session(url, "admin", PASSWORD).close()


@pytest.mark.parametrize("url", ["https://admin:pw@dev.service-now.com", "ftp://dev.service-now.com", "dev.service-now.com"])
def test_other_urls_are_refused_without_repeating_a_password(url: str) -> None:
    with pytest.raises(UnsafeRequestError) as caught:
        admin_session(url, "admin", PASSWORD)
    assert "pw@" not in str(caught.value)


def test_basic_credentials_as_requests_sends_them_and_never_in_a_repr(mocked: responses.RequestsMock) -> None:
    mocked.get(f"{URL}/api/now/table/sys_user", json={"result": []})
    session = admin_session(URL, "admin", Secret(PASSWORD))
    session.get(f"{URL}/api/now/table/sys_user")
    sent = mocked.calls[0].request.headers
    assert sent["Authorization"] == _basic_auth_str("admin", PASSWORD) == basic_header("admin", PASSWORD)
    assert sent["Accept"] == "application/json"
    assert PASSWORD not in repr(session) + repr(session.auth) + repr(vars(session.auth))


class _Recorder(requests.adapters.BaseAdapter):
    def __init__(self) -> None:
        super().__init__()
        self.kwargs: list[dict[str, Any]] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.kwargs.append(kwargs)
        response = requests.Response()
        response.status_code, response.url, response.request = 200, request.url, request
        response._content = b"{}"
        return response

    def close(self) -> None:
        pass


def test_every_request_has_the_default_timeout_unless_it_says_otherwise() -> None:
    session = admin_session(URL, "admin", PASSWORD, connect_timeout=3, read_timeout=7)
    recorder = _Recorder()
    session.mount("https://", recorder)
    session.get(f"{URL}/a")
    session.post(f"{URL}/b", data={"x": "y"}, timeout=None)
    session.send(session.prepare_request(requests.Request("GET", f"{URL}/c")))
    session.get(f"{URL}/d", timeout=60)
    assert [k["timeout"] for k in recorder.kwargs] == [(3, 7), (3, 7), (3, 7), 60]


def test_a_redirect_to_another_host_is_refused_before_anything_goes_there(mocked: responses.RequestsMock) -> None:
    mocked.post(f"{URL}/oauth_token.do", status=307, headers={"Location": "https://login.evil.test/sso?x=1"})
    evil = mocked.post("https://login.evil.test/sso", body="gotcha")
    session = token_session(URL)
    with pytest.raises(RedirectRefused, match="redirected to another host, login.evil.test") as caught:
        session.post(f"{URL}/oauth_token.do", data={"client_secret": "s3cret-value", "assertion": "a.b.c"})
    assert caught.value.target_host == "login.evil.test"
    assert evil.call_count == 0 and len(mocked.calls) == 1
    assert "s3cret" not in str(caught.value)


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_every_kind_of_redirect_off_the_instance_is_refused(mocked: responses.RequestsMock, status: int) -> None:
    mocked.get(f"{URL}/api/now/table/incident", status=status, headers={"Location": "https://elsewhere.test/"})
    with pytest.raises(RedirectRefused, match="elsewhere.test"):
        admin_session(URL, "admin", PASSWORD).get(f"{URL}/api/now/table/incident")
    assert len(mocked.calls) == 1


def test_a_redirect_to_plain_http_on_the_same_host_is_refused(mocked: responses.RequestsMock) -> None:
    mocked.get(f"{URL}/x", status=302, headers={"Location": "http://inst.service-now.test/x"})
    with pytest.raises(RedirectRefused):
        admin_session(URL, "admin", PASSWORD).get(f"{URL}/x")


def test_a_redirect_on_the_instance_is_followed(mocked: responses.RequestsMock) -> None:
    mocked.get(f"{URL}/old", status=301, headers={"Location": "/new"})
    mocked.get(f"{URL}/new", status=302, headers={"Location": f"{URL}/newer"})
    mocked.get(f"{URL}/newer", json={"result": "here"})
    response = admin_session(URL, "admin", PASSWORD).get(f"{URL}/old")
    assert response.json() == {"result": "here"}
    assert [r.status_code for r in response.history] == [301, 302]
    assert all(call.request.headers["Authorization"].startswith("Basic ") for call in mocked.calls)


def test_too_many_redirects(mocked: responses.RequestsMock) -> None:
    mocked.get(f"{URL}/loop", status=302, headers={"Location": "/loop"})
    session = admin_session(URL, "admin", PASSWORD)
    session.max_redirects = 3
    with pytest.raises(requests.TooManyRedirects):
        session.get(f"{URL}/loop")


def test_allow_redirects_false_returns_the_redirect(mocked: responses.RequestsMock) -> None:
    mocked.get(f"{URL}/x", status=302, headers={"Location": "https://elsewhere.test/"})
    response = admin_session(URL, "admin", PASSWORD).get(f"{URL}/x", allow_redirects=False)
    assert response.status_code == 302


def test_the_session_sends_to_its_instance_only(mocked: responses.RequestsMock) -> None:
    with pytest.raises(UnsafeRequestError, match="talks to inst.service-now.test only"):
        admin_session(URL, "admin", PASSWORD).get("https://other.test/api/now/table/sys_user")
    assert len(mocked.calls) == 0


def test_token_form_refuses_any_redirect_even_on_the_instance(mocked: responses.RequestsMock) -> None:
    mocked.post(f"{URL}/oauth_token.do", status=302, headers={"Location": "/login.do"})
    with pytest.raises(RedirectRefused, match="token endpoint redirected .* to inst.service-now.test"):
        post_token_form(token_session(URL), f"{URL}/oauth_token.do", {"client_secret": "x"})
    mocked.replace(responses.POST, f"{URL}/oauth_token.do", json={"access_token": "t"})
    assert post_token_form(token_session(URL), f"{URL}/oauth_token.do", {"a": "b"}).json() == {"access_token": "t"}
    assert mocked.calls[-1].request.body == "a=b"


def test_token_session_sends_no_netrc_credentials(mocked: responses.RequestsMock, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine inst.service-now.test login someone password netrc-password\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    mocked.post(f"{URL}/oauth_token.do", json={})
    requests.Session().post(f"{URL}/oauth_token.do")  # what the session avoids: requests adds them
    assert "Authorization" in mocked.calls[0].request.headers
    token_session(URL).post(f"{URL}/oauth_token.do")
    assert "Authorization" not in mocked.calls[1].request.headers


class _Listener:
    """A TCP server that counts connections and either drops them or never answers."""

    def __init__(self, *, answer: bool) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self.answer = answer
        self.held: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.socket.accept()
            except OSError:
                return
            self.connections += 1
            conn.recv(65536)
            if self.answer:
                self.held.append(conn)  # silent: the client's read timeout must end the wait
            else:
                conn.close()  # dropped before any answer: a retry would send the POST again

    def close(self) -> None:
        self.socket.close()
        for conn in self.held:
            conn.close()


def test_a_post_is_never_retried() -> None:
    listener = _Listener(answer=False)
    try:
        with pytest.raises(requests.ConnectionError):
            admin_session(f"http://127.0.0.1:{listener.port}", "admin", PASSWORD).post(
                f"http://127.0.0.1:{listener.port}/api/now/table/oauth_jwt", json={"name": "x"})
        time.sleep(0.2)
        assert listener.connections == 1
    finally:
        listener.close()


def test_a_silent_instance_times_out() -> None:
    listener = _Listener(answer=True)
    try:
        session = admin_session(f"http://127.0.0.1:{listener.port}", "admin", PASSWORD, read_timeout=0.3)
        started = time.monotonic()
        with pytest.raises(requests.ReadTimeout):
            session.get(f"http://127.0.0.1:{listener.port}/api/now/table/sys_user")
        assert time.monotonic() - started < 10
    finally:
        listener.close()


def test_pinned_session_repr() -> None:
    assert repr(PinnedSession("https://x.test")) == "<PinnedSession https://x.test:443>"
