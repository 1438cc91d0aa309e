"""The instance a test session runs against: one class per mode, behind one protocol.

- :class:`MockTarget`: one :class:`~mock_instance.MockInstance` per session (so per
  pytest-xdist worker). Every chain variant the collected tests ask for is
  provisioned once, through the Table API, then the state is snapshotted and
  restored before each test.
- :class:`LiveTarget`: chains are provisioned on a real instance with admin
  credentials, and everything made is deleted at session end.
- :class:`ChainFromEnvironment`: a real instance with a pre-provisioned chain
  read from the environment; nothing is created.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import requests

from mock_instance import InstanceServer, Interception, MockInstance, Secret, load_keystore, load_private_key
from mock_instance.client import Chain, Keystore, Provisioner, TableClient, Variant, default_algorithm, make_keystore

from .config import SnjwtConfig

#: The mock's admin (``MockInstance``'s defaults).
MOCK_ADMIN = ("admin", "admin")


class VariantUnavailable(Exception):
    """A pre-provisioned chain cannot serve this variant (the test is skipped)."""


@dataclass(frozen=True)
class InstanceInfo:
    """What ``snjwt_instance`` gives a test: where the instance is, and the mock if there is one."""

    url: str
    token_url: str
    live: bool
    mock: MockInstance | None


class Target(Protocol):
    """What the fixtures need of the session's instance, whatever the mode."""

    url: str
    #: The session token requests go through (connections are reused).
    http: requests.Session

    @property
    def info(self) -> InstanceInfo: ...

    @property
    def mock(self) -> MockInstance | None: ...

    def prepare(self, variants: set[Variant]) -> None:
        """Provision ahead what the collected tests will ask for (where that is cheaper)."""

    def chain(self, variant: Variant) -> Chain:
        """The chain for ``variant`` (made on first use where the mode can make one)."""

    def begin_test(self) -> None: ...

    def end_test(self) -> None: ...

    def server(self, tls: bool) -> InstanceServer:
        """The mock over a real socket; only the mock has one."""

    def close(self) -> list[str]:
        """End the session; returns teardown problems."""


def _admin_session(auth: tuple[str, str], *, trust_env: bool) -> requests.Session:
    session = requests.Session()
    session.trust_env = trust_env
    session.auth = auth
    session.headers["Accept"] = "application/json"
    return session


class _Keystores:
    """The session's key pairs, one per RS/ES family and size, made on first use."""

    def __init__(self, keystore: Keystore) -> None:
        self._keystores = {"RS256": keystore}

    def __call__(self, algorithm: str) -> Keystore:
        key = "RS256" if algorithm.startswith("RS") else algorithm
        if key not in self._keystores:
            self._keystores[key] = make_keystore(algorithm=key)
        return self._keystores[key]


def _run_prefix(worker: str | None) -> str:
    return f"snjwt-{secrets.token_hex(3)}-" + (f"{worker}-" if worker else "")


class MockTarget:
    """The mock, in-process: provisioned once per session, restored before each test."""

    live = False

    def __init__(self, config: SnjwtConfig, keystore: Keystore, worker: str | None = None) -> None:
        self.url = config.instance
        self._mock = MockInstance(schema=config.schema, demo_data=config.demo_data)
        self._interception: Interception = self._mock.intercept(self.url)
        self._servers: dict[bool, InstanceServer] = {}
        self._chains: dict[Variant, Chain] = {}
        self._base_state = self._mock.snapshot()
        self._admin = _admin_session(MOCK_ADMIN, trust_env=False)
        self._provisioner = Provisioner(TableClient(self._admin, self.url), _run_prefix(worker), _Keystores(keystore),
                                        create_missing_roles=True)
        self.http = requests.Session()
        # An in-process URL needs no proxy or netrc look-up: skip the os.environ scan per request.
        self.http.trust_env = False

    @property
    def mock(self) -> MockInstance:
        return self._mock

    @property
    def info(self) -> InstanceInfo:
        return InstanceInfo(self.url, f"{self.url}/oauth_token.do", False, self._mock)

    def prepare(self, variants: set[Variant]) -> None:
        """Provision every variant not yet made into the base state, then snapshot it.

        A variant first asked for mid-test (``getfixturevalue``) lands here too: the
        test then goes on from the new base state.
        """
        missing = sorted((v for v in variants if v not in self._chains), key=repr)
        if not missing:
            return
        self._mock.restore(self._base_state)
        serving = self._interception.active
        self._interception.start()
        try:
            for variant in missing:
                self._chains[variant] = self._provisioner.provision(variant)
        finally:
            if not serving:
                self._interception.stop()
        self._base_state = self._mock.snapshot()

    def chain(self, variant: Variant) -> Chain:
        """The chain for ``variant``, provisioned into the base state if the collection did not see it."""
        self.prepare({variant})
        return self._chains[variant]

    def begin_test(self) -> None:
        """Back to the provisioned state; serve the instance URL in-process."""
        self._mock.restore(self._base_state)
        self._interception.start()

    def end_test(self) -> None:
        self._interception.stop()

    def server(self, tls: bool) -> InstanceServer:
        """The mock over a real socket (started once per session)."""
        if tls not in self._servers:
            self._servers[tls] = self._mock.serve(tls=tls)
        return self._servers[tls]

    def close(self) -> list[str]:
        for server in self._servers.values():
            server.stop()
        self._servers.clear()
        self._admin.close()
        self.http.close()
        return []


