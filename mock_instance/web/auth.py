"""Who is calling (docs/platform.md §2, §5): ``Authorization: Basic`` checks a ``sys_user`` password,
``Authorization: Bearer`` an ``oauth_credential`` access token."""

from __future__ import annotations

import base64
import binascii

from ..oauth.tokens import TokenService
from ..platform.users import Caller, caller_of, password_matches, user_is_usable
from ..tables.errors import NotAuthenticated
from ..tables.store import Record, Store

#: The tables a :class:`Caller` is made from: a write to any of them forgets every remembered one.
CALLER_TABLES = ("sys_user", "sys_user_has_role", "sys_user_role")
#: Remembered Basic credentials at most (past it, the memory starts again).
REMEMBERED = 4096


class Authenticator:
    """The caller behind an ``Authorization`` header, or :class:`NotAuthenticated`.

    A Basic credential that checked out is remembered with its caller while the user and role
    tables are unchanged (their write generations), so a client's every request does not hash
    its password and look up its roles again. A Bearer token is checked every time (it expires
    on the instance clock).
    """

    def __init__(self, store: Store, tokens: TokenService) -> None:
        self._store = store
        self._tokens = tokens
        self._basic: dict[str, tuple[tuple[int, ...], Caller]] = {}

    def __call__(self, authorization: str | None, *, bearer_challenge: bool = False) -> Caller:
        """``bearer_challenge``: a refused Bearer token is challenged with ``Bearer`` instead of
        ``Basic`` (the setting ``www_authenticate_bearer_on_bad_token``, docs/platform.md §2)."""
        if not authorization:
            raise NotAuthenticated("no Authorization header")
        scheme, _, credentials = authorization.strip().partition(" ")
        scheme = scheme.lower()
        store = self._store
        with store.lock:
            if scheme == "basic":
                credentials = credentials.strip()
                generations = tuple(store.indexes.generation(store.root(t)) for t in CALLER_TABLES)
                known = self._basic.get(credentials)
                if known is not None and known[0] == generations:
                    return known[1]
                caller = caller_of(store, _basic_user(store, credentials))
                if len(self._basic) >= REMEMBERED:
                    self._basic.clear()
                self._basic[credentials] = (generations, caller)
                return caller
            if scheme == "bearer":
                try:
                    user, app = self._tokens.user_for_access_token(credentials.strip())
                except NotAuthenticated as e:
                    if bearer_challenge:
                        e.scheme = "Bearer"
                    raise
                return caller_of(store, user, app)
        raise NotAuthenticated(f"unsupported Authorization scheme {scheme!r}")


def authenticate(store: Store, tokens: TokenService, authorization: str | None, *,
                 bearer_challenge: bool = False) -> Caller:
    """The caller behind an ``Authorization`` header, remembering nothing (see :class:`Authenticator`)."""
    return Authenticator(store, tokens)(authorization, bearer_challenge=bearer_challenge)


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
