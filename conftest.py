"""Shared fixtures for the project's own tests."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from werkzeug.test import Client

from mock_instance import MockInstance
from mock_instance.client import Keystore, make_keystore

pytest_plugins = ["pytester"]

# Shared machines are noisy: no per-example deadline. The normal suite runs a
# modest number of examples; --thorough runs many (see the README).
settings.register_profile("default", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile("thorough", max_examples=3000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--thorough", action="store_true",
                     help="run the long property-based and load tests (many examples, 8 x 1,000 exchanges)")


def pytest_configure(config: pytest.Config) -> None:
    settings.load_profile("thorough" if config.getoption("--thorough") else "default")


@pytest.fixture(scope="session")
def thorough(request: pytest.FixtureRequest) -> bool:
    """Whether --thorough was given: tests scale their sizes by it (8 x 60 exchanges become 8 x 1,000)."""
    return bool(request.config.getoption("--thorough"))


def basic(user: str = "admin", password: str = "admin") -> dict[str, str]:
    """An Authorization header for HTTP Basic."""
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.fixture
def instance() -> Iterator[MockInstance]:
    """A fresh mock instance; fails the test if any request crashed it."""
    mock = MockInstance()
    yield mock
    assert mock.errors == [], f"the mock crashed: {mock.errors!r}"


@pytest.fixture
def client(instance: MockInstance) -> Client:
    """A werkzeug test client on the instance."""
    return Client(instance)


@pytest.fixture
def admin() -> dict[str, str]:
    """Basic auth headers for the seeded admin."""
    return basic()


@pytest.fixture(scope="session")
def rsa_keystore() -> Keystore:
    """An RSA key pair and certificate, as the setup article's keytool command makes."""
    return make_keystore()


@pytest.fixture(scope="session")
def ec_keystore() -> Keystore:
    """A P-256 key pair and certificate."""
    return make_keystore(alias="ecclient", algorithm="ES256")
@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Fails any DNS look-up or socket connect during the test: in-process means no socket.

    Yields the attempts (each also raised as ``OSError`` where it happened); the test fails if any.
    """
    import socket

    attempts: list[str] = []

    def refuse(what: str) -> object:
        def refused(*args: object, **kwargs: object) -> None:
            attempts.append(f"{what}{args[1:] if what.startswith('socket.') else args}")
            raise OSError(f"no network in this test: {what}")
        return refused

    monkeypatch.setattr(socket.socket, "connect", refuse("socket.connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("socket.connect_ex"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    yield attempts
    assert attempts == [], f"the test opened a network connection: {attempts}"


@pytest.fixture
def anyio_backend() -> str:
    """The backend of ``@pytest.mark.anyio`` tests (anyio's pytest plugin): asyncio; trio is no dependency."""
    return "asyncio"


@pytest.fixture(autouse=True)
def _ledgers_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Live runs write their ledgers here, never into the user's own state folder."""
    monkeypatch.setenv("SNJWT_STATE_DIR", str(tmp_path_factory.mktemp("snjwt-state")))


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Name the folder of the console's screenshots (tests/console/test_browser.py), workers' too under xdist."""
    factory = getattr(config, "_tmp_path_factory", None)
    if factory is None or hasattr(config, "workerinput"):
        return
    for folder in sorted(factory.getbasetemp().glob("**/console-screenshots")):
        shots = sorted(folder.glob("*.png"))
        if shots:
            terminalreporter.write_line(f"console screenshots ({len(shots)}): {folder}")
