"""The tables and seed rows of the other grants, the API access scopes and the rate limits.

docs/platform.md §1 (``sys_properties``), §9 (the platform switches it holds),
§11.1 (auth scopes, their app mappings, REST API auth scopes) and §11.2 (rate
limit rules). Every one is admin-only in the mock's ACL (§2). A fresh instance
binds no API to a scope and has no rate-limit rule, so neither feature acts
until a test adds rows (§11).
"""

from __future__ import annotations

from ..tables.fields import Field, Table, flag, number, ref
from ..tables.store import Record, Store

#: docs/platform.md §9: the platform switches this spec reads, by name.
ROPC_DISABLED = "glide.oauth.inbound.ropc.grant_type.disabled"
CLIENT_CREDENTIALS_ENABLED = "glide.oauth.inbound.client.credential.grant_type.enabled"
STATE_REQUIRED = "glide.oauth.state.parameter.required"
USERACCOUNT_SCOPE = "glide.oauth.token.scope.useraccount"
SCOPE_CHECK_ENABLED = "com.glide.rest.api.auth.scope.check.enable"
#: docs/platform.md §11.1: the one auth scope a fresh instance has.
USERACCOUNT = "useraccount"

GRANT_TABLES: tuple[Table, ...] = (
    # docs/platform.md §11.1: "Authentication Scope".
    Table("sys_auth_scope", (Field("name"), Field("description")), secure=True),
    # docs/platform.md §11.1: which auth scopes an app's tokens carry (a new app has none).
    Table(
        "oauth_entity_auth_scope_mapping",
        (ref("oauth_entity", "oauth_entity"), ref("auth_scope", "sys_auth_scope")),
        display="auth_scope",
        secure=True,
        indexed=("oauth_entity",),
    ),
    # docs/platform.md §11.1: "REST API Auth Scope" (column names partly CHOSEN).
    Table(
        "sys_api_access_scope",
        (
            Field("name"),
            flag("active", True),
            ref("auth_scope", "sys_auth_scope"),
            Field("api_path"),
            Field("http_method"),
            Field("api_version"),
            Field("resource"),
            flag("apply_all_methods", False),
            flag("apply_all_versions", False),
            flag("apply_all_resources", False),
        ),
        secure=True,
    ),
    # docs/platform.md §11.2: inbound REST API rate limits (column names CHOSEN).
    Table(
        "sys_rate_limit_rules",
        (
            Field("name"),
            flag("active", True),
            Field("http_method"),
            Field("api_path", default="now/table"),
            Field("api_version"),
            Field("table"),
            number("request_limit", 0),
            Field("apply_to", default="all_users"),
            ref("user", "sys_user"),
            ref("role", "sys_user_role"),
        ),
        secure=True,
    ),
)


def seed_grant_tables(store: Store) -> None:
    """docs/platform.md §9, §11.1: the ``useraccount`` scope, its property, and state-parameter validation on."""
    scope = store.insert("sys_auth_scope", {"name": USERACCOUNT, "description": "Full access to the user's account"})
    store.insert("sys_properties", {"name": USERACCOUNT_SCOPE, "value": scope["sys_id"]})
    store.insert("sys_properties", {"name": STATE_REQUIRED, "value": "true", "type": "true|false"})


def property_value(store: Store, name: str) -> str | None:
    """A ``sys_properties`` value; None when no row has that name (the first row wins)."""
    rows: list[Record] = store.find("sys_properties", "name", name)
    return rows[0]["value"] if rows else None


def property_is_true(store: Store, name: str, *, absent: bool) -> bool:
    """Whether a true|false property is ``true`` (``absent`` when no row has that name)."""
    value = property_value(store, name)
    return absent if value is None else value.strip().lower() == "true"
