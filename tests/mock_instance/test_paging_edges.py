"""``X-Total-Count`` and ``Link`` at the page edges: 0, 1, limit-1, limit and limit+1 rows, with offsets.

docs/platform.md §2 ("Headers", "`Link` details"): ``X-Total-Count`` is the number of matches, not
the page size; ``Link`` always has first, prev, next and last, with prev = offset - limit (even at
offset 0, so negative there [OBS]), next = offset + limit and last = max(total - limit, 0) [INF],
never negative.
"""

from __future__ import annotations

import pytest
from werkzeug.test import Client

from mock_instance import MockInstance

LIMIT = 3
BASE = "http://localhost/api/now/table/incident?"


def link(query: str, first: int, prev: int, next_: int, last: int) -> str:
    """The exact ``Link`` value the spec gives, for the request's other parameters ``query``."""
    def url(at: int) -> str:
        return f"<{BASE}{query}sysparm_limit={LIMIT}&sysparm_offset={at}>"
    return (f'{url(first)};rel="first",{url(prev)};rel="prev",'
            f'{url(next_)};rel="next",{url(last)};rel="last"')


# (rows, offset, the page's positions among the rows, prev, next, last)
EDGES = [
    (0, 0, [], -3, 3, 0),
    (1, 0, [0], -3, 3, 0),
    (2, 0, [0, 1], -3, 3, 0),  # limit - 1
    (3, 0, [0, 1, 2], -3, 3, 0),  # limit
    (4, 0, [0, 1, 2], -3, 3, 1),  # limit + 1
    (4, 1, [1, 2, 3], -2, 4, 1),
    (4, 3, [3], 0, 6, 1),
    (4, 4, [], 1, 7, 1),  # past the end: no rows, the total still counts them all
    (7, 5, [5, 6], 2, 8, 4),
    (2, 1, [1], -2, 4, 0),
]


@pytest.mark.parametrize(("rows", "offset", "page", "prev", "next_", "last"), EDGES,
                         ids=[f"rows{r}-offset{o}" for r, o, *_ in EDGES])
def test_headers_at_the_edges(client: Client, admin: dict[str, str], instance: MockInstance, rows: int, offset: int,
                              page: list[int], prev: int, next_: int, last: int) -> None:
    ids = [instance.insert("incident", {"short_description": f"inc {n}"})["sys_id"] for n in range(rows)]
    response = client.get(f"/api/now/table/incident?sysparm_limit={LIMIT}&sysparm_offset={offset}", headers=admin)
    assert response.status_code == 200
    assert [r["sys_id"] for r in response.get_json()["result"]] == [ids[i] for i in page]
    assert response.headers["X-Total-Count"] == str(rows)
    assert response.headers["Link"] == link("", 0, prev, next_, last)


@pytest.mark.parametrize(("matching", "last"), [(0, 0), (2, 0), (3, 0), (4, 1)])
def test_the_total_and_last_count_matches_not_the_table(client: Client, admin: dict[str, str], instance: MockInstance,
                                                        matching: int, last: int) -> None:
    for n in range(6):
        instance.insert("incident", {"short_description": "hit" if n < matching else "miss"})
    response = client.get(f"/api/now/table/incident?sysparm_query=short_description%3Dhit&sysparm_limit={LIMIT}",
                          headers=admin)
    assert response.headers["X-Total-Count"] == str(matching)
    assert len(response.get_json()["result"]) == min(matching, LIMIT)
    assert response.headers["Link"] == link("sysparm_query=short_description%3Dhit&", 0, -3, 3, last)
