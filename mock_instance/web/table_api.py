"""The Table API: ``/api/now/[v1|v2/]table/{table}[/{sys_id}]`` (docs/platform.md §2).

Handlers take the platform, the request and the caller, and return a response;
errors are raised as :mod:`mock_instance.tables.errors` exceptions.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from werkzeug.wrappers import Request, Response

from ..platform.state import Platform
from ..platform.users import Caller, check_read, check_write
from ..tables.errors import RecordNotFound, json_response
from ..tables.fields import PASSWORD, REFERENCE
from ..tables.store import Record, Store
from ..tables.views import TableResolver
from .listing import link_header, list_matches, page_bounds
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

    def __init__(self, store: Store, table: str, request: Request) -> None:
        self.store = store
        self.table = table
        self._request = request
        args = request.args
        display = (args.get("sysparm_display_value") or "false").strip().lower()
        self.display = display if display in ("true", "all") else "false"
        self.exclude_links = truthy(args.get("sysparm_exclude_reference_link"))
        fields = store.fields(table)
        requested = [f.strip() for f in (args.get("sysparm_fields") or "").split(",") if f.strip()]
        self._resolver: TableResolver | None = None
        # docs/platform.md §2: unknown names in sysparm_fields are ignored.
        columns = [c for c in requested if c in fields or ("." in c and self.resolver.is_known(c))] or list(fields)
        self._plan = [(c, fields.get(c)) for c in columns]

    @property
    def resolver(self) -> TableResolver:
        if self._resolver is None:
            self._resolver = TableResolver(self.store, self.table)
        return self._resolver

    @cached_property
    def base(self) -> str:
        return instance_base(self._request)

    def render(self, record: Record) -> dict[str, Any]:
        out: dict[str, Any] = {}
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
            if target is not None:
                display_field = self.store.display_field(target["sys_class_name"])
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


def _result(request: Request, payload: Any, status: int = 200,
            headers: dict[str, str] | None = None) -> Response:
    if truthy(request.headers.get("X-no-response-body")):
        return Response(status=status, headers=headers)
    return json_response({"result": payload}, status, headers)


def list_records(platform: Platform, request: Request, caller: Caller, table: str, version: str | None) -> Response:
    store = platform.store
    with store.lock:
        store.table(table)
        check_read(caller, store, table)
        renderer = Renderer(store, table, request)
        resolver = renderer.resolver
        matched = list_matches(store.records(table), request, resolver)
        total = len(matched)
        limit, offset = page_bounds(request, DEFAULT_LIMIT)
        page = matched[max(offset, 0):max(offset, 0) + limit]
        result = [renderer.render(r) for r in page]
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
        return _result(request, Renderer(store, table, request).render(record))


def create_record(platform: Platform, request: Request, caller: Caller, table: str) -> Response:
    store = platform.store
    store.table(table)
    check_write(caller, store, table, "Insert")
    values = read_json_object(request, platform.settings.rest_body_limit)
    with store.lock:
        record = store.insert(table, values, actor=caller.user_name)
        body = Renderer(store, table, request).render(record)
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
        return _result(request, Renderer(store, table, request).render(record))


def delete_record(platform: Platform, request: Request, caller: Caller, table: str, sys_id: str) -> Response:
    store = platform.store
    store.table(table)
    check_write(caller, store, table, "Delete")
    if not store.delete(table, sys_id):
        raise RecordNotFound()
    return Response(status=204)
