"""Every encoded-query operator of docs/platform.md §2, through the Table API list: one row it keeps, one it drops.

Each case inserts a row the condition must match and a row it must not (on the boundary where
there is one: ``<=`` keeps the bound itself, ``<`` drops it), then asserts the exact sys_ids
the server returns for ``sysparm_query``.
"""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.test import Client

from mock_instance import MockInstance

# (query, the row it matches, the row it does not); ``state`` is numeric on incident (10 > 2).
CASES: list[tuple[str, dict[str, str], dict[str, str]]] = [
    ("short_description=printer", {"short_description": "printer"}, {"short_description": "printers"}),
    ("short_description!=printer", {"short_description": "printers"}, {"short_description": "printer"}),
    ("short_descriptionLIKEprint", {"short_description": "a printer"}, {"short_description": "a Printer"}),
    ("short_descriptionNOT LIKEprint", {"short_description": "a Printer"}, {"short_description": "a printer"}),
    ("short_descriptionSTARTSWITHprint", {"short_description": "printer jam"}, {"short_description": "a printer"}),
    ("short_descriptionENDSWITHjam", {"short_description": "printer jam"}, {"short_description": "jam printer"}),
    ("short_descriptionINfax,printer", {"short_description": "printer"}, {"short_description": "fax printer"}),
    ("short_descriptionNOT INfax,printer", {"short_description": "fax printer"}, {"short_description": "printer"}),
    ("descriptionISEMPTY", {"description": ""}, {"description": "x"}),
    ("descriptionISNOTEMPTY", {"description": "x"}, {"description": ""}),
    ("descriptionEMPTYSTRING", {"description": ""}, {"description": " "}),
    ("state<2", {"state": "1"}, {"state": "2"}),
    ("state<=2", {"state": "2"}, {"state": "3"}),
    ("state>2", {"state": "10"}, {"state": "2"}),
    ("state>=2", {"state": "2"}, {"state": "1"}),
    ("stateBETWEEN2@3", {"state": "2"}, {"state": "1"}),
    ("stateBETWEEN2@3", {"state": "3"}, {"state": "10"}),
    ("short_descriptionSAMEASdescription", {"short_description": "jam", "description": "jam"},
     {"short_description": "jam", "description": "jams"}),
    ("short_descriptionNSAMEASdescription", {"short_description": "jam", "description": "jams"},
     {"short_description": "jam", "description": "jam"}),
]


def list_ids(client: Client, admin: dict[str, str], query: str) -> list[str]:
    """The sys_ids of an incident list for ``query``, in the order the server returns them."""
    response = client.get("/api/now/table/incident", query_string={"sysparm_query": query, "sysparm_fields": "sys_id"},
                          headers=admin)
    assert response.status_code == 200, response.data
    return [row["sys_id"] for row in response.get_json()["result"]]


def insert(instance: MockInstance, values: dict[str, Any]) -> str:
    """A new incident with ``values`` (text fields empty unless given); its sys_id."""
    return instance.insert("incident", {"short_description": "", "description": "", **values})["sys_id"]


@pytest.mark.parametrize(("query", "hit", "miss"), CASES, ids=[f"{q}:{i}" for i, (q, _, _) in enumerate(CASES)])
def test_each_operator_keeps_its_row_and_drops_the_other(client: Client, admin: dict[str, str], instance: MockInstance,
                                                        query: str, hit: dict[str, str], miss: dict[str, str]) -> None:
    insert(instance, miss)
    kept = insert(instance, hit)
    assert list_ids(client, admin, query) == [kept]


def test_anything_matches_empty_and_filled(client: Client, admin: dict[str, str], instance: MockInstance) -> None:
    rows = [insert(instance, {"description": ""}), insert(instance, {"description": "x"})]
    assert list_ids(client, admin, "descriptionANYTHING") == rows



# The operators an index answers (=, IN, STARTSWITH, ISEMPTY, EMPTYSTRING) again, dot-walked through
# caller_id, where no index applies: (query, the caller's user_name and email it matches, those it does not).
WALKED = [
    ("caller_id.user_name=abel", ("abel", "a@x"), ("abel2", "a@x")),
    ("caller_id.user_nameINabel,beth", ("beth", "b@x"), ("abel beth", "b@x")),
    ("caller_id.user_nameSTARTSWITHab", ("abel", "a@x"), ("tab", "a@x")),
    ("caller_id.emailISEMPTY", ("abel", ""), ("beth", "b@x")),
    ("caller_id.emailEMPTYSTRING", ("abel", ""), ("beth", "b@x")),
    ("caller_id.user_name!=abel", ("abel2", "a@x"), ("abel", "a@x")),
]


@pytest.mark.parametrize(("query", "hit", "miss"), WALKED, ids=[q for q, _, _ in WALKED])
def test_dot_walked_operators(client: Client, admin: dict[str, str], instance: MockInstance, query: str,
                              hit: tuple[str, str], miss: tuple[str, str]) -> None:
    def incident_of(user_name: str, email: str) -> str:
        caller = instance.insert("sys_user", {"user_name": user_name, "email": email})["sys_id"]
        return insert(instance, {"caller_id": caller})

    incident_of(*miss)
    kept = incident_of(*hit)
    assert list_ids(client, admin, query) == [kept]
