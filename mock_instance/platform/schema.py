"""Tables as data: the schema files of the out-of-box core, and a user's own (docs/platform.md §12.1).

A schema file is JSON: ``{"tables": [...], "records": {...}}``. A table has ``name``,
``label``, ``extends``, ``extensible``, ``access`` (``admin``: the ACL reserves it to
admins; ``admin_writes``: writes need admin), ``display``, ``number_prefix``, ``indexed``,
``defaults`` (overrides of inherited defaults), ``source`` (where its definition comes
from), ``fields`` and ``choices`` (``{element: [[value, label], ...]}`` or objects with
``value``, ``label``, ``sequence``, ``language``, ``inactive``, ``dependent_value``,
``hint``). A field has ``name``, ``type`` (the dictionary's internal type), ``label``,
``reference``, ``default``, ``max_length``, ``mandatory`` and ``generated`` (a value the
platform fills when it is blank). A default is a literal, or one of the platform's script
defaults in :data:`SCRIPT_DEFAULTS`. ``records`` seeds rows by table.

The package's own files live in ``mock_instance/platform/schema/``; ``snjwt-mock schema
pull`` writes the same format from a live instance.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

from ..tables.fields import KIND_OF_TYPE, REFERENCE, STRING, Default, Field, NumberSeries, Table

#: The package's schema files, loaded in this order.
CORE_FILES = ("chain.json", "core.json", "system.json")
NUMBER_DEFAULT = "javascript:getNextObjNumberPadded();"


class SchemaError(ValueError):
    """A schema file that cannot be read: the message names the file and the entry."""


def _user_id(context: Any) -> str:
    store, actor = getattr(context, "store", None), getattr(context, "actor", "")
    users = store.find("sys_user", "user_name", actor) if store is not None and actor else []
    return users[0]["sys_id"] if len(users) == 1 else ""


def _next_number(context: Any) -> str:
    store = context.store
    for name in reversed(store.lineage(context.table)):
        prefix = store.table(name).number_prefix
        if prefix is not None:
            return f"{prefix}{context.next_number(name):07d}"
    return ""


#: The platform's script defaults the mock computes (the dictionary shows the script itself).
SCRIPT_DEFAULTS: dict[str, Callable[[Any], str]] = {
    NUMBER_DEFAULT: _next_number,
    "javascript:gs.getUserID()": _user_id,
    "javascript:gs.nowDateTime()": lambda context: context.now(),
    "javascript:gs.generateGUID()": lambda _context: uuid.uuid4().hex,
}

#: Values the platform fills when a field is blank, even when given blank (docs/platform.md §1).
GENERATORS: dict[str, Callable[[NumberSeries], str]] = {
    # The platform's exact alphabet is unknown; URL-safe characters travel well.
    "random_secret": lambda _counters: secrets.token_urlsafe(24),
    # 64 characters: long enough for HS512 (RFC 7518 §3.2), so clients' JWT libraries do not warn.
    "random_shared_key": lambda _counters: secrets.token_urlsafe(48),
    "random_hex": lambda _counters: uuid.uuid4().hex,
}


class Choice(NamedTuple):
    """One ``sys_choice`` row: a value of ``table.element`` and its label."""

    table: str
    element: str
    value: str
    label: str
    sequence: int = 0
    language: str = "en"
    inactive: bool = False
    dependent_value: str = ""
    hint: str = ""


class Schema(NamedTuple):
    """What schema files define: tables, fields to add to tables that exist, choices, seed rows."""

    tables: tuple[Table, ...] = ()
    extensions: tuple[tuple[str, tuple[Field, ...]], ...] = ()
    choices: tuple[Choice, ...] = ()
    records: tuple[tuple[str, Mapping[str, str]], ...] = ()
    #: ``(table, field)`` → the name of its generator in :data:`GENERATORS`.
    generated: Mapping[tuple[str, str], str] = MappingProxyType({})

    def generators(self) -> dict[tuple[str, str], Callable[[NumberSeries], str]]:
        """``(table, field)`` → the function that fills it when blank (looked up now, so tests may swap one)."""
        return {key: GENERATORS[name] for key, name in self.generated.items()}

    def __add__(self, other: Schema) -> Schema:  # type: ignore[override]
        """Both schemas' entries (the other's generated values win)."""
        return Schema(self.tables + other.tables, self.extensions + other.extensions, self.choices + other.choices,
                      self.records + other.records, {**self.generated, **other.generated})


@cache
def core_schema() -> Schema:
    """The out-of-box core, read once per process from the package's files."""
    # Next to this module (package data in the wheel); importlib.resources would cost start-up time.
    folder = Path(__file__).with_name("schema")
    total = Schema()
    for name in CORE_FILES:
        total = total + parse_schema(json.loads((folder / name).read_text("utf-8")), origin=name)
    return total


