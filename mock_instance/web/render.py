"""Records as the Table API writes them: values, display values, reference links (docs/platform.md §2, §12.2)."""

from __future__ import annotations

from functools import cached_property, partial
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request

from ..platform.state import Platform
from ..platform.users import Caller, can_read
from ..tables.fields import REFERENCE, Field
from ..tables.store import Record
from ..tables.views import TableResolver
from .request import instance_base, truthy

if TYPE_CHECKING:
    from ..platform.display import DisplayValues


def display_mode(request: Request) -> str:
    """``sysparm_display_value``: ``true``, ``all`` or ``false`` (anything else)."""
    display = (request.args.get("sysparm_display_value") or "false").strip().lower()
    return display if display in ("true", "all") else "false"


class Renderer:
    """Turns stored records into Table API JSON for one request's parameters.

    The columns and their kinds are worked out once per request (a list can render thousands
    of records); display values, dot-walks and links only cost when a column needs them.
    """

    def __init__(self, platform: Platform, table: str, request: Request, caller: Caller | None) -> None:
        store = self.store = platform.store
        self.table = table
        self._request = request
        self._platform = platform
        self._caller = caller
        #: The ACL at every hop (docs/platform.md §2): dot-walks and display values of referenced records.
        self._readable = partial(can_read, caller, store) if caller is not None else None
        self.display = display_mode(request)
        self.exclude_links = truthy(request.args.get("sysparm_exclude_reference_link"))
        self._resolver: TableResolver | None = None
        # The plan depends on what the caller may read (the mock's ACL turns on the admin role only).
        key = ("render", table, request.args.get("sysparm_fields") or "", self.display == "false",
               caller is None or caller.is_admin)
        planned = store.memo.get(key)
        if planned is None:
            planned = store.memo[key] = self._columns(request.args.get("sysparm_fields") or "")
        self._plan, self._fast = planned

    def _columns(self, names: str) -> tuple[list[tuple[str, Field | None]], list[tuple[str, str | None]] | None]:
        fields = self.store.fields(self.table)
        requested = [f.strip() for f in names.split(",") if f.strip()]
        # docs/platform.md §2: unknown names in sysparm_fields are ignored.
        columns = [c for c in requested if c in fields or ("." in c and self.resolver.is_known(c))] or list(fields)
        plan = [(c, fields.get(c)) for c in columns]
        # Plain values and no dot-walks (most requests): a loop that only reads and links.
        fast = None if self.display != "false" or any(f is None for _, f in plan) else [
            (c, f.reference or "" if f.kind == REFERENCE else None) for c, f in plan if f is not None]
        return plan, fast

    @property
    def resolver(self) -> TableResolver:
        if self._resolver is None:
            self._resolver = TableResolver(self.store, self.table, self._readable)
        return self._resolver

    @cached_property
    def values(self) -> DisplayValues:
        """The caller's display values (zone, formats, language, choice labels)."""
        from ..platform.display import display_values  # only requests that ask for display values need it

        return display_values(self.store, self._platform.settings, self._caller.sys_id if self._caller else None)

    @cached_property
    def base(self) -> str:
        return instance_base(self._request)

    def render(self, record: Record) -> dict[str, Any]:
        if self._fast is not None:
            return self._render_plain(record)
        out: dict[str, Any] = {}
        plain = self.display == "false"
        for column, f in self._plan:
            target: Record | None = record
            if f is None:
                target, f = self.resolver.walk(record, column)
                if f is None:
                    continue
            if f.kind == REFERENCE:
                raw = target.get(f.name) if target is not None else None
                out[column] = self._reference(f.reference or "", raw if isinstance(raw, str) else "")
                continue
            raw = target.get(f.name) if target is not None else None
            value = raw if isinstance(raw, str) else ""  # a password field holds a Secret: never shown
            if plain:
                out[column] = value
                continue
            shown = self.values.of(target, f)
            out[column] = shown if self.display == "true" else {"display_value": shown, "value": value}
        return out

    def _render_plain(self, record: Record) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for column, ref_table in self._fast or ():
            raw = record.get(column)
            value = raw if isinstance(raw, str) else ""  # a password field holds a Secret: never shown
            if ref_table is None:
                out[column] = value
            elif not value or self.exclude_links:
                out[column] = value
            else:
                out[column] = {"link": f"{self.base}/api/now/table/{ref_table}/{value}", "value": value}
        return out

    def _may_read(self, table: str, sys_id: str) -> bool:
        # A reference to a record the caller may not read shows no display value, like a dangling one.
        if self._readable is None:
            return True
        target = self.store.get(table, sys_id) if self.store.has_table(table) else None
        return target is None or self._readable(target["sys_class_name"])

    def _reference(self, table: str, sys_id: str) -> Any:
        if not sys_id:
            return {"display_value": "", "value": ""} if self.display == "all" else ""
        link = f"{self.base}/api/now/table/{table}/{sys_id}"
        if self.display == "false":
            return sys_id if self.exclude_links else {"link": link, "value": sys_id}
        shown = self.values.reference(table, sys_id) if self._may_read(table, sys_id) else ""
        if self.display == "true":
            return shown if self.exclude_links else {"display_value": shown, "link": link}
        out: dict[str, str] = {"display_value": shown}
        if not self.exclude_links:
            out["link"] = link
        out["value"] = sys_id
        return out
