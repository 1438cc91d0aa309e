"""The client's side, as ServiceNow wants it: the claims to sign, and a plain signer.

aud = iss = the client id, sub = the user by the app's User field, a fresh
``jti``, ``exp`` a few minutes ahead, the verifier map's ``kid`` in the header.
Used by ``snjwt-mock jwt`` (fresh assertions for curl) and the demo; the pytest
plugin builds its assertions from the same claims.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt

from ..crypto.jose import PrivateKey

#: How long a signed assertion lives by default, seconds.
DEFAULT_LIFETIME = 300


def build_claims(client_id: str, subject: str, *, now: float | None = None, lifetime: int = DEFAULT_LIFETIME,
                 jti: str | None = None) -> dict[str, Any]:
    """The claims ServiceNow checks (PLATFORM.md §4 steps 7-12), times from ``now``."""
    issued = int(time.time() if now is None else now)
    return {"aud": client_id, "iss": client_id, "sub": subject, "iat": issued, "nbf": issued,
            "exp": issued + lifetime, "jti": jti or str(uuid.uuid4())}


def sign_assertion(key: PrivateKey, claims: dict[str, Any], *, kid: str | None = None,
                   algorithm: str = "RS256") -> str:
    """Sign claims with a private key as a compact JWT (``kid`` in the header when given)."""
    headers = {"kid": kid} if kid else None
    return jwt.encode(claims, key, algorithm=algorithm, headers=headers)
