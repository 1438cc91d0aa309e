"""The instance a test session runs against: one class per mode, behind one protocol.

- :class:`MockTarget`: one :class:`~mock_instance.MockInstance` per session (so per
  pytest-xdist worker). Every chain variant the collected tests ask for is
  provisioned once, through the Table API, then the state is snapshotted and
  restored before each test.
- :class:`~.live.LiveTarget`: chains are provisioned on a real instance with admin
  credentials, and everything made is deleted at session end.
- :class:`~.live.ChainFromEnvironment`: a real instance with a pre-provisioned chain
  read from the environment; nothing is created.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from typing import Protocol

import requests

from mock_instance import InstanceServer, Interception, MockInstance
from mock_instance.client import (
    Chain,
    GrantApp,
    Keystore,
    Provisioner,
    ProvisioningError,
    TableClient,
    Variant,
    enable_client_credentials,
    make_keystore,
    provision_grant_app,
)

from .config import SnjwtConfig
from .live import ChainFromEnvironment, LiveTarget, VariantFailed
from .tokens import InstanceInfo

#: The mock's admin (``MockInstance``'s defaults).
MOCK_ADMIN = ("admin", "admin")


class Target(Protocol):
    """What the fixtures need of the session's instance, whatever the mode."""

    url: str
    #: The session token requests go through (connections are reused).
    http: requests.Session

    @property
    def info(self) -> InstanceInfo: ...

    @property
    def mock(self) -> MockInstance | None: ...

    def prepare(self, variants: set[Variant], grants: Mapping[Variant, bool] | None = None) -> None:
        """Provision ahead what the collected tests will ask for (where that is cheaper)."""

    def chain(self, variant: Variant) -> Chain:
        """The chain for ``variant`` (made on first use where the mode can make one)."""

    def grant_app(self, variant: Variant, *, client_credentials: bool) -> GrantApp:
        """The other grants' app for ``variant``'s chain (docs/platform.md §10)."""

    def begin_test(self) -> None: ...

    def created_by_test(self, table: str, sys_id: str) -> None:
        """A record the test made through a plugin session (live: deleted when the test ends)."""

    def end_test(self) -> list[str]:
        """After each test; returns problems (records that could not be deleted)."""

    def server(self, tls: bool) -> InstanceServer:
        """The mock over a real socket; only the mock has one."""

    def close(self) -> list[str]:
        """End the session; returns teardown problems."""

    def summary(self) -> list[str]:
        """Lines for the end of the run (live: what was deleted, what is left)."""


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
        self._mock = MockInstance(schema=config.schema, demo_data=config.demo_data, **dict(config.mock_settings))
        self._interception: Interception = self._mock.intercept(self.url)
        self._servers: dict[bool, InstanceServer] = {}
        self._chains: dict[Variant, Chain] = {}
        self._failed: dict[Variant, str] = {}
        self._grant_apps: dict[Variant, GrantApp] = {}
        self._client_credentials = False
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

    def prepare(self, variants: set[Variant], grants: Mapping[Variant, bool] | None = None) -> None:
        """Provision every variant (and grants app) not yet made into the base state, then snapshot it.

        A variant first asked for mid-test (``getfixturevalue``) lands here too: the
        test then goes on from the new base state.
        """
        grants = grants or {}
        missing = sorted((v for v in variants | set(grants) if v not in self._chains and v not in self._failed),
                         key=repr)
        apps = sorted((v for v in grants if v not in self._grant_apps and v not in self._failed), key=repr)
        client_credentials = any(grants.values()) and not self._client_credentials
        if not (missing or apps or client_credentials):
            return
        self._mock.restore(self._base_state)
        serving = self._interception.active
        self._interception.start()
        try:
            for variant in missing:
                try:
                    self._chains[variant] = self._provisioner.provision(variant)
                except ProvisioningError as e:  # that variant's tests fail; the others run
                    self._failed[variant] = f"the mock could not provision this chain: {e}"
            for variant in apps:
                if variant in self._chains:
                    self._grant_apps[variant] = provision_grant_app(self._provisioner, self._chains[variant])
            if client_credentials:
                problem = enable_client_credentials(self._provisioner)
                if problem is not None:
                    raise RuntimeError(f"a fresh mock has no client credentials property, yet: {problem}")
                self._client_credentials = True
        finally:
            if not serving:
                self._interception.stop()
        self._base_state = self._mock.snapshot()

    def chain(self, variant: Variant) -> Chain:
        """The chain for ``variant``, provisioned into the base state if the collection did not see it."""
        self.prepare({variant})
        if variant in self._failed:
            raise VariantFailed(self._failed[variant])
        return self._chains[variant]

    def grant_app(self, variant: Variant, *, client_credentials: bool) -> GrantApp:
        """The grants app for ``variant``, provisioned into the base state if the collection did not see it."""
        self.prepare({variant}, {variant: client_credentials})
        if variant in self._failed:
            raise VariantFailed(self._failed[variant])
        return self._grant_apps[variant]

    def begin_test(self) -> None:
        """Back to the provisioned state; serve the instance URL in-process."""
        self._mock.restore(self._base_state)
        self._interception.start()

    def created_by_test(self, table: str, sys_id: str) -> None:
        pass  # the next test starts from the restored base state

    def end_test(self) -> list[str]:
        self._interception.stop()
        return []

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

    def summary(self) -> list[str]:
        return []


def open_target(config: SnjwtConfig, keystore: Keystore, worker: str | None = None) -> Target:
    """The target for the configured mode."""
    if not config.live:
        return MockTarget(config, keystore, worker)
    if config.provisions:
        return LiveTarget(config, _Keystores(keystore), _run_prefix(worker))
    return ChainFromEnvironment(config)


def worker_id() -> str | None:
    """The pytest-xdist worker id (``gw0``...), or None when not distributed."""
    return os.environ.get("PYTEST_XDIST_WORKER")

