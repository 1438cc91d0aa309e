"""The instance a test session runs against: the mock in-process, or a live one.

Mock mode: one :class:`~mock_instance.MockInstance` per session (so per
pytest-xdist worker). Every chain variant the collected tests ask for is
provisioned once, through the Table API, then the state is snapshotted and
restored before each test. Live mode: chains are provisioned on the real
instance (admin credentials) or read from the environment (a pre-provisioned
chain), and everything made is deleted at session end.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from mock_instance import (
    InstanceServer,
    Interception,
    MockInstance,
    load_keystore,
    load_private_key,
)
from mock_instance.crypto.jose import default_algorithm

from .config import SnjwtConfig
from .keys import Keystore, make_keystore
from .provision import Chain, Provisioner, TableClient, Variant


class VariantUnavailable(Exception):
    """A pre-provisioned chain cannot serve this variant (the test is skipped)."""


@dataclass(frozen=True)
class InstanceInfo:
    """What ``snjwt_instance`` gives a test: where the instance is, and the mock if there is one."""

    url: str
    token_url: str
    live: bool
    mock: MockInstance | None


class Target:
    """The session's instance and chains."""

    def __init__(self, config: SnjwtConfig, keystore: Keystore, worker: str | None = None) -> None:
        self.config = config
        self.url = config.instance
        self._keystores: dict[str, Keystore] = {"RS256": keystore}
        self._chains: dict[Variant, Chain] = {}
        self.prefix = f"snjwt-{secrets.token_hex(3)}-" + (f"{worker}-" if worker else "")
        self.mock: MockInstance | None = None
        self._interception: Interception | None = None
        self._servers: dict[bool, InstanceServer] = {}
        self._base_state: Any = None
        self._provisioner: Provisioner | None = None
        self._admin: requests.Session | None = None
        #: The session token requests go through (one per run: connections are reused live).
        self.http = requests.Session()
        if not config.live:
            # An in-process URL needs no proxy or netrc look-up: skip the os.environ scan per request.
            self.http.trust_env = False
            self.mock = MockInstance()
            self._interception = self.mock.intercept(self.url)
            self._admin_session(("admin", "admin"))
        elif config.provisions:
            self._admin_session((config.admin_user or "", config.admin_password.reveal()))  # type: ignore[union-attr]

    def _admin_session(self, auth: tuple[str, str]) -> None:
        self._admin = requests.Session()
        self._admin.trust_env = self.config.live
        self._admin.auth = auth
        self._admin.headers["Accept"] = "application/json"
        self._provisioner = Provisioner(TableClient(self._admin, self.url), self.prefix, self.keystore,
                                        create_missing_roles=self.mock is not None)

    @property
    def info(self) -> InstanceInfo:
        return InstanceInfo(self.url, f"{self.url}/oauth_token.do", self.config.live, self.mock)

    def keystore(self, algorithm: str) -> Keystore:
        """The session's key pair for an RS/ES algorithm family and size (made once)."""
        family_key = "RS256" if algorithm.startswith("RS") else algorithm
        if family_key not in self._keystores:
            self._keystores[family_key] = make_keystore(algorithm=family_key)
        return self._keystores[family_key]

    # -- chains -------------------------------------------------------------

    def prepare(self, variants: set[Variant]) -> None:
        """Provision every variant not yet made (mock: then take the base snapshot)."""
        missing = [v for v in variants if v not in self._chains]
        if self.mock is None or (not missing and self._base_state is not None):
            return
        if self._base_state is not None:
            self.mock.restore(self._base_state)
        with self._interception:  # type: ignore[union-attr]
            for variant in sorted(missing, key=repr):
                self._chains[variant] = self._provisioner.provision(variant)  # type: ignore[union-attr]
        self._base_state = self.mock.snapshot()

    def chain(self, variant: Variant) -> Chain:
        """The chain for ``variant``, provisioning it if needed.

        Mock: a variant not seen at collection (asked for with getfixturevalue) is
        provisioned into the base state, and the test restarts from that state.
        """
        if variant in self._chains:
            return self._chains[variant]
        if self.config.live and not self.config.provisions:
            return self._preprovisioned(variant)
        if self.mock is not None:
            # Asked for mid-session (not seen at collection): provision into the base state.
            self._interception.stop()  # type: ignore[union-attr]
            self.prepare({variant})
            self.mock.restore(self._base_state)
            self._interception.start()  # type: ignore[union-attr]
        else:
            self._chains[variant] = self._provisioner.provision(variant)  # type: ignore[union-attr]
        return self._chains[variant]

    def _preprovisioned(self, variant: Variant) -> Chain:
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
        chain = Chain(config.client_id or "", config.client_secret, config.kid, config.user or "",  # type: ignore[arg-type]
                      "(pre-provisioned)", algorithm, key, variant=default)
        self._chains[variant] = chain
        return chain

    # -- per test -----------------------------------------------------------

    def begin_test(self) -> None:
        """Mock: back to the provisioned state, serve the instance URL in-process."""
        if self.mock is None:
            return
        if self._base_state is None:
            self.prepare(set())
        self.mock.restore(self._base_state)
        self._interception.start()  # type: ignore[union-attr]

    def end_test(self) -> None:
        if self._interception is not None:
            self._interception.stop()

    def server(self, tls: bool) -> InstanceServer:
        """The mock over a real socket (started once per session)."""
        if self.mock is None:
            raise RuntimeError("the socket server exists only for the mock")
        if tls not in self._servers:
            self._servers[tls] = self.mock.serve(tls=tls)
        return self._servers[tls]

    # -- end ----------------------------------------------------------------

    def close(self) -> list[str]:
        """Stop servers; live: delete every record made. Returns teardown problems."""
        problems: list[str] = []
        for server in self._servers.values():
            server.stop()
        self._servers.clear()
        if self.config.live and self._provisioner is not None:
            problems = self._provisioner.teardown()
        if self._admin is not None:
            self._admin.close()
        self.http.close()
        return problems


def _describe(variant: Variant, default: Variant) -> str:
    changed = [f"{f.name}={getattr(variant, f.name)!r}" for f in dataclasses.fields(variant)
               if getattr(variant, f.name) != getattr(default, f.name)]
    return ", ".join(changed) or "default"


def worker_id() -> str | None:
    """The pytest-xdist worker id (``gw0``...), or None when not distributed."""
    return os.environ.get("PYTEST_XDIST_WORKER")
