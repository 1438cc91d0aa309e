"""The live modes: a real instance provisioned with admin credentials, or a chain given in the environment.

- :class:`LiveTarget`: chains are provisioned on a real instance with admin
  credentials, and everything made is deleted at session end.
- :class:`ChainFromEnvironment`: a real instance with a pre-provisioned chain
  read from the environment; nothing is created.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path

import requests

from mock_instance import InstanceServer, Secret, load_keystore, load_private_key
from mock_instance.client import (
    Chain,
    GrantApp,
    Keystore,
    Provisioner,
    TableClient,
    Variant,
    default_algorithm,
    enable_client_credentials,
    provision_grant_app,
)

from .config import SnjwtConfig
from .targets import InstanceInfo, Keystores, MockTarget, Target, VariantUnavailable, admin_session, run_prefix


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

    def prepare(self, variants: set[Variant], grants: Mapping[Variant, bool] | None = None) -> None:
        """Live chains are made when a test first asks (a run that skips tests makes fewer)."""

    def grant_app(self, variant: Variant, *, client_credentials: bool) -> GrantApp:
        raise VariantUnavailable("the other grants need an OAuth API endpoint app, which only provisioning can "
                                 "make; give SNJWT_ADMIN_USER and SNJWT_ADMIN_PASSWORD to run it live")

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
        self._admin = admin_session((config.admin_user or "", password), trust_env=True)
        self._provisioner = Provisioner(TableClient(self._admin, self.url), run_prefix(worker), Keystores(keystore))
        self._grant_apps: dict[Variant, GrantApp] = {}
        self._client_credentials = False

    def chain(self, variant: Variant) -> Chain:
        if variant not in self._chains:
            self._chains[variant] = self._provisioner.provision(variant)
        return self._chains[variant]

    def grant_app(self, variant: Variant, *, client_credentials: bool) -> GrantApp:
        chain = self.chain(variant)
        if variant not in self._grant_apps:
            self._grant_apps[variant] = provision_grant_app(self._provisioner, chain)
        if client_credentials and not self._client_credentials:
            problem = enable_client_credentials(self._provisioner)
            if problem is not None:
                raise VariantUnavailable(problem)
            self._client_credentials = True
        return self._grant_apps[variant]

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

