"""The instance's URLs: werkzeug rules for all of them, and a fast path for the busiest (the same answers).

docs/platform.md §2 (Table API), §3 (Attachment API), §4 (``/oauth_token.do``), §12 (Batch,
Aggregate); ``/snjwt-mock/...`` is the mock's own (not a platform URL).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from werkzeug.routing import Map, Rule

from . import control

#: Methods of the Table API routes; werkzeug adds HEAD wherever GET is.
TABLE_LIST_METHODS = frozenset({"GET", "HEAD", "POST"})
TABLE_RECORD_METHODS = frozenset({"GET", "HEAD", "PUT", "PATCH", "DELETE"})

#: Mock-only endpoints, not part of the platform (the README says so).
MOCK_PREFIX = "/snjwt-mock"


class _Route(Rule):
    """A rule the app only matches and never builds a URL from.

    werkzeug compiles two URL builders per rule (an ``ast`` each), most of a Map's cost, and a
    map is made at every start; the instance never calls ``url_for``, so it skips them.
    """

    def _compile_builder(self, append_unknown: bool = True) -> Any:
        def build(*args: Any, **kwargs: Any) -> Any:
            raise NotImplementedError("the instance's routes are matched, never built")

        return build


def _rules() -> list[Rule]:
    rules = []
    for prefix, defaults in (("/api/now", {"version": None}), ("/api/now/<any(v1, v2):version>", {})):
        rules += [
            _Route(f"{prefix}/table/<table>", endpoint="table_list", methods=["GET", "POST"], defaults=defaults),
            _Route(f"{prefix}/table/<table>/<sys_id>", endpoint="table_record",
                   methods=["GET", "PUT", "PATCH", "DELETE"], defaults=defaults),
        ]
        rules += [_Route(f"{prefix}/stats/<table>", endpoint="stats", methods=["GET"], defaults=defaults),
                  _Route(f"{prefix}/batch", endpoint="batch", methods=["POST"], defaults=defaults)]
    for prefix in ("/api/now", "/api/now/v1"):
        rules += [
            _Route(f"{prefix}/attachment", endpoint="attachment_list", methods=["GET"]),
            _Route(f"{prefix}/attachment/file", endpoint="attachment_file", methods=["POST"]),
            _Route(f"{prefix}/attachment/upload", endpoint="attachment_upload", methods=["POST"]),
            _Route(f"{prefix}/attachment/<sys_id>", endpoint="attachment", methods=["GET", "DELETE"]),
            _Route(f"{prefix}/attachment/<sys_id>/file", endpoint="attachment_download", methods=["GET"]),
        ]
    return rules + [
        _Route("/oauth_token.do", endpoint="token", methods=["POST"]),
        _Route("/oauth_revoke_token.do", endpoint="revoke", methods=["GET", "POST"]),
        _Route("/oauth_auth.do", endpoint="authorize", methods=["GET", "POST"]),
        _Route(f"{MOCK_PREFIX}/generate_jwt", endpoint="mock_generate_jwt", methods=["POST"]),
        _Route(f"{MOCK_PREFIX}/refusals", endpoint="mock_refusals", methods=["GET"]),
        _Route(f"{MOCK_PREFIX}/faults", endpoint="mock_faults", methods=["GET", "POST", "DELETE"]),
        *control.rules(_Route),
    ]


@cache
def url_map() -> Map:
    """The routes, compiled once per process (an app is made per instance, and instances per test)."""
    return Map(_rules(), strict_slashes=False, merge_slashes=False)


def fast_match(method: str, path: str) -> tuple[str, dict[str, str | None]] | None:
    """The endpoint and values werkzeug would match, for the token and Table API URLs; None: ask werkzeug.

    Only plain cases are answered here (every segment non-empty, an allowed method); anything
    else, errors included, goes through the map.
    """
    if path == "/oauth_token.do":
        return ("token", {}) if method == "POST" else None
    parts = path.split("/")
    if len(parts) < 5 or parts[1] != "api" or parts[2] != "now":
        return None
    version, at = (parts[3], 4) if parts[3] in ("v1", "v2") else (None, 3)
    rest = parts[at + 1:]
    if parts[at] != "table" or not rest or not all(rest):
        return None
    if len(rest) == 1 and method in TABLE_LIST_METHODS:
        return "table_list", {"table": rest[0], "version": version}
    if len(rest) == 2 and method in TABLE_RECORD_METHODS:
        return "table_record", {"table": rest[0], "sys_id": rest[1], "version": version}
    return None
