"""The Attachment API: ``/api/now/[v1/]attachment...`` (PLATFORM.md §3).

It checks the parent record's table ACL, so a plain user can attach files to
an ``incident``, while ``/api/now/table/sys_attachment`` stays admin-only.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import parse_form_data
from werkzeug.wrappers import Request, Response

from ..tables import query as encoded
from .auth import Caller, check_read, check_write, security_table
from .request import read_body
from ..tables.errors import BadRequest, InvalidCertificate, RecordNotFound, json_response
from ..crypto.keystores import KeyMaterialError, load_certificate
from ..platform.rules import is_keystore, refresh_certificate_fields
from ..tables.store import Record, TableResolver, public_view
from .table_api import instance_base, int_param

if TYPE_CHECKING:
    from ..instance import MockInstance

#: PLATFORM.md §3: default page size of an attachment list.
DEFAULT_LIMIT = 1000
METADATA_FIELDS = ("sys_id", "file_name", "table_name", "table_sys_id", "content_type", "size_bytes", "hash",
                   "sys_created_on", "sys_created_by", "sys_updated_on", "sys_updated_by", "sys_mod_count")


def metadata(base: str, record: Record) -> dict[str, str]:
    """An attachment's metadata as the API shows it (every value a string); ``base`` is ``scheme://host``."""
    out = {name: record[name] for name in METADATA_FIELDS}
    out["download_link"] = f"{base}/api/now/attachment/{record['sys_id']}/file"
    return out


def _parent(instance: MockInstance, caller: Caller, table: str, sys_id: str, operation: str | None) -> Record:
    store = instance.store
    if not table or not store.has_table(table):
        raise BadRequest(f"table_name {table!r} is not a table", message="Invalid table name")
    check_read(caller, store, table)
    if operation is not None:
        check_write(caller, store, table, operation)
    record = store.get(table, sys_id)
    if record is None:
        raise RecordNotFound()
    return record


def attach(instance: MockInstance, parent: Record, file_name: str, content_type: str, content: bytes, *,
           actor: str) -> Record:
    """Store a file on ``parent`` (no ACL check: callers do that). Returns the sys_attachment record."""
    store = instance.store
    table = parent["sys_class_name"]
    with store.lock:
        if "sys_certificate" in store.lineage(table) and parent.get("format") == "der" \
                and not is_keystore(parent, content):
            # A DER file on a format=der certificate is the certificate itself: refuse garbage.
            try:
                load_certificate(content)
            except KeyMaterialError as e:
                raise InvalidCertificate(f"{file_name}: {e}") from e
        record = store.insert("sys_attachment", {
            "file_name": file_name, "table_name": table, "table_sys_id": parent["sys_id"],
            "content_type": content_type, "size_bytes": str(len(content)),
            "hash": hashlib.sha256(content).hexdigest(),
        }, actor=actor)
        store.put_file(record["sys_id"], content)
        if "sys_certificate" in store.lineage(table):
            refresh_certificate_fields(store, parent)
        return record


def store_attachment(instance: MockInstance, table: str, sys_id: str, file_name: str, content_type: str,
                     content: bytes, *, actor: str) -> dict[str, str]:
    """Attach from Python: :class:`RecordNotFound` when the record does not exist."""
    with instance.store.lock:
        parent = instance.store.get(table, sys_id)
        if parent is None:
            raise RecordNotFound()
        return public_view(instance.store, attach(instance, parent, file_name, content_type, content, actor=actor))


def _store_attachment(instance: MockInstance, request: Request, caller: Caller, table: str, sys_id: str,
                      file_name: str, content_type: str, content: bytes) -> Response:
    with instance.store.lock:
        parent = _parent(instance, caller, table, sys_id, "Update")
        record = attach(instance, parent, file_name, content_type, content, actor=caller.user_name)
        body = metadata(instance_base(request), record)
    location = f"{instance_base(request)}/api/now/attachment/{record['sys_id']}"
    return json_response({"result": body}, 201, {"Location": location})


def upload_file(instance: MockInstance, request: Request, caller: Caller) -> Response:
    """``POST /api/now/attachment/file?table_name=&table_sys_id=&file_name=`` with a raw body."""
    args = request.args
    for name in ("table_name", "table_sys_id", "file_name"):
        if not args.get(name):
            raise BadRequest(None, message=f"Missing parameter: {name}")
    content = read_body(request, instance.settings.upload_size_limit)
    content_type = request.headers.get("Content-Type") or "application/octet-stream"
    return _store_attachment(instance, request, caller, args["table_name"], args["table_sys_id"],
                             args["file_name"], content_type, content)


def upload_multipart(instance: MockInstance, request: Request, caller: Caller) -> Response:
    """``POST /api/now/attachment/upload``: multipart ``table_name``, ``table_sys_id``, then the file."""
    limit = instance.settings.upload_size_limit
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
    return _store_attachment(instance, request, caller, form["table_name"], form["table_sys_id"],
                             upload.filename or "attachment", upload.mimetype or "application/octet-stream",
                             content)


def _readable(instance: MockInstance, caller: Caller, record: Record) -> bool:
    store = instance.store
    table = record["table_name"]
    if not store.has_table(table):
        return caller.is_admin
    return caller.is_admin or not security_table(store, table)


def list_attachments(instance: MockInstance, request: Request, caller: Caller) -> Response:
    store = instance.store
    with store.lock:
        resolver = TableResolver(store, "sys_attachment")
        visible = [r for r in store.records("sys_attachment") if _readable(instance, caller, r)]
        matched = encoded.filter_records(visible, request.args.get("sysparm_query"), resolver)
        limit = max(int_param(request.args.get("sysparm_limit"), DEFAULT_LIMIT), 0)
        offset = max(int_param(request.args.get("sysparm_offset"), 0), 0)
        base = instance_base(request)
        result = [metadata(base, r) for r in matched[offset:offset + limit]]
    return json_response({"result": result}, headers={"X-Total-Count": str(len(matched))})


def _attachment(instance: MockInstance, caller: Caller, sys_id: str) -> Record:
    record = instance.store.get("sys_attachment", sys_id)
    if record is None or not _readable(instance, caller, record):
        raise RecordNotFound()
    return record


def get_metadata(instance: MockInstance, request: Request, caller: Caller, sys_id: str) -> Response:
    with instance.store.lock:
        return json_response({"result": metadata(instance_base(request), _attachment(instance, caller, sys_id))})


def download(instance: MockInstance, request: Request, caller: Caller, sys_id: str) -> Response:
    with instance.store.lock:
        record = _attachment(instance, caller, sys_id)
        content = instance.store.file(sys_id) or b""
        meta: dict[str, Any] = metadata(instance_base(request), record)
    return Response(content, content_type=_header_safe(record["content_type"]),
                    headers={"X-Attachment-Metadata": json.dumps(meta, separators=(",", ":"))})


def _header_safe(content_type: str) -> str:
    # A content type stored through the Table API may hold anything; a header may not.
    if not content_type or any(ord(c) < 32 or ord(c) > 126 for c in content_type):
        return "application/octet-stream"
    return content_type


def delete_attachment(instance: MockInstance, request: Request, caller: Caller, sys_id: str) -> Response:
    store = instance.store
    with store.lock:
        record = _attachment(instance, caller, sys_id)
        if store.has_table(record["table_name"]):
            check_write(caller, store, record["table_name"], "Delete")
        elif not caller.is_admin:
            raise RecordNotFound()
        store.delete("sys_attachment", sys_id)
    return Response(status=204)
