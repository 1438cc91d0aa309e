"""The Table API: ``/api/now/[v1|v2/]table/{table}[/{sys_id}]`` (docs/platform.md §2).

Handlers take the platform, the request and the caller, and return a response;
errors are raised as :mod:`mock_instance.tables.errors` exceptions.
"""

from __future__ import annotations

from functools import cached_property, partial
from typing import Any

from werkzeug.wrappers import Request, Response

from ..platform.state import Platform
from ..platform.users import Caller, can_read, check_read, check_write
from ..tables.errors import RecordNotFound, json_response
from ..tables.fields import PASSWORD, REFERENCE, Field
from ..tables.store import Record, Store
from ..tables.views import TableResolver
from .listing import link_header, select_page
from .request import instance_base, read_json_object, truthy

#: docs/platform.md §2: default page size of a list.
DEFAULT_LIMIT = 10000
V1_EMPTY_DETAIL = "Records matching query not found. Check query parameter or offset parameter"


class Renderer:
    """Turns stored records into Table API JSON for one request's parameters.

    The columns and their kinds are worked out once per request (a list can
    render thousands of records); dot-walking and reference links only cost
    when a column needs them.
    """

    def __init__(self, store: Store, table: str, request: Request, caller: Caller) -> None:
        self.store = store
        self.table = table
        self._request = request
        #: The ACL at every hop: dot-walks and display values of referenced records.
        self._readable = partial(can_read, caller, store)
        args = request.args
        display = (args.get("sysparm_display_value") or "false").strip().lower()
        self.display = display if display in ("true", "all") else "false"
        self.exclude_links = truthy(args.get("sysparm_exclude_reference_link"))
        self._resolver: TableResolver | None = None
        wanted = args.get("sysparm_fields") or ""
        # Without a dot-walk (which depends on the caller's ACL) the columns follow from the table alone.
        key = None if "." in wanted else ("columns", table, wanted)
        plan = store.derived.get(key) if key else None
        if plan is None:
            fields = store.fields(table)
            requested = [f.strip() for f in wanted.split(",") if f.strip()]
            # docs/platform.md §2: unknown names in sysparm_fields are ignored.
            columns = [c for c in requested if c in fields or ("." in c and self.resolver.is_known(c))] or list(fields)
            plan = _Columns(tuple((c, fields.get(c)) for c in columns))
            if key:
                store.derived[key] = plan
        self._plan = plan.plan
        self._columns = plan

    @property
    def resolver(self) -> TableResolver:
        if self._resolver is None:
            self._resolver = TableResolver(self.store, self.table, self._readable)
        return self._resolver

    @cached_property
    def base(self) -> str:
        return instance_base(self._request)

    def render(self, record: Record) -> dict[str, Any]:
        if self.display == "false":
            # Every column as stored text first (the JSON's key order), then the few that need more.
            columns = self._columns
            out: dict[str, Any] = {c: v if type(v := record.get(c)) is str else "" for c in columns.names}
            for column in columns.passwords:
                out[column] = ""
            for column, table in columns.references:
                out[column] = self._reference(table, record.get(column) or "")
            for column in columns.walks:
                out[column] = self.resolver.value(record, column)
            return out
        out = {}
        both = self.display == "all"
        for column, f in self._plan:
            if f is None:
                value = self.resolver.value(record, column)
            elif f.kind == REFERENCE:
                out[column] = self._reference(f.reference or "", record.get(column) or "")
                continue
            else:
                raw = record.get(column)
                value = raw if f.kind != PASSWORD and isinstance(raw, str) else ""
            out[column] = {"display_value": value, "value": value} if both else value
        return out

    def _reference(self, table: str, sys_id: str) -> Any:
        if not sys_id:
            return {"display_value": "", "value": ""} if self.display == "all" else ""
        shown = ""
        if sys_id and self.display != "false":
            target = self.store.get(table, sys_id) if self.store.has_table(table) else None
            if target is not None and self._readable(target["sys_class_name"]):
                display_field = self.store.table(target["sys_class_name"]).display
                shown = target.get(display_field) if isinstance(target.get(display_field), str) else sys_id
        if self.display == "all":
            out: dict[str, str] = {"display_value": shown}
            if not self.exclude_links:
                out["link"] = f"{self.base}/api/now/table/{table}/{sys_id}"
            out["value"] = sys_id
            return out
        plain = shown if self.display == "true" else sys_id
        if self.exclude_links:
            return plain
        link = f"{self.base}/api/now/table/{table}/{sys_id}"
        return {"display_value": shown, "link": link} if self.display == "true" else {"link": link, "value": sys_id}


