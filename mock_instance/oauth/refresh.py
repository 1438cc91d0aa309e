"""``grant_type=refresh_token``: docs/platform.md §10.2's checks, in order.

A new access token every time; the refresh token is echoed unchanged (same
value, same expiry) unless ``rotate_refresh_token``.
"""

from __future__ import annotations

from typing import Any

from ..platform.refusals import Refusal
from ..platform.state import Platform
from ..tables.clock import parse_glide
from .client_auth import REFRESH_TOKEN, authenticate_client
from .issue import ACCESS, REFRESH, expire, live_credentials, mint, pair_body, scope_of
from .request import TokenRequest
from .subjects import user_of


def exchange(platform: Platform, request: TokenRequest) -> dict[str, Any]:
    """A refresh token for a new access token, or :class:`Refusal`."""
    store = platform.store
    with store.lock:
        settings = platform.settings
        app = authenticate_client(platform, request, REFRESH_TOKEN)  # step 1
        sent = request.form.get("refresh_token")
        if not sent:  # step 2
            raise Refusal("refresh_token_missing", "the form has no refresh_token" if sent is None
                          else "the refresh_token parameter is empty")
        rows = [c for c in store.find("oauth_credential", "token", sent)
                if c["type"] == REFRESH and c["peer"] == app["sys_id"]]
        if not rows:  # step 3: another app's refresh token counts as unknown
            raise Refusal("refresh_token_unknown", f"no refresh token of app {app['name']!r} has the value sent")
        credential = rows[0]
        if (parse_glide(credential["expires"]) or 0) <= platform.clock.time():  # step 4
            raise Refusal("refresh_token_expired", f"the refresh token expired at {credential['expires']} UTC "
                          "(or was revoked)")
        user = user_of(platform, credential["user"], "the refresh token")  # step 5
        if settings.refresh_expires_previous_access_token:
            for earlier in live_credentials(platform, app, user, ACCESS):
                expire(platform, earlier)
        access = mint(platform, app, user, ACCESS)  # step 6
        if settings.rotate_refresh_token:
            refresh: Any = mint(platform, app, user, REFRESH)
            expire(platform, credential)
        else:
            refresh = sent
        return pair_body(access, refresh, scope_of(platform, app))
