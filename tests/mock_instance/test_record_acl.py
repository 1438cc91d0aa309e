"""The mock's ACL on the single-record route ``GET /api/now/table/{table}/{sys_id}`` (docs/platform.md §2).

The security tables need the ``admin`` role: a plain user, by Basic or by a Bearer token acting
as that user, gets 403 ``Insufficient rights to query records`` and nothing of the record, and
the refusal changes nothing.
"""

from __future__ import annotations

import pytest
from werkzeug.test import Client

from conftest import basic
from mock_instance import MockInstance
from tests.helpers import table_counts

from .grants import PASSWORD, bearer, build_app

REFUSED = {"error": {"message": "Insufficient rights to query records",
                     "detail": "Field(s) present in the query do not have permission to be read"},
           "status": "failure"}
# One row on each kind of security table: a chain table, an app (and its child), logs, roles, switches.
ROWS = [
    ("syslog", {"level": "error", "source": "oauth_token.do", "message": "marker-7f3a"}),
    ("sys_properties", {"name": "marker-7f3a", "value": "on"}),
    ("sys_user_role", {"name": "marker-7f3a"}),
    ("jwt_provider", {"name": "marker-7f3a"}),
    ("oauth_entity", {"name": "marker-7f3a"}),
    ("oauth_jwt", {"name": "marker-7f3a"}),
]


@pytest.fixture
def headers(client: Client, instance: MockInstance) -> dict[str, dict[str, str]]:
    """Admin Basic, the plain user's Basic, and a Bearer token acting as the same plain user."""
    grant = build_app(instance)
    token = grant.credentials(client)["access_token"]
    return {"admin": basic(), "plain": basic(grant.user["user_name"], PASSWORD), "bearer": bearer(token)}


@pytest.mark.parametrize(("table", "values"), ROWS, ids=[t for t, _ in ROWS])
def test_admin_reads_one_security_record(client: Client, instance: MockInstance, headers: dict[str, dict[str, str]],
                                         table: str, values: dict[str, str]) -> None:
    row = instance.insert(table, values)
    response = client.get(f"/api/now/table/{table}/{row['sys_id']}", headers=headers["admin"])
    assert response.status_code == 200
    assert response.get_json()["result"]["sys_id"] == row["sys_id"]


@pytest.mark.parametrize("who", ["plain", "bearer"])
@pytest.mark.parametrize(("table", "values"), ROWS, ids=[t for t, _ in ROWS])
def test_a_plain_user_is_refused_one_security_record(client: Client, instance: MockInstance,
                                                     headers: dict[str, dict[str, str]], table: str,
                                                     values: dict[str, str], who: str) -> None:
    row = instance.insert(table, values)
    before = table_counts(instance)
    response = client.get(f"/api/now/table/{table}/{row['sys_id']}", headers=headers[who])
    assert (response.status_code, response.get_json()) == (403, REFUSED)
    assert b"marker-7f3a" not in response.data and row["sys_id"].encode() not in response.data
    assert table_counts(instance) == before


@pytest.mark.parametrize("who", ["plain", "bearer"])
def test_a_plain_user_still_reads_one_ordinary_record(client: Client, instance: MockInstance,
                                                      headers: dict[str, dict[str, str]], who: str) -> None:
    row = instance.insert("incident", {"short_description": "marker-7f3a"})
    response = client.get(f"/api/now/table/incident/{row['sys_id']}", headers=headers[who])
    assert response.status_code == 200
    assert response.get_json()["result"]["short_description"] == "marker-7f3a"
