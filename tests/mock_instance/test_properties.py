"""Property-based tests: no encoded query and no Table API request makes the mock fail."""

from __future__ import annotations

import json
from urllib.parse import quote

from hypothesis import given
from hypothesis import strategies as st
from werkzeug.test import Client

from conftest import basic
from mock_instance import MockInstance
from mock_instance.tables.conditions import compile_query
from mock_instance.tables.query import OPERATORS, parse
from mock_instance.tables.views import TableResolver
from tests.helpers import json_values, table_counts

FIELDS = ["number", "short_description", "state", "caller_id", "caller_id.email", "caller_id.name", "active",
          "sys_id", "bogus", "caller_id.bogus", "sys_created_on", "x.y.z", ""]
condition = st.builds(lambda f, op, v: f"{f}{op}{v}", st.sampled_from(FIELDS), st.sampled_from(OPERATORS),
                      st.text(max_size=12))
joiner = st.sampled_from(["^", "^OR", "^NQ", "^ORDERBY", "^ORDERBYDESC", "^EQ", "^^", ""])
query_text = st.one_of(
    st.text(max_size=200),
    st.lists(st.tuples(joiner, condition), max_size=8).map(lambda parts: "".join(j + c for j, c in parts)),
)


def seeded() -> MockInstance:
    instance = MockInstance()
    user = instance.insert("sys_user", {"user_name": "abel", "email": "abel@x.com", "name": "Abel",
                                        "user_password": "pw"})
    for n in range(4):
        instance.insert("incident", {"short_description": f"i{n}", "state": str(n), "caller_id": user["sys_id"]})
    return instance


INSTANCE = seeded()


@given(query_text)
def test_parser_never_raises_and_filters(text: str) -> None:
    parsed = parse(text)
    predicate, order = compile_query(parsed, TableResolver(INSTANCE.store, "incident"))
    for record in INSTANCE.store.records("incident"):
        assert predicate(record) in (True, False)
    assert all(isinstance(f, str) for f, _ in order)
    assert isinstance(INSTANCE.query("incident", text), list)


param_names = st.sampled_from(["sysparm_query", "sysparm_fields", "sysparm_limit", "sysparm_offset",
                               "sysparm_display_value", "sysparm_exclude_reference_link", "sysparm_no_count",
                               "sysparm_suppress_pagination_header", "active", "state", "caller_id", "x"])
params = st.lists(st.tuples(param_names, st.one_of(query_text, st.sampled_from(
    ["true", "all", "false", "-1", "0", "99999999999999999999", "1e9"]))), max_size=5)
bodies = st.one_of(
    st.binary(max_size=300),
    st.dictionaries(st.sampled_from(["short_description", "state", "caller_id", "sys_id", "number", "active",
                                     "bogus", "sys_created_by"]), json_values, max_size=5)
    .map(lambda d: json.dumps(d).encode()),
    json_values.map(lambda v: json.dumps(v).encode()),
)


@given(method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE"]),
       table=st.sampled_from(["incident", "sys_user", "oauth_jwt", "sys_attachment", "nope", "", "%00", "..",
                              "incident%2Fx"]),
       record=st.one_of(st.none(), st.sampled_from(["", "0" * 32]), st.text(min_size=1, max_size=40)),
       version=st.sampled_from(["", "v1/", "v2/", "v3/"]),
       query=params, body=bodies, user=st.sampled_from(["admin", "abel", "nobody", None]))
def test_table_api_never_fails(method: str, table: str, record: str | None, version: str,
                               query: list[tuple[str, str]], body: bytes, user: str | None) -> None:
    instance = INSTANCE
    before = table_counts(instance)
    path = f"/api/now/{version}table/{table}" + ("" if record is None else "/" + quote(record, safe=""))
    query_string = "&".join(f"{quote(k)}={quote(v)}" for k, v in query)
    headers = basic(user, "admin" if user == "admin" else "pw") if user else {}
    response = Client(instance).open(path, method=method, query_string=query_string, data=body,
                                     headers={**headers, "Content-Type": "application/json"})
    assert response.status_code < 500, response.data
    assert instance.errors == []
    if response.status_code >= 400:
        assert table_counts(instance) == before  # a refused request changes nothing
        if method != "HEAD" and response.data:
            payload = response.get_json()
            assert payload["status"] == "failure" and set(payload["error"]) == {"message", "detail"}
    if response.status_code < 300 and method in ("POST", "PUT", "PATCH", "DELETE"):
        instance.restore(FRESH)


FRESH = INSTANCE.snapshot()
