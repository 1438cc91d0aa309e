"""The Table API: ``/api/now/[v1|v2/]table/{table}[/{sys_id}]`` (docs/platform.md §2).

Handlers take the platform, the request and the caller, and return a response;
errors are raised as :mod:`mock_instance.tables.errors` exceptions.
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from ..platform.state import Platform
from ..platform.users import Caller, check_read, check_write
from ..tables.errors import RecordNotFound, json_response
from .listing import link_header, list_matches, page_bounds
from .render import Renderer
from .request import read_json_object, truthy

#: docs/platform.md §2: default page size of a list.
DEFAULT_LIMIT = 10000
V1_EMPTY_DETAIL = "Records matching query not found. Check query parameter or offset parameter"


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
        renderer = Renderer(platform, table, request, caller)
        resolver = renderer.resolver
        warn = platform.query_warnings.for_query(table, "Table API sysparm_query")
        matched = list_matches(store.records(table), request, resolver, warn)
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
        return _result(request, Renderer(platform, table, request, caller).render(record))


def create_record(platform: Platform, request: Request, caller: Caller, table: str) -> Response:
    store = platform.store
    store.table(table)
    check_write(caller, store, table, "Insert")
    values = read_json_object(request, platform.settings.rest_body_limit)
    with store.lock:
        record = store.insert(table, values, actor=caller.user_name)
        body = Renderer(platform, table, request, caller).render(record)
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
        return _result(request, Renderer(platform, table, request, caller).render(record))


def delete_record(platform: Platform, request: Request, caller: Caller, table: str, sys_id: str) -> Response:
    store = platform.store
    store.table(table)
    check_write(caller, store, table, "Delete")
    if not store.delete(table, sys_id):
        raise RecordNotFound()
    return Response(status=204)
