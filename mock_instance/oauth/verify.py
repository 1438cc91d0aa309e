"""Steps 4-6 of docs/platform.md §4: the JWT's header, its verifier map, the key, the signature."""

from __future__ import annotations

import hmac
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import get_default_algorithms

from ..crypto.jose import ALLOWED_ALGORITHMS, EC_CURVES, HMAC_DIGESTS, RSA_ALGORITHMS, describe_key
from ..crypto.keystores import KeyMaterialError
from ..crypto.secret import Secret
from ..platform.attachments import certificate_of
from ..platform.refusals import Refusal, clipped_repr
from ..platform.state import Platform
from ..tables.clock import format_glide
from ..tables.store import Record
from .compact import decode_base64url, parse_claims

#: PyJWT's RS* and ES* implementations (they turn a JWS ES signature into DER for cryptography).
_ALGORITHMS = get_default_algorithms()


def check_algorithm(header: dict[str, Any]) -> str:
    """Step 4: the header's alg is one the platform allows."""
    alg = header.get("alg")
    if alg not in ALLOWED_ALGORITHMS:
        raise Refusal("alg_not_allowed", f"header alg {clipped_repr(alg)} is not one of "
                      f"{', '.join(sorted(ALLOWED_ALGORITHMS))}")
    return alg  # type: ignore[return-value]


def find_verifier_map(platform: Platform, app: Record, header: dict[str, Any]) -> Record:
    """Step 5: the app's verifier map whose kid is the header's."""
    settings = platform.settings
    maps = platform.store.find("jwt_verifier_map", "oauth_jwt", app["sys_id"])
    if "kid" in header:
        kid = header["kid"]
        for verifier_map in maps:
            if verifier_map["kid"] == kid:
                return verifier_map
        raise Refusal("kid_unknown", f"header kid {clipped_repr(kid)} matches none of the {len(maps)} JWT "
                      f"verifier map(s) of app {app['name']!r}")
    if len(maps) == 1 and settings.accept_kidless_single_map:
        return maps[0]
    why = ("a kid-less JWT is accepted only when the app has exactly one verifier map"
           if settings.accept_kidless_single_map else "kid-less JWTs are refused (setting)")
    raise Refusal("kid_missing", f"the header has no kid and app {app['name']!r} has {len(maps)} verifier "
                  f"map(s); {why}")


def verification_key(platform: Platform, verifier_map: Record, alg: str) -> Any:
    """Step 6, the key: the map's shared key for HS*, its certificate's public key for RS*/ES*."""
    settings = platform.settings
    store = platform.store
    cert_id = verifier_map["sys_certificate"]
    if alg in HMAC_DIGESTS:
        if cert_id and not settings.allow_hs_with_certificate:
            raise Refusal("shared_key_refused", f"{alg} on verifier map {verifier_map['name']!r}, which has a "
                          "certificate; HS* uses the shared key only on maps without one")
        if not verifier_map["shared_key"]:
            raise Refusal("shared_key_missing", f"{alg} but verifier map {verifier_map['name']!r} has no shared key")
        return verifier_map["shared_key"]
    record = store.get("sys_certificate", cert_id) if cert_id else None
    if record is None:
        raise Refusal("certificate_missing", f"{alg} but verifier map {verifier_map['name']!r} has no certificate")
    try:
        cert = certificate_of(store, record)
    except KeyMaterialError as e:
        raise Refusal("certificate_unreadable", f"certificate {record['name']!r} of verifier map "
                      f"{verifier_map['name']!r}: {e}") from e
    if settings.refuse_inactive_or_expired_certificate:
        if record["active"] != "true":
            raise Refusal("certificate_inactive", f"certificate {record['name']!r} is inactive")
        now = platform.clock.time()
        if not cert.not_valid_before_utc.timestamp() <= now <= cert.not_valid_after_utc.timestamp():
            raise Refusal("certificate_expired", f"certificate {record['name']!r} is valid from "
                          f"{cert.not_valid_before_utc:%Y-%m-%d %H:%M:%S} to "
                          f"{cert.not_valid_after_utc:%Y-%m-%d %H:%M:%S} UTC, not at {format_glide(now)}")
    public_key = cert.public_key()
    if alg in RSA_ALGORITHMS and not isinstance(public_key, rsa.RSAPublicKey):
        raise Refusal("key_type_mismatch", f"{alg} needs an RSA key; certificate {record['name']!r} has "
                      f"{describe_key(public_key)}")
    if alg in EC_CURVES:
        if not isinstance(public_key, ec.EllipticCurvePublicKey):
            raise Refusal("key_type_mismatch", f"{alg} needs an EC key; certificate {record['name']!r} has "
                          f"{describe_key(public_key)}")
        if not isinstance(public_key.curve, EC_CURVES[alg]):
            raise Refusal("key_type_mismatch", f"{alg} needs curve {EC_CURVES[alg].name}; certificate "
                          f"{record['name']!r} has {public_key.curve.name}")
    return public_key


def verify_signature(assertion: str, key: Any, alg: str, verifier_map: Record) -> dict[str, Any]:
    """Step 6, the signature; returns the claims it covers.

    The header and signature were read strictly in step 4, and the claims are read the
    same way here, before the signature (a malformed JWT stays ``assertion_malformed``);
    PyJWT's algorithm objects then check the signature alone, so nothing is parsed twice.
    """
    claims = parse_claims(assertion)
    signing_input, _, signature = assertion.rpartition(".")
    given = decode_base64url(signature, "signature")
    if isinstance(key, Secret):
        # By hand: PyJWT warns on keys shorter than the digest; the platform takes any shared key.
        expected = hmac.new(key.reveal().encode(), signing_input.encode(), HMAC_DIGESTS[alg]).digest()
        if not hmac.compare_digest(expected, given):
            raise Refusal("signature_invalid", f"the {alg} signature does not verify with the shared key of "
                          f"verifier map {verifier_map['name']!r} (kid {verifier_map['kid']})")
        return claims
    try:
        valid = _ALGORITHMS[alg].verify(signing_input.encode(), key, given)
    except (ValueError, TypeError) as e:  # a key the algorithm cannot use
        raise Refusal("signature_invalid", f"the {alg} key of verifier map {verifier_map['name']!r} cannot "
                      f"verify: {e}") from e
    if not valid:
        raise Refusal("signature_invalid", f"the {alg} signature does not verify with verifier map "
                      f"{verifier_map['name']!r} (kid {verifier_map['kid']})")
    return claims