class _Columns:
    """The columns of a rendering, sorted by what each needs (worked out once per table and ``sysparm_fields``)."""

    def __init__(self, plan: tuple[tuple[str, Field | None], ...]) -> None:
        self.plan = plan
        self.names = tuple(c for c, _ in plan)
        self.passwords = tuple(c for c, f in plan if f is not None and f.kind == PASSWORD)
        self.references = tuple((c, f.reference or "") for c, f in plan if f is not None and f.kind == REFERENCE)
        self.walks = tuple(c for c, f in plan if f is None)


def _result(request: Request, payload: Any, status: int = 200,
            headers: dict[str, str] | None = None) -> Response:
    if truthy(request.environ.get("HTTP_X_NO_RESPONSE_BODY")):  # the X-no-response-body header
        return Response(status=status, headers=headers)
    return json_response({"result": payload}, status, headers)


def list_records(platform: Platform, request: Request, caller: Caller, table: str, version: str | None) -> Response:
    store = platform.store
    with store.lock:
        store.table(table)
        check_read(caller, store, table)
        renderer = Renderer(store, table, request, caller)
        resolver = renderer.resolver
        selection, limit, offset = select_page(store, table, request, resolver, DEFAULT_LIMIT)
        total = selection.total
        result = [renderer.render(r) for r in selection.page]
    if not result and version == "v1":
        raise RecordNotFound(V1_EMPTY_DETAIL)
    headers = {"X-Total-Count": str(total)}
    if not truthy(request.args.get("sysparm_suppress_pagination_header")):
        headers["Link"] = link_header(request, total, limit, offset)
    return _result(request, result, headers=headers)


def get_record(platform: Platform, request: Request, caller: Caller, table: str, sys_id: str) -> Response:
    store = platform.store
    with store.lock:
        store.table(table)
        check_read(caller, store, table)
        record = store.get(table, sys_id)
        if record is None:
            raise RecordNotFound()
        rendered = Renderer(store, table, request, caller).render(record)
    return _result(request, rendered)  # JSON encoding needs no lock


def create_record(platform: Platform, request: Request, caller: Caller, table: str) -> Response:
    store = platform.store
    store.table(table)
    check_write(caller, store, table, "Insert")
    values = read_json_object(request, platform.settings.rest_body_limit)
    with store.lock:
        record = store.insert(table, values, actor=caller.user_name)
        body = Renderer(store, table, request, caller).render(record)
    location = f"{request.base_url.rstrip('/')}/{record['sys_id']}"
    return _result(request, body, 201, {"Location": location})


def update_record(platform: Platform, request: Request, caller: Caller, table: str, sys_id: str) -> Response:
    store = platform.store
    store.table(table)
    check_write(caller, store, table, "Update")
    values = read_json_object(request, platform.settings.rest_body_limit)
    with store.lock:
        record = store.update(table, sys_id, values, actor=caller.user_name)
        if record is None:
            raise RecordNotFound()
        return _result(request, Renderer(store, table, request, caller).render(record))


def delete_record(platform: Platform, request: Request, caller: Caller, table: str, sys_id: str) -> Response:
    store = platform.store
    store.table(table)
    check_write(caller, store, table, "Delete")
    if not store.delete(table, sys_id):
        raise RecordNotFound()
    return Response(status=204)
