"""Live mode: a real instance is someone's production.

- Every request goes through a session pinned to the instance (https, or http on
  loopback only; default timeouts; no retries; no redirect to another host).
- A preflight before the first test says, in one message naming the variable to
  fix, why the run cannot start; nothing is created when it fails.
- Every record the run creates is written to a ledger file as soon as it exists,
  and deleted at the end, newest first; what could not be deleted is named with
  the command that removes it (``snjwt-mock cleanup``).
- A variant the instance cannot make fails the tests that need it, not the run.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import requests

from mock_instance import KeyEntry, KeyMaterialError, Secret, load_keystore, load_private_key
from mock_instance.client import (
    Chain,
    GrantApp,
    Keystore,
    Ledger,
    PreflightError,
    Provisioner,
    ProvisioningError,
    TableClient,
    Variant,
    admin_session,
    build_claims,
    check_chain,
    default_algorithm,
    enable_client_credentials,
    preflight,
    provision_grant_app,
    remove_records,
    sign,
    token_form,
    token_session,
)

from .config import SnjwtConfig
from .tokens import InstanceInfo

if TYPE_CHECKING:
    from mock_instance import InstanceServer

CLEANUP_COMMAND = "snjwt-mock cleanup --instance {url}"


class VariantUnavailable(Exception):
    """A pre-provisioned chain cannot serve this variant (the test is skipped)."""


class VariantFailed(Exception):
    """The instance could not make this variant: the tests that need it fail with this message."""


def check_instance(config: SnjwtConfig) -> None:
    """The preflight: raise :class:`PreflightError` naming the variable to fix; change nothing."""
    if config.provisions:
        with _admin(config) as session:
            preflight(session, config.instance, user=config.admin_user)
        return
    entry = load_chain_key(config)
    algorithm = default_algorithm(entry.private_key)
    assertion = sign(build_claims(config.client_id or "", config.user or ""), entry.private_key, algorithm,
                     kid=config.kid)
    with token_session(config.instance, connect_timeout=config.connect_timeout,
                       read_timeout=config.read_timeout) as session:
        check_chain(session, config.instance, token_form(config.client_id or "", assertion, config.client_secret))


def load_chain_key(config: SnjwtConfig) -> KeyEntry:
    """The pre-provisioned chain's signing key; :class:`PreflightError` says what is wrong in one line."""
    password = config.key_password.reveal() if config.key_password else None
    try:
        data = Path(config.key_file or "").read_bytes()
        if config.key_alias:
            return load_keystore(data, password, None, config.key_alias)
        return load_private_key(data, password)
    except OSError as e:
        raise PreflightError(f"SNJWT_KEY_FILE {config.key_file!r} cannot be read: {e.strerror or e}",
                             "SNJWT_KEY_FILE") from None
    except KeyMaterialError as e:  # a wrong password, a missing alias, JKS without the extra
        raise PreflightError(f"SNJWT_KEY_FILE {config.key_file!r}: {e}", "SNJWT_KEY_FILE", "SNJWT_KEY_PASSWORD",
                             "SNJWT_KEY_ALIAS") from None


def _admin(config: SnjwtConfig) -> requests.Session:
    return admin_session(config.instance, config.admin_user or "", config.admin_password or Secret(""),
                         connect_timeout=config.connect_timeout, read_timeout=config.read_timeout)


class _RealInstance:
    """What both live modes share: the URL, the pinned token session, no mock and no server."""

    live = True
    mock = None

    def __init__(self, config: SnjwtConfig) -> None:
        self.config = config
        self.url = config.instance
        self.http: requests.Session = token_session(self.url, connect_timeout=config.connect_timeout,
                                                    read_timeout=config.read_timeout)
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

    def created_by_test(self, table: str, sys_id: str) -> None:
        """A record the test made through a plugin session (deleted at :meth:`end_test` where the mode owns it)."""

    def end_test(self) -> list[str]:
        return []

    def server(self, tls: bool) -> InstanceServer:
        raise RuntimeError("the socket server exists only for the mock")

    def close(self) -> list[str]:
        self.http.close()
        return []

    def summary(self) -> list[str]:
        return []


