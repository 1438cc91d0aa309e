"""Reading request bodies within the platform's limits, refusing the way it does."""

from __future__ import annotations

import json
from typing import Any

from werkzeug.wrappers import Request

from ..tables.errors import BadRequest

_CHUNK = 64 * 1024


def read_body(request: Request, limit: int) -> bytes:
    """The raw body, at most ``limit`` bytes; larger bodies are a 400 (PLATFORM.md §2).

    Never reads more than ``limit + 1`` bytes, whatever Content-Length says.
    """
    declared = request.content_length
    if declared is not None and declared > limit:
        raise BadRequest(f"Request body of {declared} bytes exceeds the limit of {limit} bytes")
    stream = request.stream
    chunks, size = [], 0
    while True:
        chunk = stream.read(min(_CHUNK, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise BadRequest(f"Request body exceeds the limit of {limit} bytes")
    return b"".join(chunks)


def read_json_object(request: Request, limit: int) -> dict[str, Any]:
    """A JSON object body (an array's first element, as the platform does)."""
    raw = read_body(request, limit)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise BadRequest(f"The request body is not valid UTF-8 (byte {e.start})") from e
    try:
        payload = json.loads(text) if text.strip() else {}
    except (json.JSONDecodeError, RecursionError) as e:
        raise BadRequest(f"The request body is not valid JSON: {getattr(e, 'msg', 'too deeply nested')}") from e
    if isinstance(payload, list):
        # PLATFORM.md §2: only the first record of an array body is processed.
        payload = payload[0] if payload else {}
    if not isinstance(payload, dict):
        raise BadRequest(f"The request body must be a JSON object, not {type(payload).__name__}")
    return payload
