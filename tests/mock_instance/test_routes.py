"""The routing fast path answers exactly what the werkzeug map answers, for the URLs it takes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from werkzeug.exceptions import HTTPException

from mock_instance.web.routes import fast_match, url_map

SEGMENTS = ["api", "now", "v1", "v2", "v3", "table", "incident", "attachment", "file", "oauth_token.do", "x y", "",
            "0123456789abcdef0123456789abcdef", "snjwt-mock", "faults"]
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
MAP = url_map()


@given(st.sampled_from(METHODS), st.lists(st.sampled_from(SEGMENTS), max_size=7), st.booleans())
def test_fast_path_agrees_with_werkzeug(method: str, segments: list[str], table_api: bool) -> None:
    path = "/" + "/".join((["api", "now"] if table_api else []) + segments)
    fast = fast_match(method, path)
    if fast is None:
        return  # werkzeug decides
    adapter = MAP.bind("instance", path_info=path)
    try:
        expected = adapter.match(method=method)
    except HTTPException as e:  # pragma: no cover - a failure shows what the map said
        raise AssertionError(f"fast path took {method} {path}; werkzeug says {e!r}") from e
    assert fast == expected


def test_fast_path_takes_the_busy_urls() -> None:
    assert fast_match("POST", "/oauth_token.do") == ("token", {})
    assert fast_match("GET", "/api/now/table/incident") == ("table_list", {"table": "incident", "version": None})
    assert fast_match("PATCH", "/api/now/v2/table/incident/abc") == (
        "table_record", {"table": "incident", "sys_id": "abc", "version": "v2"})
    assert fast_match("GET", "/api/now/table/incident/") is None  # werkzeug's call
    assert fast_match("POST", "/api/now/table/incident/abc") is None  # a 405, by werkzeug
