"""Who is calling, and what the mock's ACL lets them do (PLATFORM.md §2, §5).

``Authorization: Basic`` checks a ``sys_user`` password; ``Authorization:
Bearer`` checks an ``oauth_credential`` access token. The ACL [CHOSEN]: the
security tables need the ``admin`` role, and so do writes to ``sys_user``;
other tables need any authenticated active user.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..tables.errors import NotAuthenticated, ReadRefused, WriteRefused
from ..tables.fields import ADMIN_ROLE
from ..tables.store import Record, Store

if TYPE_CHECKING:
    from ..instance import MockInstance


@dataclass(frozen=True)
class Caller:
    """The authenticated user of a request."""

    sys_id: str
    user_name: str
    roles: frozenset[str]
    #: ``basic`` or ``bearer``.
    via: str

    @property
    def is_admin(self) -> bool:
        return ADMIN_ROLE in self.roles


def roles_of(store: Store, user_sys_id: str) -> frozenset[str]:
    """The role names a user holds."""
    names = set()
    for link in store.find("sys_user_has_role", "user", user_sys_id):
        role = store.get("sys_user_role", link["role"])
        if role is not None:
            names.add(role["name"])
    return frozenset(names)


def user_is_usable(user: Record | None) -> bool:
    """Active and not locked out."""
    return user is not None and user["active"] == "true" and user["locked_out"] != "true"


def authenticate(instance: MockInstance, authorization: str | None) -> Caller:
    """The caller behind an ``Authorization`` header, or :class:`NotAuthenticated`."""
    if not authorization:
        raise NotAuthenticated("no Authorization header")
    scheme, _, credentials = authorization.strip().partition(" ")
    scheme = scheme.lower()
    store = instance.store
    with store.lock:
        if scheme == "basic":
            user = _basic_user(store, credentials.strip())
            return Caller(user["sys_id"], user["user_name"], roles_of(store, user["sys_id"]), "basic")
        if scheme == "bearer":
            user = instance.tokens.user_for_access_token(credentials.strip())
            return Caller(user["sys_id"], user["user_name"], roles_of(store, user["sys_id"]), "bearer")
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
    if len(users) != 1 or not users[0]["user_password"].matches(password):
        raise NotAuthenticated("unknown user or wrong password")
    if not user_is_usable(users[0]):
        raise NotAuthenticated(f"user {user_name!r} is inactive or locked out")
    return users[0]


def security_table(store: Store, table: str) -> bool:
    """Whether the mock's ACL reserves ``table`` for admins."""
    return any(store.table(name).secure for name in store.lineage(table))


def check_read(caller: Caller, store: Store, table: str) -> None:
    """Refuse a read the ACL does not allow."""
    if security_table(store, table) and not caller.is_admin:
        raise ReadRefused()


def check_write(caller: Caller, store: Store, table: str, operation: str) -> None:
    """Refuse an ``Insert``, ``Update`` or ``Delete`` the ACL does not allow."""
    if (security_table(store, table) or "sys_user" in store.lineage(table)) and not caller.is_admin:
        raise WriteRefused(operation)
