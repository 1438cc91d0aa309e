"""The platform's tables: fields, defaults, generated values (PLATFORM.md §1).

Pure data. Business rules (certificate parsing, standard claims, ...) live in
:mod:`mock_instance.platform.rules`; storage in :mod:`mock_instance.tables.store`.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .store import Store

#: Field kinds. Every value is stored as a string, as the Table API shows it.
STRING, BOOLEAN, INTEGER, REFERENCE, PASSWORD, DATETIME = (
    "string", "boolean", "integer", "reference", "password", "glide_date_time",
)
KINDS = frozenset({STRING, BOOLEAN, INTEGER, REFERENCE, PASSWORD, DATETIME})

#: A default is a literal string or a function of the store (for generated values).
Default = str | Callable[["Store"], str]

#: The OOB admin user's sys_id [OBS], PLATFORM.md §1.
ADMIN_SYS_ID = "6816f79cc0a8016401c5a33be04be441"
ADMIN_ROLE = "admin"


def new_sys_id(_store: Store | None = None) -> str:
    """A platform sys_id: 32 lowercase hex characters."""
    return uuid.uuid4().hex


def _random_secret(_store: Store) -> str:
    # The platform's exact alphabet is unknown; URL-safe characters travel well.
    return secrets.token_urlsafe(24)


def _random_shared_key(_store: Store) -> str:
    # 64 characters: long enough for HS512 (RFC 7518 §3.2) so clients' JWT
    # libraries do not warn about the generated key.
    return secrets.token_urlsafe(48)


def _incident_number(store: Store) -> str:
    return f"INC{store.next_number('incident'):07d}"


def _expiry_interval(store: Store) -> str:
    return str(store.settings.expiry_interval_default)


@dataclass(frozen=True)
class Field:
    """One column: name, kind, default, referenced table and label."""

    name: str
    kind: str = STRING
    default: Default = ""
    reference: str | None = None
    label: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"field {self.name!r}: unknown kind {self.kind!r}; one of {sorted(KINDS)}")
        if (self.kind == REFERENCE) != (self.reference is not None):
            raise ValueError(f"field {self.name!r}: a reference field names its table, and only it does")

    def default_for(self, store: Store) -> str:
        """The value a new record gets when none is given."""
        return self.default(store) if callable(self.default) else self.default


def ref(name: str, table: str, label: str | None = None) -> Field:
    """A reference field to ``table``."""
    return Field(name, REFERENCE, reference=table, label=label)


def flag(name: str, default: bool) -> Field:
    """A boolean field."""
    return Field(name, BOOLEAN, "true" if default else "false")


def number(name: str, default: int | Callable[[Store], str] = 0) -> Field:
    """An integer field."""
    return Field(name, INTEGER, default if callable(default) else str(default))


def password(name: str, default: Default = "") -> Field:
    """A password field: stored, compared, never returned in clear."""
    return Field(name, PASSWORD, default)


#: Columns every record has (PLATFORM.md §1).
SYSTEM_FIELDS: tuple[Field, ...] = (
    Field("sys_id"),
    Field("sys_created_on", DATETIME),
    Field("sys_updated_on", DATETIME),
    Field("sys_created_by"),
    Field("sys_updated_by"),
    number("sys_mod_count"),
    Field("sys_class_name"),
)
SYSTEM_FIELD_NAMES = frozenset(f.name for f in SYSTEM_FIELDS)


@dataclass(frozen=True)
class Table:
    """A table definition. ``fields`` are its own; a child also has its parent's.

    ``display`` names the field used as a reference's display value; ``secure``
    tables need the ``admin`` role (the mock's ACL, PLATFORM.md §2); ``indexed``
    fields get an equality index (lookups by token, user name, client id stay
    constant-time however many records there are).
    """

    name: str
    fields: tuple[Field, ...] = ()
    parent: str | None = None
    display: str = "name"
    secure: bool = False
    indexed: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.name or not self.name.replace("_", "").isalnum() or self.name != self.name.lower():
            raise ValueError(f"table name {self.name!r}: lowercase letters, digits and _ only")
        names = [f.name for f in self.fields]
        clash = SYSTEM_FIELD_NAMES.intersection(names) or {n for n in names if names.count(n) > 1}
        if clash:
            raise ValueError(f"table {self.name!r}: field(s) {sorted(clash)} defined twice or reserved")


#: Security tables (PLATFORM.md §2's ACL): reads and writes need ``admin``.
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
            number("expiry_interval", _expiry_interval),
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
            Field("client_id", default=lambda _s: uuid.uuid4().hex),
            password("client_secret"),
            flag("active", True),
            flag("public_client", False),
            number("access_token_lifespan", 1800),
            number("refresh_token_lifespan", 8640000),
            Field("type", default="client"),
            Field("default_grant_type"),
            Field("redirect_url"),
            Field("comments"),
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
        indexed=("token",),
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
)

#: Fields the platform fills when they are blank (PLATFORM.md §1): kid and
#: shared key of a verifier map, the client secret of an application registry.
GENERATED_WHEN_BLANK: dict[tuple[str, str], Callable[[Store], str]] = {
    ("oauth_entity", "client_secret"): _random_secret,
    ("jwt_verifier_map", "kid"): lambda _s: uuid.uuid4().hex,
    ("jwt_verifier_map", "shared_key"): _random_shared_key,
}


def user_table(name: str, fields: Iterable[Field | str], *, parent: str | None = None,
               display: str | None = None) -> Table:
    """Define a table of your own (plain string names become string fields).

    >>> t = user_table("u_widget", ["u_name", flag("u_shiny", True)], display="u_name")
    >>> [f.name for f in t.fields]
    ['u_name', 'u_shiny']
    """
    built = tuple(f if isinstance(f, Field) else Field(f) for f in fields)
    return Table(name, built, parent=parent, display=display or (built[0].name if built else "sys_id"))
