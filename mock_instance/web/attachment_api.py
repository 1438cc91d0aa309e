"""The Attachment API: ``/api/now/[v1/]attachment...`` (docs/platform.md §3).

It checks the parent record's table ACL, so a plain user can attach files to
an ``incident``, while ``/api/now/table/sys_attachment`` stays admin-only.
"""

from __future__ import annotations

import json
from typing import Any

from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import parse_form_data
from werkzeug.wrappers import Request, Response

from ..platform.attachments import attach
from ..platform.state import Platform
from ..platform.users import Caller, check_read, check_write, security_table
from ..tables.errors import BadRequest, RecordNotFound, json_response
from ..tables.store import Record
from ..tables.views import TableResolver
from .listing import list_matches, page_bounds
from .request import instance_base, read_body

#: docs/platform.md §3: default page size of an attachment list.
DEFAULT_LIMIT = 1000
METADATA_FIELDS = ("sys_id", "file_name", "table_name", "table_sys_id", "content_type", "size_bytes", "hash",
                   "sys_created_on", "sys_created_by", "sys_updated_on", "sys_updated_by", "sys_mod_count")


def metadata(base: str, record: Record) -> dict[str, str]:
    """An attachment's metadata as the API shows it (every value a string); ``base`` is ``scheme://host``."""
    out = {name: record[name] for name in METADATA_FIELDS}
    out["download_link"] = f"{base}/api/now/attachment/{record['sys_id']}/file"
    return out


def _parent(platform: Platform, caller: Caller, table: str, sys_id: str, operation: str | None) -> Record:
    store = platform.store
    if not table or not store.has_table(table):
        raise BadRequest(f"table_name {table!r} is not a table", message="Invalid table name")
    check_read(caller, store, table)
    if operation is not None:
        check_write(caller, store, table, operation)
    record = store.get(table, sys_id)
    if record is None:
        raise RecordNotFound()
    return record


def _created_response(platform: Platform, request: Request, caller: Caller, table: str, sys_id: str,
                      file_name: str, content_type: str, content: bytes) -> Response:
    with platform.store.lock:
        parent = _parent(platform, caller, table, sys_id, "Update")
        record = attach(platform.store, parent, file_name, content_type, content, actor=caller.user_name)
        body = metadata(instance_base(request), record)
    # docs/platform.md §12.7: the file URL, keeping the request's /v1/ segment (a setting).
    keep = platform.settings.attachment_location_keeps_version and request.path.startswith("/api/now/v1/")
    location = f"{instance_base(request)}/api/now/{'v1/' if keep else ''}attachment/{record['sys_id']}/file"
    return json_response({"result": body}, 201, {"Location": location})


def upload_file(platform: Platform, request: Request, caller: Caller) -> Response:
    """``POST /api/now/attachment/file?table_name=&table_sys_id=&file_name=`` with a raw body."""
    args = request.args
    for name in ("table_name", "table_sys_id", "file_name"):
        if not args.get(name):
            raise BadRequest(None, message=f"Missing parameter: {name}")
    content = read_body(request, platform.settings.upload_size_limit)
    content_type = request.headers.get("Content-Type") or "application/octet-stream"
    return _created_response(platform, request, caller, args["table_name"], args["table_sys_id"],
                             args["file_name"], content_type, content)


def upload_multipart(platform: Platform, request: Request, caller: Caller) -> Response:
    """``POST /api/now/attachment/upload``: multipart ``table_name``, ``table_sys_id``, then the file."""
    limit = platform.settings.upload_size_limit
    if request.content_length is not None and request.content_length > limit:
        raise BadRequest(f"Request body of {request.content_length} bytes exceeds the limit of {limit} bytes")
    if request.mimetype != "multipart/form-data":
        raise BadRequest("Expected a multipart/form-data body")
    try:
        _, form, files = parse_form_data(request.environ, max_content_length=limit, silent=False)
    except RequestEntityTooLarge:
        raise BadRequest(f"Request body exceeds the limit of {limit} bytes") from None
    except ValueError as e:
        raise BadRequest(f"The multipart body could not be read: {e}") from e
    try:
        for name in ("table_name", "table_sys_id"):
            if not form.get(name):
                raise BadRequest(None, message=f"Missing parameter: {name}")
        upload: FileStorage | None = next(iter(files.values()), None)
        if upload is None:
            raise BadRequest(None, message="Missing parameter: file")
        content = upload.read()
    finally:
        for part in files.values():
            part.close()
    return _created_response(platform, request, caller, form["table_name"], form["table_sys_id"],
                             upload.filename or "attachment", upload.mimetype or "application/octet-stream",
                             content)


def _readable(platform: Platform, caller: Caller, record: Record) -> bool:
    store = platform.store
    table = record["table_name"]
    if not store.has_table(table):
        return caller.is_admin
    return caller.is_admin or not security_table(store, table)


def list_attachments(platform: Platform, request: Request, caller: Caller) -> Response:
    """``GET /api/now/attachment``: the files the caller may read, filtered as a Table API list is.

    ``X-Total-Count`` and no ``Link``: docs/platform.md §3 gives this list the count only (§2's ``Link``
    was observed on the Table API; the platform's shape of one here is unknown).
    """
    store = platform.store
    with store.lock:
        resolver = TableResolver(store, "sys_attachment")
        visible = [r for r in store.records("sys_attachment") if _readable(platform, caller, r)]
        matched = list_matches(visible, request, resolver,
                               platform.query_warnings.for_query("sys_attachment", "Attachment API sysparm_query"))
        limit, offset = page_bounds(request, DEFAULT_LIMIT)
        offset = max(offset, 0)
        base = instance_base(request)
        result = [metadata(base, r) for r in matched[offset:offset + limit]]
    return json_response({"result": result}, headers={"X-Total-Count": str(len(matched))})


def _attachment(platform: Platform, caller: Caller, sys_id: str) -> Record:
    record = platform.store.get("sys_attachment", sys_id)
    if record is None or not _readable(platform, caller, record):
        raise RecordNotFound()
    return record


def get_metadata(platform: Platform, request: Request, caller: Caller, sys_id: str) -> Response:
    with platform.store.lock:
        return json_response({"result": metadata(instance_base(request), _attachment(platform, caller, sys_id))})


def download(platform: Platform, request: Request, caller: Caller, sys_id: str) -> Response:
    with platform.store.lock:
        record = _attachment(platform, caller, sys_id)
        content = platform.store.file(sys_id) or b""
        meta: dict[str, Any] = metadata(instance_base(request), record)
    return Response(content, content_type=_header_safe(record["content_type"]),
                    headers={"X-Attachment-Metadata": json.dumps(meta, separators=(",", ":"))})


def _header_safe(content_type: str) -> str:
    # A content type stored through the Table API may hold anything; a header may not.
    if not content_type or any(ord(c) < 32 or ord(c) > 126 for c in content_type):
        return "application/octet-stream"
    return content_type


def delete_attachment(platform: Platform, request: Request, caller: Caller, sys_id: str) -> Response:
    store = platform.store
    with store.lock:
        record = _attachment(platform, caller, sys_id)
        if store.has_table(record["table_name"]):
            check_write(caller, store, record["table_name"], "Delete")
        elif not caller.is_admin:
            raise RecordNotFound()
        store.delete("sys_attachment", sys_id)
    return Response(status=204)
