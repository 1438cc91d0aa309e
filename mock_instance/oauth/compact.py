"""Reading a compact JWS strictly: three segments of canonical base64url, header and claims UTF-8 JSON objects.

RFC 7515 §2 and §7.1 (base64url without padding), RFC 7519 §7.2 (UTF-8).
Python's decoders are lenient (padding, the standard alphabet, UTF-16 JSON);
an assertion that only a lenient reader accepts is ``assertion_malformed``.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from ..platform.refusals import Refusal

#: RFC 7515 §4.1.1 and §4.1.4: header parameters whose value is a string (checked before any use).
STRING_HEADER_PARAMETERS = {"alg": "Algorithm", "kid": "Key ID"}


def _segments(assertion: str) -> list[str]:
    segments = assertion.split(".")
    if len(segments) != 3:
        raise Refusal("assertion_malformed", f"the assertion is not a JWT: {len(segments)} dot-separated "
                      "segment(s), a compact JWS has 3")
    return segments


def decode_base64url(segment: str, part: str) -> bytes:
    """One segment in its one canonical form, base64url without padding; else ``assertion_malformed``."""
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        raw = None
    if raw is None or base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != segment:
        raise Refusal("assertion_malformed", f"the assertion is not a JWT: its {part} is not base64url "
                      "without padding (RFC 7515 §2)")
    return raw


def decode_segment(segment: str, part: str) -> dict[str, Any]:
    """The JOSE header or the claims: canonical base64url of a UTF-8 JSON object.

    The one decoder for both: ``json.loads`` given bytes would also take UTF-16, UTF-32 and a BOM.
    """
    raw = decode_base64url(segment, part)
    try:
        value = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise Refusal("assertion_malformed", f"the assertion is not a JWT: its {part} is not UTF-8 JSON "
                      "(RFC 7519 §7.2)") from None
    if not isinstance(value, dict):
        raise Refusal("assertion_malformed", f"the assertion is not a JWT: its {part} is not a JSON object")
    return value


def parse_claims(assertion: str) -> dict[str, Any]:
    """A compact JWS's claims, unverified (see :func:`decode_segment`)."""
    return decode_segment(_segments(assertion)[1], "claims")


def parse_header(assertion: str) -> dict[str, Any]:
    """A compact JWS's header, unverified; :class:`Refusal` ``assertion_malformed`` when it is not one.

    Step 4 ("the JWT parses"): the signature segment must be canonical base64url too.
    """
    segments = _segments(assertion)
    decode_base64url(segments[2], "signature")
    header = decode_segment(segments[0], "header")
    for name, label in STRING_HEADER_PARAMETERS.items():
        if name in header and not isinstance(header[name], str):
            raise Refusal("assertion_malformed", f"the assertion is not a JWT: {label} header parameter must be "
                          "a string")
    return header
