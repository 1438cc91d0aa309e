"""Real clients of the other grants (docs/platform.md §8, §10), in-process and over ``snjwt-mock serve --tls``.

In-process: the plugin's fixtures (the mock behind ``requests``). Over TLS: a
``snjwt-mock serve --tls`` process, provisioned through the Table API by the same
provisioner as live mode. Each client gets a token, uses it, and refreshes where it can.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests

from mock_instance import MockInstance
from mock_instance.client import (
    GrantApp,
    Keystore,
    Provisioner,
    TableClient,
    Variant,
    enable_client_credentials,
    provision_grant_app,
)
from pytest_snjwt.targets import InstanceInfo
from tests.helpers import serving

from .conftest import load_example


@dataclass(frozen=True)
class Target:
    """Where a client goes: the instance URL, what to verify TLS with, the app, and the mock when in-process."""

    url: str
    verify: str | bool
    app: GrantApp
    mock: MockInstance | None = None


@pytest.fixture(scope="module")
def served(rsa_keystore: Keystore) -> Iterator[Target]:
    """``snjwt-mock serve --tls`` in another process, provisioned as a live instance would be."""
    with serving("--tls") as (url, lines):
        ca_file = re.search(r"TLS certificate (\S+)", "\n".join(lines)).group(1)  # type: ignore[union-attr]
        admin = requests.Session()
        admin.auth, admin.verify, admin.trust_env = ("admin", "admin"), ca_file, False
        provisioner = Provisioner(TableClient(admin, url), "served-", lambda algorithm: rsa_keystore)
        app = provision_grant_app(provisioner, provisioner.provision(Variant()))
        assert enable_client_credentials(provisioner) is None
        yield Target(url, ca_file, app)
        admin.close()


@pytest.fixture(params=["in-process", "serve --tls"])
def target(request: pytest.FixtureRequest, snjwt_instance: InstanceInfo, snjwt_client_credentials: GrantApp,
           monkeypatch: pytest.MonkeyPatch) -> Target:
    if request.param == "in-process":
        return Target(snjwt_instance.url, True, snjwt_client_credentials, snjwt_instance.mock)
    # requests lets these variables override a session's verify (so does PySNC): the clients set theirs.
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    return request.getfixturevalue("served")  # type: ignore[no-any-return]


def read_incidents(target: Target, token: str) -> list[str]:
    """The incident numbers the token can read (the served instance is shared by this module's tests)."""
    response = requests.get(f"{target.url}/api/now/table/incident", headers={"Authorization": f"Bearer {token}"},
                            verify=target.verify)
    assert response.status_code == 200, response.text
    return [record["number"] for record in response.json()["result"]]


def test_pysnc_password_grant_flow_and_its_refresh(target: Target) -> None:
    from pysnc.exceptions import AuthenticationException

    example = load_example("clients/pysnc_password.py")
    app = target.app
    client = example.servicenow_client(target.url, app.client_id, app.client_secret.reveal(), app.user_name,
                                       app.user_password.reveal(), verify=None if target.verify is True else target.verify)
    numbers = example.incident_numbers(client)
    session = client.session
    first = dict(session.token)
    assert list(first)[:5] == ["access_token", "refresh_token", "scope", "token_type", "expires_in"]
    if target.mock is not None:
        target.mock.clock.advance(1800)  # the access token expires on the instance...
    session.token = {**session.token, "expires_at": time.time() - 1}  # ...and in the client's eyes
    # PySNC refreshes, then sends the request that noticed the expiry without the new token: one 401.
    with pytest.raises(AuthenticationException):
        example.incident_numbers(client)
    assert session.token["access_token"] != first["access_token"]
    assert session.token["refresh_token"] == first["refresh_token"]  # echoed unchanged
    assert example.incident_numbers(client) == numbers
    if target.mock is not None:
        assert target.mock.refusals == []


def test_requests_oauthlib_legacy_application_client(target: Target) -> None:
    example = load_example("clients/oauthlib_password.py")
    app = target.app
    session = example.servicenow_session(target.url, app.client_id, app.client_secret.reveal(), app.user_name,
                                         app.user_password.reveal(), verify=target.verify)
    assert session.get(f"{target.url}/api/now/table/incident").status_code == 200
    first = session.token["access_token"]
    session.token = {**session.token, "expires_at": time.time() - 1}
    assert session.get(f"{target.url}/api/now/table/incident").status_code == 200  # refreshed on the way
    assert session.token["access_token"] != first
    assert isinstance(read_incidents(target, session.token["access_token"]), list)


def test_requests_oauthlib_backend_application_client(target: Target) -> None:
    example = load_example("clients/oauthlib_backend.py")
    session = example.servicenow_session(target.url, target.app.client_id, target.app.client_secret.reveal(),
                                         verify=target.verify)
    assert "refresh_token" not in session.token
    created = session.post(f"{target.url}/api/now/table/incident", json={"short_description": "m2m"})
    assert created.status_code == 201
    assert created.json()["result"]["sys_created_by"] == target.app.user_name  # the OAuth Application User


def test_authlib_code_with_pkce(target: Target) -> None:
    example = load_example("clients/authlib_code_pkce.py")
    app = target.app
    session = example.servicenow_session(target.url, app.client_id, app.client_secret.reveal(), app.redirect_url,
                                         example.mock_approval(app.user_name, verify=target.verify),
                                         verify=target.verify)
    assert session.token["refresh_token"] and session.token["scope"] == "useraccount"
    created = session.post(f"{target.url}/api/now/table/incident", json={"short_description": "code"})
    assert created.json()["result"]["sys_created_by"] == app.user_name
    before = session.token["access_token"]
    session.refresh_token(f"{target.url}/oauth_token.do")
    assert session.token["access_token"] != before


@pytest.fixture(params=["snjwt_server", "serve --tls"])
def socket_target(request: pytest.FixtureRequest, snjwt_client_credentials: GrantApp) -> Target:
    if request.param == "snjwt_server":
        server = request.getfixturevalue("snjwt_server")
        return Target(server.url, server.ca_file, snjwt_client_credentials)
    return request.getfixturevalue("served")  # type: ignore[no-any-return]


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_password_refresh_and_client_credentials(socket_target: Target) -> None:
    """The README's curl commands, run as written (one at a time, placeholders filled in)."""
    app = socket_target.app
    env = {"PATH": os_path(), "CURL_CA_BUNDLE": str(socket_target.verify), "CLIENT_ID": app.client_id,
           "CLIENT_SECRET": app.client_secret.reveal(), "USER_NAME": app.user_name,
           "PASSWORD": app.user_password.reveal()}

    def curl(kind: str, **extra: str) -> dict[str, object]:
        command = CURL[kind].replace("https://dev12345.service-now.com", socket_target.url)
        result = subprocess.run(["bash", "-c", command], env={**env, **extra}, capture_output=True, text=True,
                                timeout=60, check=True)
        return json.loads(result.stdout)  # type: ignore[no-any-return]

    password = curl("password")
    numbers = read_incidents(socket_target, str(password["access_token"]))
    refreshed = curl("refresh", REFRESH_TOKEN=str(password["refresh_token"]))
    assert refreshed["refresh_token"] == password["refresh_token"]
    machine = curl("client_credentials")
    assert list(machine) == ["access_token", "scope", "token_type", "expires_in"]
    assert read_incidents(socket_target, str(machine["access_token"])) == numbers


def os_path() -> str:
    import os

    return os.environ.get("PATH", "")


def _readme_curl() -> dict[str, str]:
    from tests.test_readme import block_for

    lines = [line.strip() for line in block_for("test_curl_password_refresh_and_client_credentials").splitlines()]
    commands = [line for line in lines if line.startswith("curl ")]
    return dict(zip(("password", "refresh", "client_credentials"), commands, strict=True))


CURL = _readme_curl()
