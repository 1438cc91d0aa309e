"""The JOSE tables: one place where the signer (client side) and the verifier (the instance) agree.

docs/platform.md §4 step 4 (the allowed algorithms), §1 (``signing_algorithm``
choice values) and RFC 7518 (which curve each ES* algorithm uses).
"""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives.asymmetric import ec, rsa

#: RFC 7523 §2.1.
JWT_BEARER_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

#: docs/platform.md §4 step 4: RS* and ES* verify with a certificate key [DOC], HS* with the verifier map's shared key.
RSA_ALGORITHMS = frozenset({"RS256", "RS384", "RS512"})
#: RFC 7518 §3.4: each ES* algorithm's curve.
EC_CURVES: dict[str, type[ec.EllipticCurve]] = {"ES256": ec.SECP256R1, "ES384": ec.SECP384R1, "ES512": ec.SECP521R1}
HMAC_DIGESTS = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}
ALLOWED_ALGORITHMS = RSA_ALGORITHMS | frozenset(EC_CURVES) | frozenset(HMAC_DIGESTS)

#: ``jwt_keystore_aliases.signing_algorithm`` choice value → JWS alg. ``rsa_256`` is [DOC];
#: the others follow its pattern [INF].
SIGNING_ALGORITHM_CHOICES = {
    "rsa_256": "RS256", "rsa_384": "RS384", "rsa_512": "RS512",
    "ecdsa_256": "ES256", "ecdsa_384": "ES384", "ecdsa_512": "ES512",
}
#: JWS alg → the choice value a JWT key record stores.
SIGNING_ALGORITHM_CHOICE_OF = {alg: choice for choice, alg in SIGNING_ALGORITHM_CHOICES.items()}


def key_family(algorithm: str) -> str:
    """``RS``, ``ES`` or ``HS`` for a JWS alg name; ValueError for anything else."""
    family = algorithm[:2].upper()
    if family not in ("RS", "ES", "HS") or algorithm[2:] not in ("256", "384", "512"):
        raise ValueError(f"algorithm must be RS/ES/HS 256/384/512, not {algorithm!r}")
    return family


def default_algorithm(key: PrivateKey) -> str:
    """The JWS alg a key signs with: RS256 for RSA, the curve's ES* for EC (RFC 7518 §3.4)."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return next((alg for alg, curve in EC_CURVES.items() if isinstance(key.curve, curve)), "ES256")
    return "RS256"


def describe_key(key: object) -> str:
    """``an RSA-2048 key``, ``an EC secp256r1 key``: for sentences about a key that does not fit."""
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        return f"an RSA-{key.key_size} key"
    if isinstance(key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey):
        return f"an EC {key.curve.name} key"
    return f"a {type(key).__name__}"
