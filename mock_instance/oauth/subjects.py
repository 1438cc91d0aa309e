"""The user a token of the other grants acts as: found by user name, checked usable (docs/platform.md §10).

The other grants do not refuse admin users (§10.0, "Admin users").
"""

from __future__ import annotations

from ..platform.refusals import Refusal, clipped_repr
from ..platform.state import Platform
from ..tables.store import Record


def user_by_name(platform: Platform, user_name: str | None) -> Record:
    """Exactly one ``sys_user`` whose ``user_name`` is ``user_name`` (§10.1 step 3; case and duplicates
    by ``user_lookup_case_sensitive`` and ``refuse_duplicate_users``)."""
    settings = platform.settings
    store = platform.store
    if not user_name:
        raise Refusal("user_not_found", "the form has no username" if user_name is None else "the username is empty")
    if settings.user_lookup_case_sensitive:
        users = store.find("sys_user", "user_name", user_name)
    else:
        folded = user_name.casefold()
        users = [u for u in store.records("sys_user") if u["user_name"].casefold() == folded]
    if not users:
        raise Refusal("user_not_found", f"no sys_user has user_name {clipped_repr(user_name)}")
    if len(users) > 1 and settings.refuse_duplicate_users:
        raise Refusal("user_ambiguous", f"{len(users)} sys_user records have user_name {clipped_repr(user_name)}")
    return users[0]


def check_usable(user: Record) -> None:
    """Active and not locked out (§10.1 step 5, §10.2 step 5, §10.3 step 4, §10.4)."""
    if user["active"] != "true":
        raise Refusal("user_inactive", f"user {user['user_name']!r} is inactive")
    if user["locked_out"] == "true":
        raise Refusal("user_locked_out", f"user {user['user_name']!r} is locked out")


def user_of(platform: Platform, sys_id: str, whose: str) -> Record:
    """The usable user a token or code was issued to; ``whose`` names it in the sentence."""
    user = platform.store.get("sys_user", sys_id) if sys_id else None
    if user is None:
        raise Refusal("user_not_found", f"the user of {whose} no longer exists")
    check_usable(user)
    return user
