"""Sign JWT assertions: the client's side of RFC 7523 as ServiceNow wants it.

aud = iss = the client id, sub = the user by the app's User field, a fresh
jti, exp a few minutes ahead, kid = the verifier map's kid.

:func:`sign` assembles the JWS itself so that a test can build any assertion,
good or deliberately bad: a header ``alg`` that differs from the key actually
used, ``alg: none``, HS256 keyed with a certificate's PEM.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

from jwt.algorithms import get_default_algorithms
from jwt.utils import base64url_encode

from mock_instance import Secret
from mock_instance.client.assertion import DEFAULT_LIFETIME, build_claims

__all__ = ["DEFAULT_LIFETIME", "build_claims", "sign"]
_HMAC = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}


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
    if algorithm in _HMAC:
        # By hand: PyJWT refuses PEM-looking HMAC keys, and tests need to forge exactly that.
        raw = key.reveal() if isinstance(key, Secret) else key
        return hmac.new(raw.encode() if isinstance(raw, str) else raw, signing_input, _HMAC[algorithm]).digest()
    algorithms = get_default_algorithms()
    if algorithm not in algorithms:
        raise ValueError(f"unknown algorithm {algorithm!r}")
    alg = algorithms[algorithm]
    return alg.sign(signing_input, alg.prepare_key(key))
