"""The Batch API: ``POST /api/now/[v1/]batch`` (docs/platform.md §12.3).

Each item runs through the instance's own routes, in order, as the batch's caller (the
outer request's ``Authorization``; an item's own is ignored), so every route's ACL applies.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from ..platform.state import Platform
from ..tables.errors import BadRequest, json_response
from .request import InstanceRequest, instance_base, read_body

MB = 1024 * 1024
#: docs/platform.md §12.3 [DOC]: glide.rest.batch.max.inputSize and max.outputSize.
ITEM_INPUT_LIMIT = 5 * MB
ITEM_OUTPUT_LIMIT = 10 * MB
OUTPUT_LIMIT_HEADER = "X-BATCHREQUEST-MAX-OUTPUT-SIZE"
Dispatch = Callable[[Request], Response]


class ItemError(Exception):
    """An item the batch serves with a 400 and an ``error_message``, without running it."""


def run_batch(platform: Platform, request: Request, dispatch: Dispatch) -> Response:
    """Serve every item of a batch request (its caller already authenticated)."""
    batch = _read(request, platform.settings.rest_body_limit)
    output_limit = _output_limit(request)
    serviced: list[dict[str, Any]] = []
    unserviced: list[str] = []
    for item in batch["rest_requests"]:
        item_id = str(item.get("id", "")) if isinstance(item, dict) else ""
        try:
            sub, exclude_headers = _item_request(request, item)
        except ItemError as e:
            serviced.append({"id": item_id, "body": "", "status_code": 400, "status_text": HTTP_STATUS_CODES[400],
                             "headers": [], "execution_time": 0, "error_message": str(e)})
            continue
        if sub is None:
            unserviced.append(item_id)
            continue
        started = time.perf_counter()
        response = dispatch(sub)
        body = response.get_data()
        if len(body) > output_limit:
            unserviced.append(item_id)
            continue
        headers = [] if exclude_headers else [{"name": k, "value": v} for k, v in response.headers.items()
                                              if k.lower() != "content-length"]
        serviced.append({
            "id": item_id, "body": base64.b64encode(body).decode("ascii"), "status_code": response.status_code,
            "status_text": HTTP_STATUS_CODES.get(response.status_code, ""), "headers": headers,
            "execution_time": int((time.perf_counter() - started) * 1000),
        })
    return json_response({"batch_request_id": batch["batch_request_id"], "serviced_requests": serviced,
                          "unserviced_requests": unserviced})


def _read(request: Request, limit: int) -> dict[str, Any]:
    raw = read_body(request, limit)
    if request.mimetype != "application/json":
        raise BadRequest(f"The Batch API takes application/json, not {request.mimetype or 'no content type'}")
    try:
        payload = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise BadRequest(f"The request body is not valid JSON: {getattr(e, 'msg', e.__class__.__name__)}") from e
    if not isinstance(payload, dict) or not isinstance(payload.get("rest_requests"), list):
        raise BadRequest("The batch request has no rest_requests array")
    batch_id = payload.get("batch_request_id")
    # PySNC sends a number and compares the echo with str(id) (docs/platform.md §12.3).
    return {"batch_request_id": "" if batch_id is None else str(batch_id), "rest_requests": payload["rest_requests"]}


def _output_limit(request: Request) -> int:
    asked = request.headers.get(OUTPUT_LIMIT_HEADER, "").strip()
    return min(int(asked), ITEM_OUTPUT_LIMIT) if asked.isdigit() else ITEM_OUTPUT_LIMIT


def _item_request(outer: Request, item: Any) -> tuple[Request | None, bool]:
    """The item as a request of its own (None when it is over the input limit), and exclude_response_headers."""
    if not isinstance(item, dict):
        raise ItemError("each rest_requests item is an object with id, method and url")
    for name in ("id", "method", "url"):
        if item.get(name) in (None, ""):
            raise ItemError(f"the rest_requests item has no {name}")
    method, url = str(item["method"]).upper(), item["url"]
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or not parts.path.startswith("/") or parts.scheme or parts.netloc:
        raise ItemError(f"url must be relative to the instance, such as /api/now/table/incident, not {url!r}")
    if parts.path.rstrip("/").endswith("/batch"):
        raise ItemError("a batch cannot contain a batch request")
    try:
        body = base64.b64decode(item.get("body") or "", validate=True)
    except (binascii.Error, ValueError, TypeError) as e:
        raise ItemError("body must be base64") from e
    if len(body) > ITEM_INPUT_LIMIT:
        return None, False
    given = item.get("headers") or []
    if not isinstance(given, list) or not all(isinstance(h, dict) for h in given):
        raise ItemError("headers is an array of {\"name\": ..., \"value\": ...} objects")
    headers = [(str(h.get("name", "")), str(h.get("value", ""))) for h in given
               if str(h.get("name", "")).lower() not in ("authorization", "content-length")]
    if outer.headers.get("Authorization"):
        headers.append(("Authorization", outer.headers["Authorization"]))
    try:
        environ = EnvironBuilder(path=parts.path, query_string=parts.query, method=method, headers=headers,
                                 data=body, base_url=instance_base(outer)).get_environ()
    except (ValueError, TypeError) as e:  # a header werkzeug refuses (a newline in a value...)
        raise ItemError(f"the item is not a request the instance can read: {e}") from e
    return InstanceRequest(environ), item.get("exclude_response_headers") is True
