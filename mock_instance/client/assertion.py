"""Sign JWT assertions: the client's side of RFC 7523 as ServiceNow wants it (docs/platform.md §4).

aud = iss = the client id, sub = the user by the app's User field, a fresh
``jti``, ``exp`` a few minutes ahead, the verifier map's ``kid`` in the header.

:func:`sign` assembles the JWS itself so that a test can build any assertion,
good or deliberately bad: a header ``alg`` that differs from the key actually
used, ``alg: none``, HS256 keyed with a certificate's PEM.
"""

from __future__ import annotations

import hmac
import json
import time
import uuid
from collections.abc import Mapping
from typing import Any

from jwt.algorithms import get_default_algorithms
from jwt.utils import base64url_encode

from ..crypto.jose import HMAC_DIGESTS, JWT_BEARER_GRANT_TYPE
from ..crypto.secret import Secret

#: How long a signed assertion lives by default, seconds.
DEFAULT_LIFETIME = 300


def build_claims(client_id: str, subject: str, *, now: float | None = None, lifetime: int = DEFAULT_LIFETIME,
                 jti: str | None = None) -> dict[str, Any]:
    """The claims ServiceNow checks (docs/platform.md §4 steps 7-12), times from ``now``."""
    issued = int(time.time() if now is None else now)
    return {"aud": client_id, "iss": client_id, "sub": subject, "iat": issued, "nbf": issued,
            "exp": issued + lifetime, "jti": jti or str(uuid.uuid4())}


def sign(claims: Mapping[str, Any], key: Any, algorithm: str, *, kid: str | None = None,
         headers: Mapping[str, Any] | None = None) -> str:
    """Sign ``claims`` as a compact JWS with ``algorithm``.

    ``key``: a private key object or PEM bytes (RS*/ES*), or the shared key as
    str, bytes or :class:`~mock_instance.Secret` (HS*); ignored for ``none``.
    ``headers`` are merged over ``{"alg", "typ", "kid"}`` last, so a test can
    set or override anything (even ``alg``, to lie about the algorithm); a
    value of None removes that header.
    """
    header: dict[str, Any] = {"alg": algorithm, "typ": "JWT"}
    if kid is not None:
        header["kid"] = kid
    header.update(headers or {})
    header = {name: value for name, value in header.items() if value is not None}
    signing_input = b".".join(base64url_encode(json.dumps(part, separators=(",", ":")).encode())
                              for part in (header, dict(claims)))
    return f"{signing_input.decode()}.{base64url_encode(_signature(signing_input, key, algorithm)).decode()}"


def _signature(signing_input: bytes, key: Any, algorithm: str) -> bytes:
    if algorithm.lower() == "none":
        return b""
    if algorithm in HMAC_DIGESTS:
        # By hand: PyJWT refuses PEM-looking HMAC keys, and tests need to forge exactly that.
        raw = key.reveal() if isinstance(key, Secret) else key
        return hmac.new(raw.encode() if isinstance(raw, str) else raw, signing_input, HMAC_DIGESTS[algorithm]).digest()
    algorithms = get_default_algorithms()
    if algorithm not in algorithms:
        raise ValueError(f"unknown algorithm {algorithm!r}")
    alg = algorithms[algorithm]
    return alg.sign(signing_input, alg.prepare_key(key))


def token_form(client_id: str, assertion: str, client_secret: Secret | str | None = None) -> dict[str, str]:
    """The form ServiceNow's token endpoint expects: grant type, assertion, client id (and secret unless public)."""
    form = {"grant_type": JWT_BEARER_GRANT_TYPE, "assertion": assertion, "client_id": client_id}
    if client_secret is not None:
        form["client_secret"] = client_secret.reveal() if isinstance(client_secret, Secret) else client_secret
    return form
