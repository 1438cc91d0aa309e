"""Columns and table definitions: what a Glide table is, with no table of the platform's own.

Every value is stored as a string, as the Table API shows it (docs/platform.md §2);
password fields hold a :class:`~mock_instance.crypto.secret.Secret`. The
platform's tables are data: :mod:`mock_instance.platform.schema` loads them.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from ..crypto.secret import PasswordHash, Secret

#: Field kinds: how the mock treats a column. Every value is stored as a string, as the Table
#: API shows it. A column's dictionary type (``internal_type``) may be finer (``password2``,
#: ``journal_input``, ``glide_list``...); :data:`KIND_OF_TYPE` maps one to the other.
STRING, BOOLEAN, INTEGER, DECIMAL, REFERENCE, PASSWORD, DATETIME, DATE = (
    "string", "boolean", "integer", "decimal", "reference", "password", "glide_date_time", "glide_date",
)
KINDS = frozenset({STRING, BOOLEAN, INTEGER, DECIMAL, REFERENCE, PASSWORD, DATETIME, DATE})
NUMERIC_KINDS = frozenset({INTEGER, DECIMAL})
#: Dictionary types whose behaviour is not a plain string's; every other type is a string.
KIND_OF_TYPE: dict[str, str] = {
    **{kind: kind for kind in KINDS}, "password2": PASSWORD, "longint": INTEGER, "float": DECIMAL,
    "currency": DECIMAL, "due_date": DATETIME,
}


class NumberSeries(Protocol):
    """What a generated default may use: the store's record-number counters (``INC0010001``...).

    The object a default receives also has ``actor`` (the acting user's ``user_name``),
    ``store`` and ``now()`` (the instance time as ``YYYY-MM-DD HH:MM:SS``).
    """

    def next_number(self, series: str) -> int:
        """The next value of ``series``."""


#: A default is a literal string or a function of the insert (counters, actor, time) for generated values.
Default = str | Callable[[NumberSeries], str]


#: docs/platform.md §12.6: a client-supplied sys_id is any 32 letters or digits, kept as sent
#: (only lowercase hex, as generated ones are, with the setting strict_custom_sys_id).
CUSTOM_SYS_ID = re.compile(r"[0-9A-Za-z]{32}")
STRICT_SYS_ID = re.compile(r"[0-9a-f]{32}")
#: Columns a client can never write (the platform ignores them in a body).
READ_ONLY = frozenset({"sys_created_on", "sys_created_by", "sys_updated_on", "sys_updated_by",
                       "sys_mod_count", "sys_class_name"})


def new_sys_id() -> str:
    """A platform sys_id: 32 lowercase hex characters."""
    return uuid.uuid4().hex


def to_text(value: Any) -> str:
    """A JSON body value as the platform stores it: every value a string (docs/platform.md §2)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, Secret):
        return value.reveal()
    if isinstance(value, dict) and "value" in value:
        # A reference or display_value=all shape sent back as it was read.
        return to_text(value["value"])
    return json.dumps(value, separators=(",", ":"))


def coerce(f: Field, value: Any) -> Any:
    """``value`` as ``f`` stores it: text, or a :class:`Secret` for a password field (a hash for ``user_password``)."""
    text = to_text(value)
    if f.kind == PASSWORD:
        if isinstance(value, Secret):
            return value
        if f.name == "user_password":
            return PasswordHash(text) if text else Secret("")
        return Secret(text)
    return text


def int_or(value: Any, default: int) -> int:
    """A stored or requested whole number; ``default`` when the value holds anything else."""
    try:
        return int(str(value).strip())
    except ValueError:
        return default