class LiveTarget(_RealInstance):
    """A real instance, provisioned with admin credentials; every record made is deleted at the end."""

    def __init__(self, config: SnjwtConfig, keystore_for: Callable[[str], Keystore], prefix: str) -> None:
        super().__init__(config)
        self.prefix = prefix
        self._admin = _admin(config)
        self._client = TableClient(self._admin, self.url)
        self.ledger = Ledger.open(self.url, prefix.rstrip("-"))
        self._provisioner = Provisioner(self._client, prefix, keystore_for, log=self.ledger)
        self._failed: dict[Variant, str] = {}
        self._grant_apps: dict[Variant, GrantApp] = {}
        self._client_credentials = False
        self._test_records: list[tuple[str, str]] = []
        self.deleted = 0

    def chain(self, variant: Variant) -> Chain:
        if variant in self._failed:
            raise VariantFailed(self._failed[variant])
        if variant not in self._chains:
            try:
                self._chains[variant] = self._provisioner.provision(variant)
            except (ProvisioningError, requests.RequestException) as e:
                self._failed[variant] = f"the instance could not provision this chain: {e}"
                raise VariantFailed(self._failed[variant]) from None
        return self._chains[variant]

    def grant_app(self, variant: Variant, *, client_credentials: bool) -> GrantApp:
        chain = self.chain(variant)
        try:
            if variant not in self._grant_apps:
                self._grant_apps[variant] = provision_grant_app(self._provisioner, chain)
            if client_credentials and not self._client_credentials:
                problem = enable_client_credentials(self._provisioner)
                if problem is not None:  # an admin set the property otherwise: leave it alone
                    raise VariantUnavailable(problem)
                self._client_credentials = True
        except (ProvisioningError, requests.RequestException) as e:
            raise VariantFailed(f"the instance could not provision the grants app: {e}") from None
        return self._grant_apps[variant]

    def created_by_test(self, table: str, sys_id: str) -> None:
        self.ledger.record(table, sys_id)
        self._test_records.append((table, sys_id))

    def end_test(self) -> list[str]:
        """Delete what the test made through the plugin's sessions, as the mock's restore would."""
        records, self._test_records = self._test_records, []
        return remove_records(self._client, records, self.ledger)

    def close(self) -> list[str]:
        made = len(self.ledger.entries())
        problems = self.end_test() + self._provisioner.teardown()
        self.deleted = made - len(self.ledger.entries())
        self._admin.close()
        return problems + super().close()

    def summary(self) -> list[str]:
        """What was deleted, what is left (table and sys_id) and the command that removes the rest."""
        lines = [f"snjwt: deleted {self.deleted} record(s) this run ({self.prefix}) created on {self.url}"]
        left = [f"{entry.table} {entry.sys_id}" for entry in self.ledger.entries()]
        if left:
            lines.append(f"snjwt: left on the instance ({len(left)}): {', '.join(left)}")
            lines.append(f"snjwt: remove them with: {CLEANUP_COMMAND.format(url=self.url)}")
        return lines


class ChainFromEnvironment(_RealInstance):
    """A real instance with a chain someone provisioned: only the default variant exists."""

    def chain(self, variant: Variant) -> Chain:
        if variant not in self._chains:
            self._chains[variant] = self._from_environment(variant)
        return self._chains[variant]

    def _from_environment(self, variant: Variant) -> Chain:
        config = self.config
        key = load_chain_key(config).private_key
        algorithm = default_algorithm(key)
        default = Variant(algorithm=algorithm)
        # Only the default variant exists; a marker-less test asks for the RS256 placeholder.
        asks_default = dataclasses.replace(variant, algorithm=algorithm) == default and \
            variant.algorithm in (Variant().algorithm, algorithm)
        if not asks_default:
            raise VariantUnavailable(
                f"needs a chain variant ({describe_variant(variant, default)}) that only provisioning can make; "
                "give SNJWT_ADMIN_USER and SNJWT_ADMIN_PASSWORD to run it live")
        return Chain(config.client_id or "", config.client_secret or Secret(""), config.kid, config.user or "",
                     "(pre-provisioned)", algorithm, key, variant=default)


def describe_variant(variant: Variant, default: Variant | None = None) -> str:
    """``user_field='x', roles=('y',)``: how ``variant`` differs from ``default``."""
    default = default or Variant()
    changed = [f"{f.name}={getattr(variant, f.name)!r}" for f in dataclasses.fields(variant)
               if getattr(variant, f.name) != getattr(default, f.name)]
    return ", ".join(changed) or "default"
