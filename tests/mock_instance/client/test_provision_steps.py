"""The provisioner leaves the records the setup article's four steps leave (docs/platform.md §1, §4), and a
failure at any request of any step removes everything it made."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from mock_instance import MockInstance
from mock_instance.client import Provisioner, TableClient, Variant, make_keystore
from tests.helpers import table_counts

URL = "https://snjwt.test"
PREFIX = "snjwt-5e7e95-"


class Recording(requests.Session):
    """Admin's session that notes each request's method and table, and fails the ``fail_at``-th one unsent."""

    def __init__(self, fail_at: int | None = None) -> None:
        super().__init__()
        self.auth = ("admin", "admin")
        self.fail_at = fail_at
        self.sent: list[tuple[str, str]] = []

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        if self.fail_at is not None and len(self.sent) == self.fail_at:
            self.fail_at = None  # only the one: the clean-up that follows must get through
            raise requests.ConnectionError("connection reset")
        self.sent.append((str(method), str(url).removeprefix(URL).split("?")[0]))
        return super().request(method, url, *args, **kwargs)


def provision(session: Recording) -> Any:
    keystore = make_keystore()
    return Provisioner(TableClient(session, URL), PREFIX, lambda _: keystore).provision(Variant())


def test_the_jwt_key_gets_the_verifier_maps_kid() -> None:
    instance = MockInstance()
    with instance.intercept(URL):
        chain = provision(Recording())
    [verifier_map] = instance.query("jwt_verifier_map", f"oauth_jwt={chain.sys_ids['oauth_jwt']}")
    [jwt_key] = instance.query("jwt_keystore_aliases", f"sys_id={chain.sys_ids['jwt_keystore_aliases']}")
    assert chain.kid and verifier_map["kid"] == chain.kid
    assert jwt_key["kid"] == chain.kid
    assert jwt_key["signing_keystore"] == chain.sys_ids["keystore"]
    assert verifier_map["sys_certificate"] == chain.sys_ids["sys_certificate"]
    claims = {c["name"]: c["value"] for c in instance.query(
        "jwt_claim_validation", f"jwt_provider={chain.sys_ids['jwt_provider']}")}
    assert (claims["aud"], claims["iss"], claims["sub"]) == (chain.client_id, chain.client_id, chain.user)


def _requests_of_one_run() -> int:
    instance = MockInstance()
    session = Recording()
    with instance.intercept(URL):
        provision(session)
    return len(session.sent)


@pytest.mark.parametrize("fail_at", range(_requests_of_one_run()))
def test_a_failure_at_any_request_leaves_nothing_behind(fail_at: int) -> None:
    instance = MockInstance()
    before = table_counts(instance)
    session = Recording(fail_at)
    with instance.intercept(URL), pytest.raises(requests.ConnectionError):
        provision(session)
    assert table_counts(instance) == before
    assert not instance.query("sys_user", f"user_nameSTARTSWITH{PREFIX}")
