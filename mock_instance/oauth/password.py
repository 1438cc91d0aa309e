"""``grant_type=password``: docs/platform.md §10.1's checks, in order, and its two tokens."""

from __future__ import annotations

from typing import Any

from ..platform.grant_tables import ROPC_DISABLED, property_is_true
from ..platform.refusals import Refusal
from ..platform.state import Platform
from ..platform.users import password_matches
from .client_auth import PASSWORD, authenticate_client
from .issue import issue_pair
from .request import TokenRequest
from .subjects import check_usable, user_by_name


def exchange(platform: Platform, request: TokenRequest) -> dict[str, Any]:
    """A user name and password for an access and a refresh token, or :class:`Refusal`."""
    store = platform.store
    with store.lock:
        settings = platform.settings
        if property_is_true(store, ROPC_DISABLED, absent=False):  # step 1
            raise Refusal("ropc_disabled", f"the password grant is disabled: {ROPC_DISABLED} is true")
        app = authenticate_client(platform, request, PASSWORD)  # step 2
        user = user_by_name(platform, request.form.get("username"))  # step 3
        if not password_matches(user, request.form.get("password")):  # step 4
            raise Refusal("password_invalid", f"the password does not match user {user['user_name']!r}"
                          if request.form.get("password") else "the form has no password")
        check_usable(user)  # step 5
        if settings.ropc_refuse_web_service_only_users and user["web_service_access_only"] == "true":
            raise Refusal("user_not_interactive", f"user {user['user_name']!r} is web service access only and "
                          "ropc_refuse_web_service_only_users is on")
        return issue_pair(platform, app, user)  # step 6
