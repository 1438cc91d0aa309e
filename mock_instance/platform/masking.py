"""Secrets out of what the mock shows about a request: headers, query strings and bodies, masked.

The request log keeps what clients sent and what the instance answered, so a
person can see why a request went wrong; none of it may show a secret (client
secrets, passwords, assertions, tokens, codes, private keys). Masking works on
names where it knows them (form fields, JSON keys, query parameters, headers)
and on shapes everywhere else (a JWT, a PEM private key, a long opaque token),
so a truncated or unparseable body is masked too.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

from ..crypto.secret import MASK

#: Form fields, JSON keys and query parameters whose values are secrets (any grant, any API).
SECRET_NAMES = frozenset({
    "client_secret", "assertion", "client_assertion", "password", "refresh_token", "access_token", "id_token",
    "token", "code", "code_verifier", "shared_key", "key_store_password", "signing_key_password",
    "user_password", "jwt", "private_key", "secret",
})
#: Headers whose values are credentials (the scheme stays visible: ``Bearer ***``).
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "authentication", "cookie", "set-cookie",
                            "x-usertoken"})
#: Characters of a body kept for display, after masking.
SHOWN_BODY = 4096

_JWT = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*)?")
_PEM_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)", re.S)
#: An opaque token (access tokens are 86 base64url characters): no sys_id or hash is this long.
_OPAQUE = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{80,}(?![A-Za-z0-9_-])")
_NAMES = "|".join(sorted(SECRET_NAMES))
#: ``"name": "value"`` in JSON text that could not be parsed (cut short, say); the value may be unterminated.
_JSON_PAIR = re.compile(rf'("(?:{_NAMES})"\s*:\s*)"(?:[^"\\]|\\.)*(?:"|\Z)')
_FORM_PAIR = re.compile(rf"(?:(?<=[&?])|^)((?:{_NAMES})=)[^&\s]*", re.M)


def mask_header(name: str, value: str) -> str:
    """A header's value for display: credentials masked, keeping the scheme and a Basic user name."""
    if name.lower() not in SECRET_HEADERS:
        return value
    scheme, _, credentials = value.strip().partition(" ")
    if scheme.lower() == "basic" and credentials:
        user = basic_user(credentials)
        return f"Basic {user}:{MASK}" if user is not None else f"Basic {MASK}"
    return f"{scheme} {MASK}" if credentials else MASK


def basic_user(credentials: str) -> str | None:
    """The user name in HTTP Basic credentials (not a secret), or None when they cannot be read."""
    try:
        user, sep, _ = base64.b64decode(credentials.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, ValueError):
        return None
    return user if sep else None


def mask_query(query: str) -> str:
    """A query string or form body with the values of secret parameters masked."""
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    if not pairs:
        return mask_text(query)
    return urlencode([(k, MASK if k in SECRET_NAMES else mask_text(v)) for k, v in pairs], safe="*:/@,")


def mask_json(value: Any) -> Any:
    """A parsed JSON document with the values of secret keys masked, at any depth."""
    if isinstance(value, dict):
        return {k: MASK if k in SECRET_NAMES and v not in ("", None) else mask_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_json(v) for v in value]
    if isinstance(value, str):
        return mask_text(value)
    return value


def mask_text(text: str) -> str:
    """Free text with anything shaped like a secret masked: JWTs, PEM private keys, opaque tokens, and
    ``name=value`` or ``"name": "value"`` pairs of :data:`SECRET_NAMES`."""
    text = _PEM_KEY.sub(MASK, text)
    text = _JWT.sub(MASK, text)
    text = _JSON_PAIR.sub(rf'\1"{MASK}"', text)
    text = _FORM_PAIR.sub(rf"\1{MASK}", text)
    return _OPAQUE.sub(MASK, text)


def mask_body(data: bytes, content_type: str, *, total: int) -> str:
    """A body for display: masked by its type, shortened to :data:`SHOWN_BODY` characters.

    ``data`` is what was captured of it, ``total`` its full size in bytes.
    Binary content is summarised, never shown.
    """
    if not data:
        return f"({total} bytes, not read)" if total else ""
    text = _decoded(data, truncated=total > len(data))
    if text is None:
        return f"({total} bytes of {content_type or 'binary data'})"
    mimetype = content_type.split(";", 1)[0].strip().lower()
    if mimetype == "application/x-www-form-urlencoded":
        text = mask_query(text)
    elif mimetype.endswith("json") and total == len(data):
        try:
            text = json.dumps(mask_json(json.loads(text)), ensure_ascii=False)
        except (ValueError, RecursionError):
            text = mask_text(text)
    else:
        text = mask_text(text)
    if len(text) > SHOWN_BODY or total > len(data):
        return f"{text[:SHOWN_BODY]}… ({total} bytes in all)"
    return text


def _decoded(data: bytes, *, truncated: bool) -> str | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        # A cut through the last character of a longer body is not binary data.
        if not truncated or e.start < len(data) - 3:
            return None
        text = data[: e.start].decode("utf-8")
    if "\x00" in text:
        return None
    return text
