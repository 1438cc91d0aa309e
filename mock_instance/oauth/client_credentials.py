"""``grant_type=client_credentials``: docs/platform.md §10.3's checks, in order.

Off until an admin creates the system property
``glide.oauth.inbound.client.credential.grant_type.enabled=true``, as on a fresh
instance. The token acts as the app's OAuth Application User (``oauth_entity.user``)
and comes without a refresh token.
"""

from __future__ import annotations

from typing import Any

from ..platform.grant_tables import CLIENT_CREDENTIALS_ENABLED, property_is_true
from ..platform.refusals import Refusal
from ..platform.state import Platform
from .client_auth import CLIENT_CREDENTIALS, authenticate_client
from .issue import ACCESS, access_body, mint_or_reuse, scope_of
from .request import TokenRequest
from .subjects import check_usable


def exchange(platform: Platform, request: TokenRequest) -> dict[str, Any]:
    """The app's own credentials for an access token acting as its application user, or :class:`Refusal`."""
    store = platform.store
    with store.lock:
        if not property_is_true(store, CLIENT_CREDENTIALS_ENABLED, absent=False):  # step 1
            raise Refusal("client_credentials_disabled", f"the client credentials grant is off: the system "
                          f"property {CLIENT_CREDENTIALS_ENABLED} is not true (a fresh instance has no such row)")
        app = authenticate_client(platform, request, CLIENT_CREDENTIALS)  # step 2
        user = store.get("sys_user", app["user"]) if app["user"] else None
        if user is None:  # step 3
            raise Refusal("application_user_missing", f"app {app['name']!r} has no OAuth Application User"
                          if not app["user"] else f"the OAuth Application User of app {app['name']!r} is gone")
        check_usable(user)  # step 4 (an admin is allowed)
        reuse = platform.settings.reuse_live_access_token_client_credentials
        return access_body(mint_or_reuse(platform, app, user, ACCESS, reuse=reuse), scope_of(platform, app))
