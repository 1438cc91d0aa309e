"""Display values as the platform computes them (docs/platform.md §12.2).

Choice labels from ``sys_choice`` (the caller's language, then ``en``; the record's own table,
then its ancestors), a reference's display field, date-times in the caller's zone and format,
``********`` for a password that is set, a table's label for ``sys_class_name``. One
:class:`DisplayValues` serves one request: what it looks up, it remembers.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..tables.fields import DATE, DATETIME, PASSWORD, REFERENCE, Field
from ..tables.indexes import plain
from ..tables.store import Record, Store
from .datetimes import DEFAULT_DATE_FORMAT, DEFAULT_TIME_FORMAT, Preferences, zone
from .settings import Settings

#: docs/platform.md §12.2: a password field that is set displays as this.
MASK = "********"
#: §12.2 rule 4 of the display field: a property naming the field to fall back on.
DISPLAY_DEFAULT_PROPERTY = "glide.record.display_value_default"


def property_value(store: Store, name: str) -> str | None:
    """A ``sys_properties`` value; None when the property does not exist."""
    found = store.find("sys_properties", "name", name)
    return found[0]["value"] if found else None


def preferences(store: Store, settings: Settings, user_sys_id: str | None) -> Preferences:
    """The caller's zone, formats and language: the user's own, else the properties, else the setting."""
    user = store.get("sys_user", user_sys_id) if user_sys_id else None

    def own(name: str) -> str:
        value = user.get(name) if user is not None else None
        return value.strip() if isinstance(value, str) else ""

    return Preferences(
        zone=zone(own("time_zone"), property_value(store, "glide.sys.default.tz") or "", settings.system_time_zone),
        date_format=own("date_format") or property_value(store, "glide.sys.date_format") or DEFAULT_DATE_FORMAT,
        time_format=own("time_format") or property_value(store, "glide.sys.time_format") or DEFAULT_TIME_FORMAT,
        language=own("preferred_language") or "en",
    )


class DisplayValues:
    """The display values one caller sees, for one request."""

    def __init__(self, store: Store, prefs: Preferences) -> None:
        self.store = store
        self.prefs = prefs
        self._labels: dict[tuple[str, str], Mapping[str, str]] = {}
        self._fallback = property_value(store, DISPLAY_DEFAULT_PROPERTY) or None

    def of(self, record: Record | None, f: Field, depth: int = 0) -> str:
        """The display value of ``record``'s column ``f`` (``""`` for no record)."""
        if record is None:
            return ""
        raw = record.get(f.name)
        if f.kind == PASSWORD:
            return MASK if plain(raw) else ""
        value = raw if isinstance(raw, str) else ""
        if not value:
            return ""
        if f.kind == REFERENCE:
            return self.reference(f.reference or "", value, depth)
        if f.kind == DATETIME:
            return self.prefs.date_time(value)
        if f.kind == DATE:
            return self.prefs.date(value)
        if f.name == "sys_class_name":
            return self.store.table(value).title if self.store.has_table(value) else value
        return self.labels(record.get("sys_class_name") or "", f.name).get(value, value)

    def reference(self, table: str, sys_id: str, depth: int = 0) -> str:
        """The referenced record's display field, as displayed; ``""`` when there is no such record."""
        target = self.store.get(table, sys_id) if sys_id and self.store.has_table(table) else None
        if target is None or depth > 3:
            return ""
        kind = target["sys_class_name"]
        name = self.store.display_field(kind, self._fallback)
        return self.of(target, self.store.fields(kind)[name], depth + 1)

    def labels(self, table: str, element: str) -> Mapping[str, str]:
        """value → label for ``table.element``: the table's own choices first, then its ancestors'."""
        key = (table, element)
        found = self._labels.get(key)
        if found is None:
            merged: dict[str, str] = {}
            if self.store.has_table(table):
                for name in self.store.lineage(table):  # root first: a child's rows overwrite
                    merged.update(self._own_labels(name, element))
            found = self._labels[key] = merged
        return found

    def _own_labels(self, table: str, element: str) -> dict[str, str]:
        by_value: dict[str, dict[str, str]] = {}
        for row in self.store.find("sys_choice", "name", table):
            if row.get("element") == element:
                by_value.setdefault(row["value"], {})[row.get("language") or "en"] = row.get("label") or ""
        language = self.prefs.language
        out = {}
        for value, labels in by_value.items():
            label = labels.get(language, labels.get("en"))
            if label is not None:  # a value labelled only in other languages displays as itself
                out[value] = label
        return out


def display_values(store: Store, settings: Settings, user_sys_id: str | None) -> DisplayValues:
    """A :class:`DisplayValues` for the caller ``user_sys_id``."""
    return DisplayValues(store, preferences(store, settings, user_sys_id))

