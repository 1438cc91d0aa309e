"""Build a JWT chain straight into a MockInstance, for the token endpoint's unit tests.

(The plugin provisions through the Table API; this is the cheap layer below it.)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Any

from jwt.algorithms import get_default_algorithms

from mock_instance import MockInstance
from mock_instance.client import Keystore, build_claims, sign

CLIENT_SECRET = "client-secret-for-tests"
_HMAC = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}


def b64url(data: bytes) -> str:
    """Base64url without padding, as RFC 7515 §2 wants every JOSE segment."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Chain:
    instance: MockInstance
    client_id: str
    client_secret: str
    kid: str
    sub: str
    app: dict[str, str]
    vmap: dict[str, str]
    user: dict[str, str]
    keystore: Keystore | None
    shared_key: str | None = None
    algorithm: str = "RS256"
    cert: dict[str, str] | None = field(default=None)

    def claims(self, **overrides: Any) -> dict[str, Any]:
        claims = build_claims(self.client_id, self.sub, now=self.instance.clock.time())
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def jwt(self, *, headers: dict[str, Any] | None = None, key: Any = None, algorithm: str | None = None,
            **claims: Any) -> str:
        algorithm = algorithm or self.algorithm
        if key is None:
            key = self.shared_key if algorithm.startswith("HS") else self.keystore.private_key  # type: ignore[union-attr]
        return sign(self.claims(**claims), key, algorithm, kid=self.kid, headers=headers)

    def signed(self, header_segment: str, payload_segment: str) -> str:
        """A JWS over segments given as they are (malformed on purpose, maybe), validly signed."""
        signing_input = f"{header_segment}.{payload_segment}".encode()
        if self.algorithm in _HMAC:
            signature = hmac.new((self.shared_key or "").encode(), signing_input, _HMAC[self.algorithm]).digest()
        else:
            alg = get_default_algorithms()[self.algorithm]
            signature = alg.sign(signing_input, alg.prepare_key(self.keystore.private_key))  # type: ignore[union-attr]
        return f"{header_segment}.{payload_segment}.{b64url(signature)}"

    def form(self, assertion: str | None = None, **overrides: Any) -> dict[str, str]:
        form = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "client_id": self.client_id,
                "client_secret": self.client_secret, "assertion": assertion if assertion is not None else self.jwt()}
        form.update(overrides)
        return {k: v for k, v in form.items() if v is not None}


def build_chain(instance: MockInstance, keystore: Keystore | None, *, algorithm: str = "RS256",
                user: dict[str, Any] | None = None, roles: list[str] = (), **app: Any) -> Chain:  # type: ignore[assignment]
    """Certificate, oauth_jwt app, verifier map and a user; HS* gets a shared-key-only map."""
    cert = None
    if not algorithm.startswith("HS"):
        assert keystore is not None
        cert = instance.insert("sys_certificate", {"name": "client cert", "pem_certificate": keystore.certificate_pem})
    values = {"name": "jwt app", "client_secret": CLIENT_SECRET, **app}
    oauth_app = instance.insert("oauth_jwt", values)
    vmap = instance.insert("jwt_verifier_map", {"name": "map", "oauth_jwt": oauth_app["sys_id"],
                                                "sys_certificate": cert["sys_id"] if cert else ""})
    shared = instance.store.get("jwt_verifier_map", vmap["sys_id"])["shared_key"].reveal()
    person = instance.insert("sys_user", {"user_name": "abel.tuter", "email": "abel@example.com",
                                          "name": "Abel Tuter", **(user or {})})
    for role in roles:
        found = instance.query("sys_user_role", f"name={role}")
        role_id = found[0]["sys_id"] if found else instance.insert("sys_user_role", {"name": role})["sys_id"]
        instance.insert("sys_user_has_role", {"user": person["sys_id"], "role": role_id})
    user_field = oauth_app["user_field"] or "email"
    return Chain(instance, oauth_app["client_id"], values["client_secret"], vmap["kid"], person[user_field],
                 oauth_app, vmap, person, keystore, shared, algorithm, cert)
