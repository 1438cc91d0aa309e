"""The platform's error envelopes, as exceptions that render themselves.

Handlers raise these deep inside; :mod:`mock_instance.web.app` renders them once.
Bodies and statuses follow docs/platform.md §2 (Table and Attachment APIs) and §4
(the token endpoint).
"""

from __future__ import annotations

import json
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.sansio.response import Response as _SansioResponse
from werkzeug.wrappers import Response

#: Every JSON answer of the platform carries this exact content type [OBS].
JSON_CONTENT_TYPE = "application/json;charset=UTF-8"


def json_response(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response as the platform writes it: compact, UTF-8, its content type."""
    try:
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate, stored from a JSON "\udxxx" escape, has no UTF-8 form: send the
        # whole body with JSON's own escapes instead (still valid JSON, same values).
        body = json.dumps(payload, separators=(",", ":")).encode("ascii")
    return Response(body, status=status, headers=headers, content_type=JSON_CONTENT_TYPE)


class PlatformError(HTTPException):
    """A REST API error: ``{"error":{"message":..,"detail":..},"status":"failure"}``."""

    code = 400
    message = "Exception while reading request"

    def __init__(self, detail: str | None = None, *, message: str | None = None) -> None:
        super().__init__(description=message or self.message)
        if message is not None:
            self.message = message
        self.detail = detail

    def envelope(self) -> dict[str, Any]:
        """The error body, detail ``null`` where the platform sends none."""
        return {"error": {"message": self.message, "detail": self.detail}, "status": "failure"}

    def extra_headers(self) -> dict[str, str]:
        return {}

    def get_response(self, environ: Any = None, scope: Any = None) -> _SansioResponse:
        return json_response(self.envelope(), self.code, self.extra_headers())

    def __str__(self) -> str:
        return f"{self.code} {self.message}: {self.detail}"


class NotAuthenticated(PlatformError):
    """401: no, bad or expired credentials (Basic or Bearer).

    The header is ``Basic realm="Service-now"``, the newest captured form (docs/platform.md §2);
    ``scheme="Bearer"`` for a bad Bearer token under ``www_authenticate_bearer_on_bad_token``.
    """

    code = 401
    message = "User Not Authenticated"

    def __init__(self, reason: str = "", *, scheme: str = "Basic") -> None:
        super().__init__("Required to provide Auth information")
        #: Why the mock refused (never sent to the client, as on the platform).
        self.reason = reason
        self.scheme = scheme

    def extra_headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": f'{self.scheme} realm="Service-now"'}


class RecordNotFound(PlatformError):
    """404: unknown sys_id (or, on v1 list URLs, an empty match)."""

    code = 404
    message = "No Record found"

    def __init__(self, detail: str = "Record doesn't exist or ACL restricts the record retrieval") -> None:
        super().__init__(detail)


class InvalidTable(PlatformError):
    """400: the table does not exist."""

    def __init__(self, table: str) -> None:
        super().__init__(None, message=f"Invalid table {table}")


class InvalidResource(PlatformError):
    """400: a URI under ``/api/`` that no API serves."""

    message = "Requested URI does not represent any resource"

    def __init__(self) -> None:
        super().__init__(None)


class MethodNotSupported(PlatformError):
    """405: the route exists but not for this method."""

    code = 405
    message = "Method not Supported"

    def __init__(self, allowed: list[str] | None = None) -> None:
        super().__init__(None)
        self.allowed = allowed or []

    def extra_headers(self) -> dict[str, str]:
        return {"Allow": ", ".join(self.allowed)} if self.allowed else {}


class WriteRefused(PlatformError):
    """403: the ACL refuses an insert, update or delete."""

    code = 403
    message = "Operation Failed"

    def __init__(self, operation: str) -> None:
        super().__init__(f"ACL Exception {operation} Failed due to security constraints")


class ReadRefused(PlatformError):
    """403: the ACL refuses a read."""

    code = 403
    message = "Insufficient rights to query records"

    def __init__(self) -> None:
        super().__init__("Field(s) present in the query do not have permission to be read")


class BadRequest(PlatformError):
    """400: the body could not be read (too large, not JSON, not UTF-8) or is invalid."""

    def __init__(self, detail: str | None, *, message: str | None = None) -> None:
        super().__init__(detail, message=message)


class InvalidCertificate(BadRequest):
    """400: a ``sys_certificate`` write whose value is not a certificate."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, message="Invalid certificate")


class PlainNotFound(HTTPException):
    """Outside ``/api/``: the platform's plain 404 page, reduced to text."""

    code = 404

    def get_response(self, environ: Any = None, scope: Any = None) -> _SansioResponse:
        return Response("Not Found", status=404, content_type="text/plain;charset=UTF-8")
