"""A chain on a mock instance, made by the one provisioner (as the plugin and the demo make theirs)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from cryptography.hazmat.primitives import serialization

from mock_instance import MockInstance
from mock_instance.client import (
    Chain,
    Keystore,
    Provisioner,
    TableClient,
    Variant,
    build_claims,
    make_keystore,
    sign,
    token_form,
)

ADMIN_URL = "https://provision.snjwt.test"


@dataclass
class BenchChain:
    """A provisioned chain and the forms a client would post with it."""

    instance: MockInstance
    chain: Chain
    keystore: Keystore | None

    @property
    def client_id(self) -> str:
        return self.chain.client_id

    def public_key(self) -> Any:
        assert self.keystore is not None, "an HS chain has no public key"
        return self.keystore.certificate.public_key()

    def form(self) -> dict[str, str]:
        """A token request with a freshly signed assertion (a new jti each time)."""
        claims = build_claims(self.client_id, self.chain.user, now=self.instance.clock.time())
        assertion = sign(claims, self.chain.key, self.chain.algorithm, kid=self.chain.kid)
        return token_form(self.client_id, assertion, self.chain.client_secret)


def provision(instance: MockInstance, keystore: Keystore | None, *, algorithm: str = "RS256") -> BenchChain:
    """Provision a default chain (``algorithm``: RS*/ES* with ``keystore``, or HS*) through the Table API."""
    with instance.intercept(ADMIN_URL), requests.Session() as session:
        session.auth = ("admin", "admin")
        session.trust_env = False
        provisioner = Provisioner(TableClient(session, ADMIN_URL), "bench-", lambda _alg: keystore)  # type: ignore[arg-type,return-value]
        chain = provisioner.provision(Variant(algorithm=algorithm))
    return BenchChain(instance, chain, keystore)


@dataclass
class RemoteChain:
    """A chain provisioned on a served instance, over its Table API (http or https)."""

    chain: Chain
    keystore: Keystore

    @property
    def client_id(self) -> str:
        return self.chain.client_id

    @classmethod
    def provision(cls, url: str, ca_file: str | None) -> RemoteChain:
        """The default RS256 chain on the instance at ``url`` (trusting ``ca_file`` for https)."""
        keystore = make_keystore()
        with requests.Session() as session:
            session.auth = ("admin", "admin")
            session.trust_env = False
            session.verify = ca_file or True
            provisioner = Provisioner(TableClient(session, url), "bench-", lambda _alg: keystore)
            return cls(provisioner.provision(Variant()), keystore)

    def form(self) -> dict[str, str]:
        """A token request with a freshly signed assertion (a new jti each time)."""
        claims = build_claims(self.client_id, self.chain.user)
        assertion = sign(claims, self.chain.key, self.chain.algorithm, kid=self.chain.kid)
        return token_form(self.client_id, assertion, self.chain.client_secret)

    def write_public_key(self, folder: Path) -> Path:
        """The certificate's public key as PEM in ``folder`` (for a verifier in another process)."""
        path = folder / "public.pem"
        path.write_bytes(self.keystore.certificate.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
        return path
