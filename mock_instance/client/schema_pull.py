"""Read an instance's own schema through the Table API, as a schema file the mock loads (docs/platform.md §12.1).

``sys_db_object`` gives each table's label and parent, ``sys_dictionary`` its columns,
``sys_choice`` its choice lists. Ancestors the mock does not carry are pulled too, so the
file loads on its own. Works against a real instance or the mock alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .table_client import ProvisioningError, TableClient

#: Columns every table has; the mock adds them itself (docs/platform.md §1).
SYSTEM_COLUMNS = frozenset({"sys_id", "sys_created_on", "sys_updated_on", "sys_created_by", "sys_updated_by",
                            "sys_mod_count", "sys_class_name"})
TABLE_FIELDS = "name,label,is_extendable,super_class.name"
DICTIONARY_FIELDS = "name,element,column_label,internal_type,reference,max_length,default_value,display,mandatory"
CHOICE_FIELDS = "name,element,value,label,sequence,language,inactive,dependent_value,hint"


def pull_schema(client: TableClient, tables: Iterable[str], *, known: Callable[[str], bool] = lambda _t: False,
                source: str = "") -> dict[str, Any]:
    """The schema document of ``tables`` (and of their ancestors for which ``known`` is false)."""
    wanted = [t.strip() for t in tables if t.strip()]
    if not wanted:
        raise ProvisioningError("name at least one table to pull")
    objects: dict[str, dict[str, Any]] = {}
    queue = list(wanted)
    while queue:
        name = queue.pop(0)
        if name in objects:
            continue
        # The platform drops a condition it cannot read and returns every row: keep the exact match only.
        rows = [r for r in client.query("sys_db_object", f"name={name}", TABLE_FIELDS) if r.get("name") == name]
        if not rows:
            raise ProvisioningError(f"the instance has no table {name!r} (no sys_db_object row)")
        objects[name] = rows[0]
        parent = rows[0].get("super_class.name") or ""
        if parent and parent not in objects and not known(parent):
            queue.append(parent)
    order = _parents_first(objects)
    return {
        "about": f"Pulled by snjwt-mock schema pull{f' from {source}' if source else ''}: "
                 "sys_db_object, sys_dictionary and sys_choice of the tables below.",
        "tables": [_table(client, objects[name], source) for name in order],
    }


def _parents_first(objects: dict[str, dict[str, Any]]) -> list[str]:
    order: list[str] = []

    def visit(name: str) -> None:
        if name in order or name not in objects:
            return
        visit(objects[name].get("super_class.name") or "")
        order.append(name)

    for name in objects:
        visit(name)
    return order


def _table(client: TableClient, row: dict[str, Any], source: str) -> dict[str, Any]:
    name = row["name"]
    entries = [e for e in client.query("sys_dictionary", f"name={name}^ORDERBYelement", DICTIONARY_FIELDS)
               if e.get("name") == name and e.get("element") and e["element"] not in SYSTEM_COLUMNS]
    choices: dict[str, list[dict[str, str]]] = {}
    for c in client.query("sys_choice", f"name={name}^ORDERBYelement^ORDERBYsequence", CHOICE_FIELDS):
        if c.get("name") == name and c.get("element"):
            choices.setdefault(c["element"], []).append({k: str(c.get(k) or "") for k in (
                "value", "label", "sequence", "language", "inactive", "dependent_value", "hint")})
    table: dict[str, Any] = {
        "name": name, "label": row.get("label") or "", "extends": row.get("super_class.name") or "",
        "extensible": str(row.get("is_extendable")).lower() == "true",
        "source": f"pulled from {source or 'an instance'}: sys_db_object, sys_dictionary, sys_choice",
    }
    display = [e["element"] for e in entries if str(e.get("display")).lower() == "true"]
    if display:
        table["display"] = display[0]
    table["fields"] = [_field(e) for e in entries]
    if choices:
        table["choices"] = choices
    return table


def _field(entry: dict[str, Any]) -> dict[str, Any]:
    field: dict[str, Any] = {"name": entry["element"], "type": entry.get("internal_type") or "string"}
    for key, source in (("label", "column_label"), ("reference", "reference"), ("default", "default_value")):
        if entry.get(source):
            field[key] = str(entry[source])
    if str(entry.get("max_length") or "").isdigit():
        field["max_length"] = int(entry["max_length"])
    if str(entry.get("mandatory")).lower() == "true":
        field["mandatory"] = True
    return field
