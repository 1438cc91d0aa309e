"""Step 1 of docs/platform.md §4: what the token request carries, read the way the platform reads it.

No HTTP objects: the web layer hands over the form fields and two headers.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote_plus

from ..crypto.jose import JWT_BEARER_GRANT_TYPE
from ..platform.refusals import Refusal, clipped_repr
from ..platform.settings import Settings

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class TokenRequest:
    """What the token endpoint read from the HTTP request."""

    content_type: str
    form: Mapping[str, str]
    #: Form parameters sent more than once (RFC 6749 §3.2: each at most once).
    repeated: frozenset[str] = frozenset()
    #: The ``Authorization`` header (HTTP Basic client authentication).
    authorization: str | None = None
    #: PySNC's ``Authentication: Bearer <jwt>`` header.
    authentication: str | None = None


def check_form(request: TokenRequest) -> None:
    """The body is a form: every grant's first check (docs/platform.md §4 step 1, §10.0)."""
    if request.content_type != FORM_CONTENT_TYPE:
        raise Refusal("request_not_form", f"Content-Type {request.content_type or 'none'!r} is not "
                      f"{FORM_CONTENT_TYPE}; the token endpoint reads the form body only")
    if request.repeated:  # RFC 6749 §5.2: "repeats a parameter" is an invalid_request
        raise Refusal("parameter_repeated", f"form parameter(s) {clipped_repr(sorted(request.repeated))} sent more "
                      "than once; RFC 6749 §3.2: each at most once")


def check_grant(request: TokenRequest) -> None:
    """A form body with the jwt-bearer grant."""
    check_form(request)
    grant = request.form.get("grant_type")
    if grant != JWT_BEARER_GRANT_TYPE:
        shown = "missing" if grant is None else clipped_repr(grant)
        raise Refusal("grant_type_unsupported", f"grant_type {shown} is not {JWT_BEARER_GRANT_TYPE}")


def read_assertion(request: TokenRequest, settings: Settings) -> str:
    """The assertion: the form's, or PySNC's header when that is accepted (docs/platform.md §8)."""
    form = request.form
    assertion = form.get("assertion") or ""
    if not assertion and request.authentication:
        scheme, _, value = request.authentication.strip().partition(" ")
        if not settings.accept_pysnc_header:
            raise Refusal("assertion_header_refused", "the JWT came in an 'Authentication' header (PySNC's "
                          "ServiceNowJWTAuth); set accept_pysnc_header to accept it")
        if scheme.lower() == "bearer":
            assertion = value.strip()
    if not assertion:
        raise Refusal("assertion_missing", "the form has no assertion" if "assertion" not in form
                      else "the assertion parameter is empty")
    return assertion


def read_client(request: TokenRequest, settings: Settings) -> tuple[str | None, str | None]:
    """``(client_id, client_secret)`` from the form, else from HTTP Basic when that is accepted."""
    client_id, client_secret = request.form.get("client_id"), request.form.get("client_secret")
    if client_id is None and request.authorization:
        return _basic_client(request.authorization, settings)
    return client_id, client_secret


def _basic_client(authorization: str, settings: Settings) -> tuple[str | None, str | None]:
    scheme, _, encoded = authorization.strip().partition(" ")
    if scheme.lower() != "basic":
        return None, None
    if not settings.accept_basic_client_auth_jwt_bearer:
        raise Refusal("client_auth_basic_refused", "the client id and secret came as HTTP Basic; set "
                      "accept_basic_client_auth_jwt_bearer to accept them for jwt-bearer, or send client_id and "
                      "client_secret in the form")
    try:
        user, sep, password = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise Refusal("client_auth_basic_refused", "the Basic client credentials are not base64 "
                      "of client_id:client_secret") from None
    # RFC 6749 §2.3.1: both parts are form-urlencoded before the Basic encoding.
    return unquote_plus(user), unquote_plus(password) if sep else None
