"""``/oauth_auth.do`` without HTTP: docs/platform.md §10.4's authorize steps, in order.

The platform shows a login page and an Allow/Deny page; the mock approves at
once, for the user named by the mock-only ``snjwt_user`` parameter, else the
request's HTTP Basic user, else the logged-in admin (step 5). A refusal before
step 4 is a 400 page; from step 4 on, a redirect carrying ``error`` (RFC 6749).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from ..platform.definitions import ADMIN_SYS_ID
from ..platform.grant_tables import STATE_REQUIRED, property_is_true
from ..platform.refusals import Refusal, clipped_repr
from ..platform.state import PendingCode, Platform
from ..platform.users import password_matches
from ..tables.fields import int_or
from ..tables.store import Record
from .cleanup import cleanup_if_due
from .client_auth import decode_basic
from .grant import new_access_token
from .subjects import check_usable, user_by_name

#: docs/platform.md §10.4 step 3 [DOC]: the page text when state is required and missing.
STATE_MISSING_TEXT = "Missing State parameter in request"
#: The mock-only parameter that picks the approving user (real clients never send it).
USER_PARAMETER = "snjwt_user"


@dataclass(frozen=True)
class AuthorizeRequest:
    """What ``/oauth_auth.do`` read: its parameters (query, and form for POST) and ``Authorization``."""

    params: Mapping[str, str]
    authorization: str | None = None


class AuthorizeRefusal(Refusal):
    """A refused authorize: a 400 page with ``page`` text, or, from step 4 on, a redirect to ``location``."""

    def __init__(self, code: str, sentence: str, *, page: str | None = None, location: str | None = None) -> None:
        super().__init__(code, sentence)
        self.page = page
        self.location = location


def authorize(platform: Platform, request: AuthorizeRequest) -> str:
    """Approve and return the redirect ``Location`` with the code, or raise a :class:`Refusal`."""
    params = request.params
    store = platform.store
    with store.lock:
        app = _app(platform, params.get("client_id") or "")  # step 1
        target = _redirect_target(app, params.get("redirect_uri"))  # step 2
        state = params.get("state")
        if not state and property_is_true(store, STATE_REQUIRED, absent=False):  # step 3
            raise AuthorizeRefusal("state_missing", f"no state parameter, and {STATE_REQUIRED} is true",
                                   page=STATE_MISSING_TEXT)
        challenge = _check_response_type_and_pkce(app, params, target, state)  # step 4
        user = _user(platform, params, request.authorization)  # step 5
        code = _code(platform, app, user, target, params.get("redirect_uri"), challenge)  # step 6
        return with_query(target, {"code": code, **({"state": state} if state else {})})  # step 7


def with_query(url: str, values: Mapping[str, str]) -> str:
    """``url`` with ``values`` appended to its query string."""
    return f"{url}{'&' if '?' in url else '?'}{urlencode(values)}"


def _app(platform: Platform, client_id: str) -> Record:
    apps = platform.store.find("oauth_entity", "client_id", client_id) if client_id else []
    if not apps:
        raise Refusal("client_unknown", "the request has no client_id" if not client_id else
                      f"no application registry has client_id {clipped_repr(client_id)}")
    if apps[0]["active"] != "true":
        raise Refusal("client_inactive", f"app {apps[0]['name']!r} (client_id {client_id}) is inactive")
    return apps[0]


def _redirect_target(app: Record, redirect_uri: str | None) -> str:
    """The sent ``redirect_uri`` when registered, else the first registered URL [DOC]."""
    registered = [url.strip() for url in app["redirect_url"].split(",") if url.strip()]
    if not registered:
        raise Refusal("redirect_uri_missing", f"app {app['name']!r} has no redirect URL")
    return redirect_uri if redirect_uri in registered else registered[0]


def _check_response_type_and_pkce(app: Record, params: Mapping[str, str], target: str, state: str | None) -> str | None:
    def refuse(code: str, error: str, sentence: str) -> AuthorizeRefusal:
        extra = {"state": state} if state else {}
        return AuthorizeRefusal(code, sentence, location=with_query(target, {"error": error, **extra}))

    response_type = params.get("response_type")
    if response_type != "code":
        raise refuse("response_type_unsupported", "unsupported_response_type",
                     f"response_type {clipped_repr(response_type)} is not code")
    challenge = params.get("code_challenge") or None
    method = params.get("code_challenge_method")
    if challenge is not None and method != "S256":
        raise refuse("code_challenge_method_unsupported", "invalid_request",
                     f"code_challenge_method {clipped_repr(method)} is not S256")
    if challenge is None and app["public_client"] == "true":
        raise refuse("code_challenge_missing", "invalid_request",
                     f"app {app['name']!r} is a public client and the request has no code_challenge")
    return challenge


def _user(platform: Platform, params: Mapping[str, str], authorization: str | None) -> Record:
    """Step 5: ``snjwt_user``, else the HTTP Basic user (password checked), else the admin."""
    name = params.get(USER_PARAMETER)
    if name:
        user = user_by_name(platform, name)
    else:
        try:
            basic = decode_basic(authorization)
        except ValueError:
            raise Refusal("user_not_found", "the Authorization: Basic value is not base64 of user:password") from None
        if basic is not None:
            user = user_by_name(platform, basic[0])
            if not password_matches(user, basic[1]):
                raise Refusal("password_invalid", f"the Basic password does not match user {user['user_name']!r}")
        else:
            found = platform.store.get("sys_user", ADMIN_SYS_ID)
            if found is None:
                raise Refusal("user_not_found", "no snjwt_user, no Basic user, and the admin user is gone")
            user = found
    check_usable(user)
    return user


def _code(platform: Platform, app: Record, user: Record, target: str, redirect_uri: str | None,
          challenge: str | None) -> str:
    """Step 6: a new code kept in memory, or with ``authorize_returns_pending_code`` the live unused one."""
    now = platform.clock.time()
    cleanup_if_due(platform, now)  # the cleanup job also forgets expired codes: memory stays bounded
    codes = platform.codes
    if platform.settings.authorize_returns_pending_code:
        for code, pending in codes.items():
            if pending.app == app["sys_id"] and pending.user == user["sys_id"] and pending.expires > now:
                return code
    lifespan = int_or(app["auth_code_lifespan"], platform.settings.auth_code_lifespan_default)
    code = new_access_token()
    codes[code] = PendingCode(app["sys_id"], user["sys_id"], target, redirect_uri, challenge, now + lifespan)
    return code
