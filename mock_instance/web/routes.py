"""The instance's URLs: werkzeug rules for all of them, and a fast path for the busiest (the same answers).

docs/platform.md §2 (Table API), §3 (Attachment API), §4 (``/oauth_token.do``);
``/snjwt-mock/...`` is the mock's own (not a platform URL).
"""

from __future__ import annotations

from werkzeug.routing import Map, Rule

#: Mock-only endpoints, not part of the platform (the README says so).
MOCK_PREFIX = "/snjwt-mock"
#: Methods of the Table API routes; werkzeug adds HEAD wherever GET is.
TABLE_LIST_METHODS = frozenset({"GET", "HEAD", "POST"})
TABLE_RECORD_METHODS = frozenset({"GET", "HEAD", "PUT", "PATCH", "DELETE"})


def rules() -> list[Rule]:
    """Every route, by endpoint name (``InstanceApp.on_<endpoint>``)."""
    found = []
    for prefix, defaults in (("/api/now", {"version": None}), ("/api/now/<any(v1, v2):version>", {})):
        found += [
            Rule(f"{prefix}/table/<table>", endpoint="table_list", methods=["GET", "POST"], defaults=defaults),
            Rule(f"{prefix}/table/<table>/<sys_id>", endpoint="table_record",
                 methods=["GET", "PUT", "PATCH", "DELETE"], defaults=defaults),
        ]
    for prefix in ("/api/now", "/api/now/v1"):
        found += [
            Rule(f"{prefix}/attachment", endpoint="attachment_list", methods=["GET"]),
            Rule(f"{prefix}/attachment/file", endpoint="attachment_file", methods=["POST"]),
            Rule(f"{prefix}/attachment/upload", endpoint="attachment_upload", methods=["POST"]),
            Rule(f"{prefix}/attachment/<sys_id>", endpoint="attachment", methods=["GET", "DELETE"]),
            Rule(f"{prefix}/attachment/<sys_id>/file", endpoint="attachment_download", methods=["GET"]),
        ]
    return found + [
        Rule("/oauth_token.do", endpoint="token", methods=["POST"]),
        Rule("/oauth_revoke_token.do", endpoint="revoke", methods=["GET", "POST"]),
        Rule(f"{MOCK_PREFIX}/generate_jwt", endpoint="mock_generate_jwt", methods=["POST"]),
        Rule(f"{MOCK_PREFIX}/refusals", endpoint="mock_refusals", methods=["GET"]),
        Rule(f"{MOCK_PREFIX}/faults", endpoint="mock_faults", methods=["GET", "POST", "DELETE"]),
    ]


def url_map() -> Map:
    """The routes as werkzeug matches them: a trailing slash is no redirect, ``//`` no merge."""
    return Map(rules(), strict_slashes=False, merge_slashes=False)


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
