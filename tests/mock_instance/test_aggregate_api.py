"""The Aggregate API (docs/platform.md §12.4): counts, avg/min/max/sum, groups, having, order."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.test import Client

from conftest import basic
from mock_instance import MockInstance


@pytest.fixture
def desk(instance: MockInstance) -> dict[str, str]:
    """Six incidents over two groups (and one with none), with priorities and reassignment counts."""
    network = instance.insert("sys_user_group", {"name": "Network"})["sys_id"]
    database = instance.insert("sys_user_group", {"name": "Database"})["sys_id"]
    for group, priority, moves in [(network, "1", "0"), (network, "3", "2"), (database, "3", "1"),
                                   (database, "4", "5"), (database, "4", "0"), ("", "5", "3")]:
        instance.insert("incident", {"assignment_group": group, "priority": priority, "reassignment_count": moves})
    return {"network": network, "database": database}


def stats(client: Client, query: str, version: str = "", headers: dict[str, str] | None = None) -> Any:
    response = client.get(f"/api/now/{version}stats/incident?{query}", headers=headers or basic())
    assert response.status_code == 200, response.data
    assert "X-Total-Count" not in response.headers and "Link" not in response.headers
    return response.get_json()


def test_count_and_aggregates_without_groups(client: Client, desk: dict[str, str]) -> None:
    assert stats(client, "sysparm_count=true") == {"result": {"stats": {"count": "6"}}}
    assert stats(client, "sysparm_count=true&sysparm_query=priority<4&priority=3", "v1/") == {
        "result": {"stats": {"count": "2"}}}
    assert stats(client, "sysparm_count=true&sysparm_avg_fields=reassignment_count,priority"
                         "&sysparm_min_fields=number&sysparm_max_fields=number,priority&sysparm_sum_fields=reassignment_count"
                 ) == {"result": {"stats": {
                     "count": "6", "avg": {"reassignment_count": "1.8333", "priority": "3.3333"},
                     "max": {"number": "INC0010006", "priority": "5"}, "min": {"number": "INC0010001"},
                     "sum": {"reassignment_count": "11"}}}}


def test_no_aggregate_asked_is_empty_stats(client: Client, desk: dict[str, str]) -> None:
    assert stats(client, "sysparm_query=priority=1") == {"result": {"stats": {}}}
    assert stats(client, "sysparm_count=true&sysparm_query=priority=9") == {"result": {"stats": {"count": "0"}}}
    assert stats(client, "sysparm_avg_fields=reassignment_count&sysparm_query=priority=9") == {
        "result": {"stats": {"avg": {"reassignment_count": ""}}}}


def test_groups_are_ordered_by_display_value_empty_first(client: Client, desk: dict[str, str]) -> None:
    result = stats(client, "sysparm_count=true&sysparm_group_by=assignment_group&sysparm_avg_fields=reassignment_count")
    assert result == {"result": [
        {"stats": {"count": "1", "avg": {"reassignment_count": "3.0000"}},
         "groupby_fields": [{"value": "", "field": "assignment_group"}]},
        {"stats": {"count": "3", "avg": {"reassignment_count": "2.0000"}},
         "groupby_fields": [{"value": desk["database"], "field": "assignment_group"}]},
        {"stats": {"count": "2", "avg": {"reassignment_count": "1.0000"}},
         "groupby_fields": [{"value": desk["network"], "field": "assignment_group"}]},
    ]}


def test_grouped_display_values_having_and_order(client: Client, desk: dict[str, str]) -> None:
    shown = stats(client, "sysparm_count=true&sysparm_group_by=priority&sysparm_display_value=true"
                          "&sysparm_having=count^priority^>=^2&sysparm_order_by=COUNT^DESC")
    assert shown == {"result": [
        {"stats": {"count": "2"}, "groupby_fields": [{"value": "3", "display_value": "3 - Moderate", "field": "priority"}]},
        {"stats": {"count": "2"}, "groupby_fields": [{"value": "4", "display_value": "4 - Low", "field": "priority"}]},
    ]}
    by_avg = stats(client, "sysparm_group_by=assignment_group&sysparm_order_by=AVG^reassignment_count^DESC"
                           "&sysparm_avg_fields=reassignment_count&sysparm_having=avg^reassignment_count^>^1.5")
    assert [g["groupby_fields"][0]["value"] for g in by_avg["result"]] == ["", desk["database"]]  # network's is 1
    two = stats(client, "sysparm_count=true&sysparm_group_by=assignment_group,priority&sysparm_query=priority!=5"
                        "&sysparm_order_by=priority^DESC&sysparm_display_value=all")
    assert [[f["display_value"] for f in g["groupby_fields"]] for g in two["result"]] == [
        ["Database", "4 - Low"], ["Network", "3 - Moderate"], ["Database", "3 - Moderate"], ["Network", "1 - Critical"]]


def test_unknown_fields_are_ignored_and_reported(client: Client, instance: MockInstance, desk: dict[str, str]) -> None:
    result = stats(client, "sysparm_count=true&sysparm_avg_fields=nope&sysparm_group_by=bogus&sysparm_having=x^y"
                           "&sysparm_query=stat=1")
    assert result == {"result": {"stats": {"count": "6"}}}
    assert sorted(w.part for w in instance.warnings) == [
        "stat=1", "sysparm_avg_fields=nope", "sysparm_group_by=bogus", "sysparm_having=x^y"]
    assert {w.source for w in instance.warnings} == {"Aggregate API"}


def test_the_read_acl_the_unknown_table_and_authentication(client: Client, instance: MockInstance) -> None:
    instance.insert("sys_user", {"user_name": "beth", "user_password": "pw"})
    refused = client.get("/api/now/stats/sys_certificate?sysparm_count=true", headers=basic("beth", "pw"))
    assert (refused.status_code, refused.get_json()["error"]["message"]) == (403, "Insufficient rights to query records")
    unknown = client.get("/api/now/stats/u_nope?sysparm_count=true", headers=basic())
    assert (unknown.status_code, unknown.get_json()["error"]["message"]) == (400, "Invalid table u_nope")
    assert client.get("/api/now/stats/incident?sysparm_count=true").status_code == 401
    assert client.post("/api/now/stats/incident", headers=basic()).status_code == 405
