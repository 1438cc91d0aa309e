"""The platform's own tables, seed records and system log (docs/platform.md §1).

Pure data, and the one function that writes a ``syslog`` row. Business rules
(certificate parsing, standard claims, cascades) live in :mod:`.rules`.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable

from ..tables.fields import DATETIME, INTEGER, Field, NumberSeries, Table, flag, number, password, ref
from ..tables.store import Store
from .grant_tables import GRANT_TABLES, seed_grant_tables

#: The OOB admin user [OBS], docs/platform.md §1.
ADMIN_SYS_ID = "6816f79cc0a8016401c5a33be04be441"
ADMIN_USER_NAME = "admin"
ADMIN_ROLE = "admin"


def _random_secret(_counters: NumberSeries) -> str:
    # The platform's exact alphabet is unknown; URL-safe characters travel well.
    return secrets.token_urlsafe(24)


def _random_shared_key(_counters: NumberSeries) -> str:
    # 64 characters: long enough for HS512 (RFC 7518 §3.2) so clients' JWT
    # libraries do not warn about the generated key.
    return secrets.token_urlsafe(48)


def _random_hex(_counters: NumberSeries) -> str:
    return uuid.uuid4().hex


def _incident_number(counters: NumberSeries) -> str:
    return f"INC{counters.next_number('incident'):07d}"


#: Every table a new instance has (docs/platform.md §1); ``secure=True`` marks the ACL's admin-only tables (§2).
PLATFORM_TABLES: tuple[Table, ...] = (
    Table(
        "sys_user",
        (
            Field("user_name", label="User ID"),
            Field("email"),
            Field("first_name"),
            Field("last_name"),
            Field("name"),
            flag("active", True),
            flag("locked_out", False),
            flag("web_service_access_only", False),
            password("user_password"),
        ),
        # user_name for Basic auth; email is the token endpoint's default User field (every exchange).
        indexed=("user_name", "email"),
    ),
    Table("sys_user_role", (Field("name"), Field("description")), secure=True),
    Table(
        "sys_user_has_role",
        (ref("user", "sys_user"), ref("role", "sys_user_role")),
        display="role",
        secure=True,
        indexed=("user",),
    ),
    Table(
        "sys_certificate",
        (
            Field("name"),
            Field("short_description"),
            Field("type", default="trust_store"),
            Field("format", default="pem"),
            Field("pem_certificate"),
            password("key_store_password"),
            flag("active", True),
            Field("valid_from", DATETIME),
            Field("expires", DATETIME),
            Field("expires_in_days", INTEGER),
            Field("issuer"),
            Field("subject"),
        ),
        secure=True,
    ),
    Table(
        "sys_attachment",
        (
            Field("file_name"),
            Field("table_name"),
            Field("table_sys_id"),
            Field("content_type"),
            number("size_bytes"),
            Field("hash"),
        ),
        display="file_name",
        secure=True,
        indexed=("table_sys_id",),
    ),
    Table(
        "jwt_keystore_aliases",
        (
            Field("name"),
            ref("signing_keystore", "sys_certificate"),
            password("signing_key_password"),
            Field("kid"),
            Field("signing_algorithm", default="rsa_256"),
            flag("active", True),
        ),
        secure=True,
    ),
    Table(
        "jwt_provider",
        (
            Field("name"),
            ref("jwt_keystore_alias", "jwt_keystore_aliases", label="Signing Configuration"),
            number("expiry_interval"),  # default from settings: rules.ProviderExpiryDefault
            flag("active", True),
        ),
        secure=True,
    ),
    Table(
        "jwt_claim_validation",
        (
            Field("name"),
            flag("is_standard", False),
            Field("data_type", default="string"),
            Field("value"),
            ref("jwt_provider", "jwt_provider"),
        ),
        secure=True,
        indexed=("jwt_provider",),
    ),
    Table(
        "oauth_entity",
        (
            Field("name"),
            Field("client_id", default=_random_hex),
            password("client_secret"),
            flag("active", True),
            flag("public_client", False),
            number("access_token_lifespan", 1800),
            number("refresh_token_lifespan", 8640000),
            Field("type", default="client"),
            Field("default_grant_type"),
            Field("redirect_url"),
            Field("comments"),
            # docs/platform.md §1, §10.3, §10.4: the client-credentials user, the code lifespan (blank:
            # a setting), and skip_authorize (stored; the mock never shows a consent page).
            ref("user", "sys_user", label="OAuth Application User"),
            Field("auth_code_lifespan", INTEGER),
            flag("skip_authorize", False),
        ),
        secure=True,
        indexed=("client_id",),
    ),
    Table(
        "oauth_jwt",
        (
            Field("user_field", default="email"),
            flag("enable_jti_verification", True),
            number("clock_skew", 300),
            Field("jti_claim", default="jti"),
            Field("jwks_url"),
        ),
        parent="oauth_entity",
        secure=True,
    ),
    Table(
        "jwt_verifier_map",
        (
            Field("name"),
            ref("oauth_jwt", "oauth_jwt"),
            ref("sys_certificate", "sys_certificate"),
            Field("kid"),
            password("shared_key"),
        ),
        secure=True,
        indexed=("oauth_jwt",),
    ),
    Table(
        "oauth_jwt_claim_validation",
        (ref("oauth_jwt", "oauth_jwt"), Field("name"), Field("value")),
        secure=True,
        indexed=("oauth_jwt",),
    ),
    Table(
        "oauth_credential",
        (
            password("token"),
            Field("type", default="access_token"),
            Field("expires", DATETIME),
            ref("peer", "oauth_entity"),
            ref("user", "sys_user"),
            Field("scopes", default="useraccount"),
            Field("client_id"),
        ),
        display="type",
        secure=True,
        # user: the password grant looks up the live tokens of an app and user (docs/platform.md §10.1).
        indexed=("token", "user"),
    ),
    Table("syslog", (Field("level"), Field("source"), Field("message")), display="message", secure=True),
    Table(
        "incident",
        (
            Field("number", default=_incident_number),
            Field("short_description"),
            Field("description"),
            number("state", 1),
            number("impact", 3),
            number("urgency", 3),
            number("priority", 5),
            ref("caller_id", "sys_user"),
            flag("active", True),
        ),
        display="number",
    ),
) + GRANT_TABLES

#: Fields the platform fills when they are blank (docs/platform.md §1): kid and
#: shared key of a verifier map, the client secret of an application registry.
GENERATED_WHEN_BLANK: dict[tuple[str, str], Callable[[NumberSeries], str]] = {
    ("oauth_entity", "client_secret"): _random_secret,
    ("jwt_verifier_map", "kid"): _random_hex,
    ("jwt_verifier_map", "shared_key"): _random_shared_key,
}


def write_syslog(store: Store, level: str, source: str, message: str) -> None:
    """Write a ``syslog`` row: where the platform says what it did and why it refused."""
    store.insert("syslog", {"level": level, "source": source, "message": message})


def seed(store: Store, admin_password: str) -> None:
    """What a new instance holds: the admin user with the admin role, the auth scope and properties of §9, §11."""
    with store.lock:
        store.insert("sys_user", {
            "sys_id": ADMIN_SYS_ID, "user_name": ADMIN_USER_NAME, "first_name": "System",
            "last_name": "Administrator", "name": "System Administrator", "email": "admin@example.com",
            "user_password": admin_password,
        })
        role = store.insert("sys_user_role", {"name": ADMIN_ROLE, "description": "Administrator"})
        store.insert("sys_user_has_role", {"user": ADMIN_SYS_ID, "role": role["sys_id"]})
        seed_grant_tables(store)