def load_schema(path: str | Path, known: Callable[[str], bool] = lambda _name: False) -> Schema:
    """A user's schema file; tables for which ``known(name)`` is true get only their new fields and choices."""
    try:
        data = json.loads(Path(path).read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SchemaError(f"schema {path}: {e}") from e
    return parse_schema(data, origin=str(path), known=known)


def parse_schema(data: Any, *, origin: str, known: Callable[[str], bool] = lambda _name: False) -> Schema:
    """A parsed schema document (see the module's docstring)."""
    if not isinstance(data, dict) or not isinstance(data.get("tables", []), list):
        raise SchemaError(f"schema {origin}: expected an object with a list of \"tables\"")
    tables: list[Table] = []
    extensions: list[tuple[str, tuple[Field, ...]]] = []
    choices: list[Choice] = []
    generated: dict[tuple[str, str], str] = {}
    for entry in data.get("tables", []):
        where = f"schema {origin}, table {entry.get('name') if isinstance(entry, dict) else entry!r}"
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise SchemaError(f"{where}: each table is an object with a \"name\"")
        name = entry["name"]
        try:
            fields = tuple(_field(f, name, generated) for f in entry.get("fields", []))
            choices += _choices(name, entry.get("choices", {}))
            if known(name):
                extensions.append((name, fields))
                continue
            tables.append(Table(
                name, fields, parent=entry.get("extends") or None, display=entry.get("display") or None,
                secure=entry.get("access") == "admin", admin_writes=entry.get("access") == "admin_writes",
                indexed=tuple(entry.get("indexed", ())), label=entry.get("label") or None,
                extensible=bool(entry.get("extensible", False)),
                defaults=tuple((k, _default(str(v))) for k, v in sorted(entry.get("defaults", {}).items())),
                number_prefix=entry.get("number_prefix") or None,
            ))
        except (TypeError, ValueError, AttributeError, KeyError) as e:
            raise SchemaError(f"{where}: {e}") from e
    records = tuple((table, {k: str(v) for k, v in row.items()})
                    for table, rows in data.get("records", {}).items() for row in rows)
    return Schema(tuple(tables), tuple(extensions), tuple(choices), records, generated)


def _default(text: str) -> Default:
    if text.startswith("javascript:"):
        # A script the mock cannot run gives no value; the dictionary still shows it.
        return SCRIPT_DEFAULTS.get(text, lambda _context: "")
    return text


def _field(spec: Any, table: str, generated: dict[tuple[str, str], str]) -> Field:
    if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
        raise ValueError(f"each field is an object with a \"name\", not {spec!r}")
    internal = str(spec.get("type") or STRING)
    kind = KIND_OF_TYPE.get(internal, STRING)
    reference = spec.get("reference") or None
    if kind != REFERENCE:
        reference = None
    elif reference is None:
        kind = STRING  # a reference with no table (a document_id-like column) is text to the mock
    text = str(spec.get("default", "") or "")
    if spec.get("generated"):
        if spec["generated"] not in GENERATORS:
            raise ValueError(f"field {spec['name']!r}: no generator {spec['generated']!r}; one of {sorted(GENERATORS)}")
        generated[(table, spec["name"])] = spec["generated"]
    max_length = spec.get("max_length")
    return Field(spec["name"], kind, _default(text), reference, spec.get("label") or None,
                 internal_type=None if internal == kind else internal,
                 max_length=int(max_length) if max_length not in (None, "") else None,
                 mandatory=bool(spec.get("mandatory", False)), default_text=text or None)


def _choices(table: str, spec: Any) -> list[Choice]:
    out = []
    for element, entries in dict(spec).items():
        for position, entry in enumerate(entries, start=1):
            if isinstance(entry, list | tuple):
                value, label = entry
                out.append(Choice(table, element, str(value), str(label), sequence=position))
            else:
                out.append(Choice(table, element, str(entry["value"]), str(entry.get("label", entry["value"])),
                                  sequence=int(entry.get("sequence") or 0), language=entry.get("language") or "en",
                                  inactive=str(entry.get("inactive", "false")).lower() == "true",
                                  dependent_value=str(entry.get("dependent_value", "")),
                                  hint=str(entry.get("hint", ""))))
    return out
