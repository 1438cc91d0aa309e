"""Users, roles and the mock's ACL (docs/platform.md §2, §5).

The ACL [CHOSEN]: the security tables need the ``admin`` role, and so do
writes to ``sys_user``, ``sys_db_object``, ``sys_dictionary`` and ``sys_choice``
(the schema marks them); other tables need any authenticated active user.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..tables.errors import ReadRefused, WriteRefused
from ..tables.store import Record, Store
from .definitions import ADMIN_ROLE


@dataclass(frozen=True)
class Caller:
    """The authenticated user of a request."""

    sys_id: str
    user_name: str
    roles: frozenset[str]
    #: The ``oauth_entity`` sys_id of the Bearer token the request came with (None: not a Bearer
    #: request); the API access scope check reads it (docs/platform.md §11.1).
    token_app: str | None = None

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


def caller_of(store: Store, user: Record, token_app: str | None = None) -> Caller:
    """The :class:`Caller` a request authenticated as ``user`` acts as (``token_app``: a Bearer token's app)."""
    return Caller(user["sys_id"], user["user_name"], roles_of(store, user["sys_id"]), token_app)


def password_matches(user: Record, candidate: str | None) -> bool:
    """Whether ``candidate`` is the user's password; a user without a password matches nothing."""
    stored = user["user_password"]
    return bool(stored) and bool(candidate) and stored.matches(candidate)


def user_is_usable(user: Record | None) -> bool:
    """Active and not locked out."""
    return user is not None and user["active"] == "true" and user["locked_out"] != "true"


def security_table(store: Store, table: str) -> bool:
    """Whether the mock's ACL reserves ``table`` for admins."""
    return any(store.table(name).secure for name in store.lineage(table))


def can_read(caller: Caller, store: Store, table: str) -> bool:
    """Whether the ACL lets ``caller`` read ``table``: at the URL, and at every hop of a dot-walk."""
    return caller.is_admin or not security_table(store, table)


def check_read(caller: Caller, store: Store, table: str) -> None:
    """Refuse a read the ACL does not allow."""
    if not can_read(caller, store, table):
        raise ReadRefused()


def check_write(caller: Caller, store: Store, table: str, operation: str) -> None:
    """Refuse an ``Insert``, ``Update`` or ``Delete`` the ACL does not allow."""
    admin_writes = any(store.table(name).admin_writes for name in store.lineage(table))
    if (admin_writes or security_table(store, table)) and not caller.is_admin:
        raise WriteRefused(operation)