@dataclass(frozen=True)
class Field:
    """One column: name, kind, default, referenced table and label.

    ``internal_type`` is the column's dictionary type (``sys_dictionary.internal_type``), the
    kind's own name when not given; ``default_text`` is the default as the dictionary shows it
    (``javascript:gs.getUserID()``) where ``default`` is a function.
    """

    name: str
    kind: str = STRING
    default: Default = ""
    reference: str | None = None
    label: str | None = None
    internal_type: str | None = None
    max_length: int | None = None
    mandatory: bool = False
    default_text: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"field {self.name!r}: unknown kind {self.kind!r}; one of {sorted(KINDS)}")
        if (self.kind == REFERENCE) != (self.reference is not None):
            raise ValueError(f"field {self.name!r}: a reference field names its table, and only it does")

    @property
    def dictionary_type(self) -> str:
        """``sys_dictionary.internal_type``."""
        return self.internal_type or self.kind

    @property
    def column_label(self) -> str:
        """The label, or one made from the name as the platform does for a new column (``Short description``)."""
        return self.label or self.name.replace("_", " ").strip().capitalize()

    def default_for(self, counters: NumberSeries) -> str:
        """The value a new record gets when none is given."""
        return self.default(counters) if callable(self.default) else self.default


def ref(name: str, table: str, label: str | None = None) -> Field:
    """A reference field to ``table``."""
    return Field(name, REFERENCE, reference=table, label=label)


def flag(name: str, default: bool) -> Field:
    """A boolean field."""
    return Field(name, BOOLEAN, "true" if default else "false")


def number(name: str, default: int | Callable[[NumberSeries], str] = 0) -> Field:
    """An integer field."""
    return Field(name, INTEGER, default if callable(default) else str(default))


def password(name: str, default: Default = "") -> Field:
    """A password field: stored, compared, never returned in clear."""
    return Field(name, PASSWORD, default)


#: Columns every record has (docs/platform.md §1).
SYSTEM_FIELDS: tuple[Field, ...] = (
    Field("sys_id", internal_type="GUID", max_length=32, label="Sys ID"),
    Field("sys_created_on", DATETIME, label="Created"),
    Field("sys_updated_on", DATETIME, label="Updated"),
    Field("sys_created_by", max_length=40, label="Created by"),
    Field("sys_updated_by", max_length=40, label="Updated by"),
    Field("sys_mod_count", INTEGER, "0", label="Updates"),
    Field("sys_class_name", internal_type="sys_class_name", max_length=80, label="Class"),
)
SYSTEM_FIELD_NAMES = frozenset(f.name for f in SYSTEM_FIELDS)


@dataclass(frozen=True)
class Table:
    """A table definition. ``fields`` are its own; a child also has its parent's.

    ``display`` names the field used as a reference's display value (None: the platform's
    rule, :meth:`~mock_instance.tables.catalog.Catalog.display_field`); ``secure`` tables
    need the ``admin`` role, and ``admin_writes`` tables need it to write (the mock's ACL,
    docs/platform.md §2); ``indexed`` fields get an equality index (lookups by token, user
    name, client id stay constant-time however many records there are). ``defaults``
    overrides inherited fields' defaults for this table (``problem.state`` starts at 101);
    ``number_prefix`` starts its record numbers (``INC``), a child without one using its parent's.
    """

    name: str
    fields: tuple[Field, ...] = ()
    parent: str | None = None
    display: str | None = None
    secure: bool = False
    indexed: tuple[str, ...] = ()
    label: str | None = None
    extensible: bool = False
    admin_writes: bool = False
    defaults: tuple[tuple[str, Default], ...] = ()
    number_prefix: str | None = None

    @property
    def title(self) -> str:
        """The table's label (``Change Request``), or one made from its name."""
        return self.label or self.name.replace("_", " ").strip().title()

    def __post_init__(self) -> None:
        if not self.name or not self.name.replace("_", "").isalnum() or self.name != self.name.lower():
            raise ValueError(f"table name {self.name!r}: lowercase letters, digits and _ only")
        names = [f.name for f in self.fields]
        clash = SYSTEM_FIELD_NAMES.intersection(names) or {n for n in names if names.count(n) > 1}
        if clash:
            raise ValueError(f"table {self.name!r}: field(s) {sorted(clash)} defined twice or reserved")


def user_table(name: str, fields: Iterable[Field | str], *, parent: str | None = None,
               display: str | None = None) -> Table:
    """Define a table of your own (plain string names become string fields).

    >>> t = user_table("u_widget", ["u_name", flag("u_shiny", True)], display="u_name")
    >>> [f.name for f in t.fields]
    ['u_name', 'u_shiny']
    """
    built = tuple(f if isinstance(f, Field) else Field(f) for f in fields)
    return Table(name, built, parent=parent, display=display or (built[0].name if built else "sys_id"),
                 extensible=True)
