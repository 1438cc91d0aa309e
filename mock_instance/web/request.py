"""Reading requests: parameters, bodies within the platform's limits (refused the way it refuses), forms."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, quote

from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.wrappers import Request

from ..tables.errors import BadRequest
from ..tables.fields import int_or

_CHUNK = 64 * 1024


def read_body(request: Request, limit: int) -> bytes:
    """The raw body, at most ``limit`` bytes; larger bodies are a 400 (docs/platform.md §2).

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
        # docs/platform.md §2: only the first record of an array body is processed.
        payload = payload[0] if payload else {}
    if not isinstance(payload, dict):
        raise BadRequest(f"The request body must be a JSON object, not {type(payload).__name__}")
    return payload


def read_form(body: bytes) -> tuple[dict[str, str], frozenset[str]]:
    """A form body's fields (first value of each), and the names sent more than once."""
    out: dict[str, str] = {}
    repeated = set()
    for key, value in parse_qsl(body.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="replace"):
        if key in out:
            repeated.add(key)
        out.setdefault(key, value)
    return out, frozenset(repeated)


class _Params(ImmutableMultiDict):  # type: ignore[type-arg]
    """Query parameters whose ``get`` of a missing key does not raise and catch internally."""

    def get(self, key: Any, default: Any = None, type: Any = None) -> Any:  # noqa: A002 (werkzeug's name)
        if key not in self:
            return default
        return super().get(key, default, type)


class InstanceRequest(Request):
    """The instance's request: werkzeug's, with cheaper parameter lookups (every handler reads several)."""

    parameter_storage_class = _Params


def instance_base(request: Request) -> str:
    """``scheme://host`` of the request, for links; cheaper than ``request.host_url``'s IRI round trip."""
    return f"{request.scheme}://{request.host}"


def truthy(value: str | None) -> bool:
    """A ``true``/``false`` parameter or header: only ``true`` (any case) is true."""
    return (value or "").strip().lower() == "true"


def int_arg(request: Request, name: str, default: int) -> int:
    """An integer query parameter; anything unreadable means the default."""
    return int_or(request.args.get(name) or "", default)


def might_exceed(environ: dict[str, Any], limit: int) -> bool:
    """Whether the request line could be over ``limit`` bytes (quoting at most triples the path): cheap."""
    target = environ.get("REQUEST_URI") or environ.get("RAW_URI")
    size = len(target) if target else 3 * len(environ.get("PATH_INFO", "")) + len(environ.get("QUERY_STRING", ""))
    return size + 32 > limit


def request_line(environ: dict[str, Any]) -> bytes:
    """The request line as the client sent it: method, target, version (docs/platform.md §12.8).

    From the server's raw target where it has one; in-process, rebuilt from the path and query.
    """
    target = environ.get("REQUEST_URI") or environ.get("RAW_URI")
    if not target:
        path = quote(environ.get("PATH_INFO", "/").encode("latin-1", "replace"), safe="/;:@&=+$,!~*'()%")
        query = environ.get("QUERY_STRING", "")
        target = f"{path}?{query}" if query else path
    line = f"{environ.get('REQUEST_METHOD', 'GET')} {target} {environ.get('SERVER_PROTOCOL', 'HTTP/1.1')}"
    return line.encode("latin-1", "replace")
