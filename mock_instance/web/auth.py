"""Who is calling (docs/platform.md §2, §5): ``Authorization: Basic`` checks a ``sys_user`` password,
``Authorization: Bearer`` an ``oauth_credential`` access token."""

from __future__ import annotations

import base64
import binascii

from ..oauth.tokens import TokenService
from ..platform.users import Caller, caller_of, password_matches, user_is_usable
from ..tables.errors import NotAuthenticated
from ..tables.store import Record, Store


def authenticate(store: Store, tokens: TokenService, authorization: str | None, *,
                 bearer_challenge: bool = False) -> Caller:
    """The caller behind an ``Authorization`` header, or :class:`NotAuthenticated`.

    ``bearer_challenge``: a refused Bearer token is challenged with ``Bearer`` instead of
    ``Basic`` (the setting ``www_authenticate_bearer_on_bad_token``, docs/platform.md §2).
    """
    if not authorization:
        raise NotAuthenticated("no Authorization header")
    scheme, _, credentials = authorization.strip().partition(" ")
    scheme = scheme.lower()
    with store.lock:
        if scheme == "basic":
            return caller_of(store, _basic_user(store, credentials.strip()))
        if scheme == "bearer":
            try:
                user, app = tokens.user_for_access_token(credentials.strip())
            except NotAuthenticated as e:
                if bearer_challenge:
                    e.scheme = "Bearer"
                raise
            return caller_of(store, user, app)
    raise NotAuthenticated(f"unsupported Authorization scheme {scheme!r}")


def _basic_user(store: Store, credentials: str) -> Record:
    try:
        decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise NotAuthenticated("Basic credentials are not base64 of user:password") from None
    user_name, sep, password = decoded.partition(":")
    if not sep:
        raise NotAuthenticated("Basic credentials have no ':'")
    users = store.find("sys_user", "user_name", user_name)
    if len(users) != 1 or not password_matches(users[0], password):
        raise NotAuthenticated("unknown user or wrong password")
    if not user_is_usable(users[0]):
        raise NotAuthenticated(f"user {user_name!r} is inactive or locked out")
    return users[0]
