"""Who is calling (docs/platform.md §2, §5): ``Authorization: Basic`` checks a ``sys_user`` password,
``Authorization: Bearer`` an ``oauth_credential`` access token."""

from __future__ import annotations

import base64
import binascii

from ..oauth.tokens import TokenService
from ..platform.users import Caller, caller_of, user_is_usable
from ..tables.errors import NotAuthenticated
from ..tables.store import Record, Store

#: The tables a :class:`Caller` is made from: a write to any of them forgets every remembered one.
CALLER_TABLES = ("sys_user", "sys_user_has_role", "sys_user_role")
#: Remembered callers at most (past it, the memory starts again).
REMEMBERED = 4096


class Authenticator:
    """The caller behind an ``Authorization`` header, or :class:`NotAuthenticated`.

    A Basic credential that checked out, and each user's roles, are remembered while the
    user and role tables are unchanged, so a client's every request does not hash its
    password and look up its roles again. A Bearer token is checked every time (it
    expires on the instance clock).
    """

    def __init__(self, store: Store, tokens: TokenService) -> None:
        self._store = store
        self._tokens = tokens
        self._basic: dict[str, tuple[tuple[int, ...], Caller]] = {}
        self._by_user: dict[str, tuple[tuple[int, ...], Caller]] = {}

    def __call__(self, authorization: str | None) -> Caller:
        if not authorization:
            raise NotAuthenticated("no Authorization header")
        scheme, _, credentials = authorization.strip().partition(" ")
        scheme = scheme.lower()
        credentials = credentials.strip()
        store = self._store
        with store.lock:
            generations = (store.generation("sys_user"), store.generation("sys_user_has_role"),
                           store.generation("sys_user_role"))  # CALLER_TABLES, spelled out: every request asks
            if scheme == "basic":
                known = self._basic.get(credentials)
                if known is not None and known[0] == generations:
                    return known[1]
                caller = self._caller(_basic_user(store, credentials), generations)
                self._remember(self._basic, credentials, generations, caller)
                return caller
            if scheme == "bearer":
                return self._caller(self._tokens.user_for_access_token(credentials), generations)
        raise NotAuthenticated(f"unsupported Authorization scheme {scheme!r}")

    def _caller(self, user: Record, generations: tuple[int, ...]) -> Caller:
        known = self._by_user.get(user["sys_id"])
        if known is not None and known[0] == generations:
            return known[1]
        caller = caller_of(self._store, user)
        self._remember(self._by_user, user["sys_id"], generations, caller)
        return caller

    @staticmethod
    def _remember(memory: dict[str, tuple[tuple[int, ...], Caller]], key: str, generations: tuple[int, ...],
                  caller: Caller) -> None:
        if len(memory) >= REMEMBERED:
            memory.clear()
        memory[key] = (generations, caller)


def _basic_user(store: Store, credentials: str) -> Record:
    try:
        decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise NotAuthenticated("Basic credentials are not base64 of user:password") from None
    user_name, sep, password = decoded.partition(":")
    if not sep:
        raise NotAuthenticated("Basic credentials have no ':'")
    users = store.find("sys_user", "user_name", user_name)
    if len(users) != 1 or not users[0]["user_password"].matches(password):
        raise NotAuthenticated("unknown user or wrong password")
    if not user_is_usable(users[0]):
        raise NotAuthenticated(f"user {user_name!r} is inactive or locked out")
    return users[0]
