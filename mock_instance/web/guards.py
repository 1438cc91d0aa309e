"""REST rate limits, then API access scopes, for each authenticated API request (docs/platform.md §11).

Order [CHOSEN]: authentication, the rate limit (§11.2), the scope check
(§11.1, Bearer requests only), then the route and its ACL.
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request

from ..platform.api_access import ApiCall, RateLimitState, count, missing_scope, rate_limit_rule
from ..platform.state import Platform
from ..platform.users import Caller
from ..tables.errors import PlatformError

#: Where a request's rate-limit headers wait for its response (every response to a matching request has them).
HEADERS_KEY = "snjwt.rate_limit_headers"
#: (API path, API name, latest version): an unversioned URL counts as the latest (§11.1 step 2).
TABLE_API = ("now/table", "Table API", "v2")
ATTACHMENT_API = ("now/attachment", "Attachment API", "v1")
#: docs/platform.md §12.3, §12.4: the Batch API (each request inside is checked as its own API call too)
#: and the Aggregate API.
BATCH_API = ("now/batch", "Batch API", "v1")
AGGREGATE_API = ("now/stats", "Aggregate API", "v1")


class ScopeRefused(PlatformError):
    """403: the token's app is not mapped to the auth scope the API is bound to (§11.1 step 5)."""

    code = 403
    message = "User Not Authorized"

    def __init__(self, scope: str) -> None:
        super().__init__(f"Missing required api access scope: {scope}")


class RateLimited(PlatformError):
    """429: over a rate-limit rule's requests per hour (§11.2)."""

    code = 429
    message = "Rate limit exceeded"

    def __init__(self, limit: int, api_name: str, headers: dict[str, str]) -> None:
        super().__init__(f"Rate limit of {limit} requests per hour for {api_name} exceeded")
        self._headers = headers

    def extra_headers(self) -> dict[str, str]:
        return self._headers


def api_call(endpoint: str, values: dict[str, Any], request: Request) -> ApiCall | None:
    """The §11 view of a routed request; None for endpoints that are not REST API resources."""
    if endpoint.startswith("table_"):
        path, name, latest = TABLE_API
        resource = "/now/table/{tableName}" + ("/{sys_id}" if endpoint == "table_record" else "")
        return ApiCall(path, name, request.method, values.get("version") or latest, resource, values.get("table", ""))
    if endpoint.startswith("attachment"):
        path, name, latest = ATTACHMENT_API
        suffix = {"attachment_list": "", "attachment_file": "/file", "attachment_upload": "/upload",
                  "attachment": "/{sys_id}", "attachment_download": "/{sys_id}/file"}[endpoint]
        return ApiCall(path, name, request.method, latest, f"/now/attachment{suffix}",
                       request.args.get("table_name") or "")
    if endpoint == "stats":
        path, name, latest = AGGREGATE_API
        return ApiCall(path, name, request.method, values.get("version") or latest, "/now/stats/{tableName}",
                       values.get("table", ""))
    if endpoint == "batch":
        path, name, latest = BATCH_API
        return ApiCall(path, name, request.method, values.get("version") or latest, "/now/batch", "")
    return None


def check(platform: Platform, request: Request, call: ApiCall, caller: Caller) -> None:
    """Apply the rate limit and the scope check; the rate-limit headers are kept for the response."""
    with platform.store.lock:
        rule = rate_limit_rule(platform, call, caller)
        state = count(platform, rule, caller) if rule is not None else None
        scope = missing_scope(platform, call, caller) if state is None or not state.exceeded else None
    if state is not None:
        headers = _headers(state)
        if state.exceeded:
            raise RateLimited(state.limit, call.api_name, {**headers, "Retry-After": str(state.retry_after)})
        request.environ[HEADERS_KEY] = headers
    if scope is not None:
        raise ScopeRefused(scope)


def _headers(state: RateLimitState) -> dict[str, str]:
    return {"X-RateLimit-Limit": str(state.limit), "X-RateLimit-Reset": str(state.reset),
            "X-RateLimit-Rule": state.rule}
