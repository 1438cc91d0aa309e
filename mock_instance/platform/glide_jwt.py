"""``sn_auth.GlideJWTAPI().generateJWT(providerSysId, header, payload)`` (docs/platform.md §6).

The instance signs with the private key of the provider's signing
configuration: ``jwt_provider.jwt_keystore_alias.signing_keystore`` is a
``sys_certificate`` keystore record whose attachment is opened with its
``key_store_password``, the key with the JWT key's ``signing_key_password``.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec

from ..crypto.jose import SIGNING_ALGORITHM_CHOICES, default_algorithm
from ..crypto.keystores import KeyMaterialError
from ..tables.fields import int_or
from .attachments import signing_entry
from .state import Platform


class GlideJWTError(ValueError):
    """generateJWT cannot sign: a missing record, bad JSON, or an unreadable keystore."""


def _json_object(text: str | dict[str, Any] | None, what: str) -> dict[str, Any]:
    if text is None or text == "":
        return {}
    if isinstance(text, dict):
        return dict(text)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        raise GlideJWTError(f"{what} is not JSON: {e.msg}") from e
    if not isinstance(value, dict):
        raise GlideJWTError(f"{what} must be a JSON object")
    return value


def generate_jwt(platform: Platform, provider_sys_id: str, header: str | dict[str, Any] | None = None,
                 payload: str | dict[str, Any] | None = None) -> str:
    """Sign a JWT as the instance's GlideJWTAPI does; see the module docstring."""
    extra_header = _json_object(header, "header")
    extra_payload = _json_object(payload, "payload")
    store = platform.store
    with store.lock:
        provider = store.get("jwt_provider", provider_sys_id)
        if provider is None:
            raise GlideJWTError(f"no jwt_provider with sys_id {provider_sys_id!r}")
        alias = store.get("jwt_keystore_aliases", provider["jwt_keystore_alias"]) \
            if provider["jwt_keystore_alias"] else None
        if alias is None:
            raise GlideJWTError(f"jwt_provider {provider['name']!r} has no signing configuration (JWT key)")
        keystore = store.get("sys_certificate", alias["signing_keystore"]) if alias["signing_keystore"] else None
        if keystore is None:
            raise GlideJWTError(f"JWT key {alias['name']!r} has no signing keystore")
        try:
            entry = signing_entry(store, keystore, alias["signing_key_password"].reveal())
        except KeyMaterialError as e:
            raise GlideJWTError(f"JWT key {alias['name']!r}: {e}") from e
        claims = {
            c["name"]: c["value"]
            for c in store.find("jwt_claim_validation", "jwt_provider", provider["sys_id"])
            if c["name"] and c["value"]
        }
        lifetime = int_or(provider["expiry_interval"], platform.settings.expiry_interval_default)
        kid = alias["kid"]
        algorithm = SIGNING_ALGORITHM_CHOICES.get(alias["signing_algorithm"], "RS256")
    if isinstance(entry.private_key, ec.EllipticCurvePrivateKey) and algorithm.startswith("RS"):
        algorithm = default_algorithm(entry.private_key)
    now = int(platform.clock.time())
    claims.update(extra_payload)
    claims.update(exp=now + lifetime, iat=now, jti=str(uuid.uuid4()))
    headers: dict[str, Any] = {"typ": "JWT"}
    if kid:
        headers["kid"] = kid
    headers.update(extra_header)
    headers["alg"] = algorithm
    return jwt.encode(claims, entry.private_key, algorithm=algorithm, headers=headers)
