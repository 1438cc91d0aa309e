"""Load over the real threaded server: many exchanges, each token used, nothing lost or duplicated."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from mock_instance import InstanceServer, MockInstance
from mock_instance.client import Keystore
from tests.helpers import run_threads

from .chain import Chain, build_chain

THREADS = 8


@pytest.fixture
def served(instance: MockInstance, rsa_keystore: Keystore) -> Iterator[tuple[InstanceServer, Chain]]:
    chain = build_chain(instance, rsa_keystore)
    with instance.serve() as server:
        yield server, chain


def test_many_exchanges_then_a_table_call_with_each_token(served: tuple[InstanceServer, Chain],
                                                          instance: MockInstance, thorough: bool) -> None:
    server, chain = served
    per_thread = 1000 if thorough else 60
    forms = [[chain.form() for _ in range(per_thread)] for _ in range(THREADS)]
    tokens: list[list[str]] = [[] for _ in range(THREADS)]

    def work(index: int) -> None:
        with requests.Session() as session:
            for form in forms[index]:
                response = session.post(server.token_url, data=form)
                assert response.status_code == 200, response.text
                tokens[index].append(response.json()["access_token"])
            for token in tokens[index]:
                listed = session.get(f"{server.url}/api/now/table/incident?sysparm_limit=1",
                                     headers={"Authorization": f"Bearer {token}"})
                assert listed.status_code == 200, listed.text

    assert run_threads(work, THREADS) == [None] * THREADS
    issued = [t for per in tokens for t in per]
    assert len(issued) == THREADS * per_thread
    assert len(set(issued)) == len(issued), "duplicate tokens"
    assert instance.store.count("oauth_credential") == len(issued)
    for token in issued[:: max(1, len(issued) // 50)]:
        assert len(instance.store.find("oauth_credential", "token", token)) == 1
    assert instance.refusals == [] and instance.errors == []


def test_one_assertion_from_eight_threads_over_a_socket(served: tuple[InstanceServer, Chain],
                                                        instance: MockInstance) -> None:
    server, chain = served
    form = chain.form()
    statuses = run_threads(lambda i: requests.post(server.token_url, data=form).status_code, THREADS)
    assert sorted(statuses) == [200] + [401] * (THREADS - 1)  # type: ignore[type-var]
    assert instance.store.count("oauth_credential") == 1
    assert [r.code for r in instance.refusals] == ["jti_replayed"] * (THREADS - 1)


def test_state_stays_bounded_as_tokens_expire(instance: MockInstance) -> None:
    """The cleanup job keeps credentials and jtis to what is still live (the benchmark measures memory)."""
    from mock_instance.oauth.request import TokenRequest

    chain = build_chain(instance, None, algorithm="HS256")
    instance.configure(cleanup_interval=60)
    instance.clock.freeze(1_800_000_000)
    for _ in range(4000):
        instance.tokens.exchange(TokenRequest("application/x-www-form-urlencoded", chain.form()))
        instance.clock.advance(1)
    # A token lives 1800 s and a jti exp + skew = 600 s; the job runs every 60 s.
    assert 1800 <= instance.store.count("oauth_credential") <= 1800 + 60
    assert 600 <= instance.tokens.remembered_jtis <= 600 + 60
