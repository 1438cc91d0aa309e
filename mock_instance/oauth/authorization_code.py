"""``grant_type=authorization_code`` with PKCE: docs/platform.md §10.4's exchange, in order.

The code comes from ``/oauth_auth.do`` (:mod:`.authorize`). Only a success
consumes it; the tokens are issued as for the password grant.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from ..platform.refusals import Refusal
from ..platform.state import PendingCode, Platform
from .client_auth import AUTHORIZATION_CODE, authenticate_client
from .issue import issue_pair
from .request import TokenRequest
from .subjects import user_of


def s256(verifier: str) -> str:
    """BASE64URL(SHA-256(code_verifier)) without padding (RFC 7636 §4.2)."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def challenge_mismatch_body(computed: str, stored: str) -> dict[str, str]:
    """docs/platform.md §10.4 [OBS]: the one non-generic refusal body ever captured (``expected`` is the
    challenge computed from the verifier, ``actual`` the one stored with the code)."""
    return {"error_description": f"can't verify code challenge, expected:{computed}, actual:{stored}",
            "error": "invalid_request"}


def exchange(platform: Platform, request: TokenRequest) -> dict[str, Any]:
    """An authorization code (and its PKCE verifier) for an access and a refresh token, or :class:`Refusal`."""
    store = platform.store
    form = request.form
    with store.lock:
        app = authenticate_client(platform, request, AUTHORIZATION_CODE)  # step 1
        code = form.get("code") or ""
        pending = platform.codes.get(code) if code else None
        if pending is None or pending.app != app["sys_id"]:  # step 2
            raise Refusal("code_invalid", "the form has no code" if not code else
                          f"the code was not issued to app {app['name']!r}, or was already used")
        if platform.clock.time() >= pending.expires:
            raise Refusal("code_expired", "the authorization code is past its lifespan")
        if pending.redirect_uri is not None and form.get("redirect_uri") != pending.redirect_uri:  # step 3
            raise Refusal("redirect_uri_mismatch", "redirect_uri is not the one the authorize request carried"
                          if "redirect_uri" in form else "the authorize request had a redirect_uri and this has none")
        check_verifier(pending, form.get("code_verifier"))  # step 4
        user = user_of(platform, pending.user, "the authorization code")  # step 5
        del platform.codes[code]  # step 6
        return issue_pair(platform, app, user)


def check_verifier(pending: PendingCode, verifier: str | None) -> None:
    """Step 4: when the code has a challenge, the verifier's S256 matches it."""
    if pending.challenge is None:
        return
    if not verifier:
        raise Refusal("code_verifier_missing", "the code was issued with a code_challenge and the form has no "
                      "code_verifier")
    computed = s256(verifier)
    if computed != pending.challenge:
        raise Refusal("code_challenge_mismatch", "BASE64URL(SHA-256(code_verifier)) is not the code's challenge",
                      body=challenge_mismatch_body(computed, pending.challenge))
