"""Tokens of the other grants: access and refresh rows in ``oauth_credential``, re-use, reply bodies.

docs/platform.md §10.0 (lifespans, ``expires_in``, success bodies, ``scope``),
§10.1 step 6 (re-use of live tokens) and §10.6 (what each grant writes).
Everything here runs under the store lock, in the same atomic step as the
grant's checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..platform.grant_tables import USERACCOUNT
from ..platform.state import Platform
from ..tables.clock import format_glide, parse_glide
from ..tables.fields import int_or
from ..tables.store import Record
from .cleanup import cleanup_if_due
from .grant import DEFAULT_ACCESS_TOKEN_LIFESPAN, SCOPE, new_access_token

ACCESS, REFRESH = "access_token", "refresh_token"
#: docs/platform.md §1: ``oauth_entity.refresh_token_lifespan`` when the field holds no number (100 days).
DEFAULT_REFRESH_TOKEN_LIFESPAN = 8640000


@dataclass(frozen=True)
class Issued:
    """A token handed out, and its ``expires_in`` (seconds left - 1, as in every capture)."""

    token: str
    expires_in: int


def lifespan(app: Record, kind: str) -> int:
    """The app's access or refresh token lifespan, seconds."""
    if kind == ACCESS:
        return int_or(app["access_token_lifespan"], DEFAULT_ACCESS_TOKEN_LIFESPAN)
    return int_or(app["refresh_token_lifespan"], DEFAULT_REFRESH_TOKEN_LIFESPAN)


def live_credentials(platform: Platform, app: Record, user: Record, kind: str) -> list[Record]:
    """The unexpired ``kind`` rows of this app and user, oldest first."""
    now = platform.clock.time()
    return [c for c in platform.store.find("oauth_credential", "user", user["sys_id"])
            if c["peer"] == app["sys_id"] and c["type"] == kind and (parse_glide(c["expires"]) or 0) > now]


def newest_live_credential(platform: Platform, app: Record, user: Record, kind: str) -> Record | None:
    """The newest unexpired ``kind`` row of this app and user: searched newest first, so a user with many
    tokens (a refresh or client-credentials loop) costs one expiry check, not one per token."""
    now = platform.clock.time()
    for c in reversed(platform.store.find("oauth_credential", "user", user["sys_id"])):
        if c["peer"] == app["sys_id"] and c["type"] == kind and (parse_glide(c["expires"]) or 0) > now:
            return c
    return None


def mint(platform: Platform, app: Record, user: Record, kind: str) -> Issued:
    """A new row: token, type, expires (now + lifespan), peer, user, client_id, scopes (§10.6)."""
    now = platform.clock.time()
    cleanup_if_due(platform, now)
    span = lifespan(app, kind)
    token = new_access_token()
    platform.store.insert("oauth_credential", {
        "token": token, "type": kind, "expires": format_glide(now + span), "peer": app["sys_id"],
        "user": user["sys_id"], "scopes": SCOPE, "client_id": app["client_id"],
    }, actor=user["user_name"])
    return Issued(token, span - 1)


def extend(platform: Platform, credential: Record, app: Record, actor: str) -> Issued:
    """A live row handed out again: its expiry moves to now + the lifespan (§10.1 step 6)."""
    span = lifespan(app, credential["type"])
    platform.store.update("oauth_credential", credential["sys_id"],
                          {"expires": format_glide(platform.clock.time() + span)}, actor=actor)
    return Issued(credential["token"].reveal(), span - 1)


def mint_or_reuse(platform: Platform, app: Record, user: Record, kind: str, *, reuse: bool) -> Issued:
    """The newest live ``kind`` token of this app and user, extended, when ``reuse``; else a new one."""
    if reuse:
        live = newest_live_credential(platform, app, user, kind)
        if live is not None:
            return extend(platform, live, app, user["user_name"])
    return mint(platform, app, user, kind)


def expire(platform: Platform, credential: Record) -> None:
    """A row's ``expires`` set to now, when it is later (revocation, rotation); the row stays until cleanup."""
    now = platform.clock.time()
    if (parse_glide(credential["expires"]) or 0) > now:
        platform.store.update("oauth_credential", credential["sys_id"], {"expires": format_glide(now)},
                              actor="system")


def scope_of(platform: Platform, app: Record) -> str:
    """The reply's ``scope``: ``useraccount``, or with ``token_scope_from_app_mapping`` the app's mapped
    auth scopes by name, space-separated (``""`` when it has none) (§10.0)."""
    if not platform.settings.token_scope_from_app_mapping:
        return USERACCOUNT
    store = platform.store
    names = set()
    for mapping in store.find("oauth_entity_auth_scope_mapping", "oauth_entity", app["sys_id"]):
        scope = store.get("sys_auth_scope", mapping["auth_scope"])
        if scope is not None:
            names.add(scope["name"])
    return " ".join(sorted(names))


def pair_body(access: Issued, refresh: Issued | str, scope: str) -> dict[str, Any]:
    """password, authorization_code and refresh_token replies: keys in the captured order (§10.0)."""
    refresh_token = refresh if isinstance(refresh, str) else refresh.token
    return {"access_token": access.token, "refresh_token": refresh_token, "scope": scope, "token_type": "Bearer",
            "expires_in": access.expires_in}


def access_body(access: Issued, scope: str) -> dict[str, Any]:
    """The client_credentials reply: no refresh token (§10.3)."""
    return {"access_token": access.token, "scope": scope, "token_type": "Bearer", "expires_in": access.expires_in}


def issue_pair(platform: Platform, app: Record, user: Record) -> dict[str, Any]:
    """Access and refresh token for the password and authorization_code grants (§10.1 step 6)."""
    reuse = platform.settings.reuse_live_access_token
    access = mint_or_reuse(platform, app, user, ACCESS, reuse=reuse)
    refresh = mint_or_reuse(platform, app, user, REFRESH, reuse=reuse)
    return pair_body(access, refresh, scope_of(platform, app))