class _RealInstance:
    """What both live modes share: the URL, the token session, no mock and no server."""

    live = True
    mock = None

    def __init__(self, config: SnjwtConfig) -> None:
        self.config = config
        self.url = config.instance
        self.http = requests.Session()
        self._chains: dict[Variant, Chain] = {}

    @property
    def info(self) -> InstanceInfo:
        return InstanceInfo(self.url, f"{self.url}/oauth_token.do", True, None)

    def prepare(self, variants: set[Variant]) -> None:
        """Live chains are made when a test first asks (a run that skips tests makes fewer)."""

    def begin_test(self) -> None:
        pass

    def end_test(self) -> None:
        pass

    def server(self, tls: bool) -> InstanceServer:
        raise RuntimeError("the socket server exists only for the mock")

    def close(self) -> list[str]:
        self.http.close()
        return []


class LiveTarget(_RealInstance):
    """A real instance, provisioned with admin credentials; every record made is deleted at the end."""

    def __init__(self, config: SnjwtConfig, keystore: Keystore, worker: str | None = None) -> None:
        super().__init__(config)
        password = config.admin_password.reveal() if config.admin_password else ""
        self._admin = _admin_session((config.admin_user or "", password), trust_env=True)
        self._provisioner = Provisioner(TableClient(self._admin, self.url), _run_prefix(worker), _Keystores(keystore))

    def chain(self, variant: Variant) -> Chain:
        if variant not in self._chains:
            self._chains[variant] = self._provisioner.provision(variant)
        return self._chains[variant]

    def close(self) -> list[str]:
        problems = self._provisioner.teardown()
        self._admin.close()
        return problems + super().close()


class ChainFromEnvironment(_RealInstance):
    """A real instance with a chain someone provisioned: only the default variant exists."""

    def chain(self, variant: Variant) -> Chain:
        if variant not in self._chains:
            self._chains[variant] = self._from_environment(variant)
        return self._chains[variant]

    def _from_environment(self, variant: Variant) -> Chain:
        config = self.config
        password = config.key_password.reveal() if config.key_password else None
        data = Path(config.key_file or "").read_bytes()
        entry = load_keystore(data, password, None, config.key_alias) if config.key_alias else \
            load_private_key(data, password)
        key = entry.private_key
        algorithm = default_algorithm(key)
        default = Variant(algorithm=algorithm)
        # Only the default variant exists; a marker-less test asks for the RS256 placeholder.
        asks_default = dataclasses.replace(variant, algorithm=algorithm) == default and \
            variant.algorithm in (Variant().algorithm, algorithm)
        if not asks_default:
            raise VariantUnavailable(
                f"needs a chain variant ({_describe(variant, default)}) that only provisioning can make; "
                "give SNJWT_ADMIN_USER and SNJWT_ADMIN_PASSWORD to run it live")
        return Chain(config.client_id or "", config.client_secret or Secret(""), config.kid, config.user or "",
                     "(pre-provisioned)", algorithm, key, variant=default)


def open_target(config: SnjwtConfig, keystore: Keystore, worker: str | None = None) -> Target:
    """The target for the configured mode."""
    if not config.live:
        return MockTarget(config, keystore, worker)
    if config.provisions:
        return LiveTarget(config, keystore, worker)
    return ChainFromEnvironment(config)


def _describe(variant: Variant, default: Variant) -> str:
    changed = [f"{f.name}={getattr(variant, f.name)!r}" for f in dataclasses.fields(variant)
               if getattr(variant, f.name) != getattr(default, f.name)]
    return ", ".join(changed) or "default"


def worker_id() -> str | None:
    """The pytest-xdist worker id (``gw0``...), or None when not distributed."""
    return os.environ.get("PYTEST_XDIST_WORKER")

