"""The stand-in that answers like a real instance where a mock column name is a guess.

And what it shows about today's teardown: a query on such a column matches every row,
and the rows it returns are not the run's to change or delete.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from werkzeug.test import Client

from mock_instance import Interception, MockInstance
from mock_instance.client import Provisioner, ProvisioningError, TableClient, Variant, make_keystore
from tests.pytest_snjwt.standin import IgnoredFields, StandInServer, drop_conditions

CLAIMS = ("jwt_claim_validation", "jwt_provider")
TOKENS = ("oauth_credential", "peer")
URL = "https://snjwt.test"


@pytest.fixture
def instance() -> MockInstance:
    """Two providers (three claims each) and tokens of two apps: rows that are nobody's test data."""
    instance = MockInstance()
    for name in ("production provider", "other provider"):
        instance.insert("jwt_provider", {"name": name})
    for name in ("production app", "other app"):
        app = instance.insert("oauth_jwt", {"name": name})
        instance.insert("oauth_credential", {"token": f"token of {name}", "type": "access_token",
                                             "scopes": f"scope of {name}", "peer": app["sys_id"]})
    return instance


def names(response: object) -> list[str]:
    return sorted(row["name"] for row in response.json["result"])  # type: ignore[attr-defined]


def test_a_query_on_a_dropped_field_returns_every_row(instance: MockInstance) -> None:
    provider = instance.query("jwt_provider", "name=production provider")[0]["sys_id"]
    query = {"sysparm_query": f"jwt_provider={provider}"}
    mock, standin = Client(instance), Client(IgnoredFields(instance, {CLAIMS, TOKENS}))
    assert len(mock.get("/api/now/table/jwt_claim_validation", query_string=query, auth=("admin", "admin")).json[
        "result"]) == 3
    assert len(standin.get("/api/now/table/jwt_claim_validation", query_string=query,
                           auth=("admin", "admin")).json["result"]) == 6
    # name=value filters, the v1/v2 URLs, dot-walks, ORDERBY and ^OR alternatives go too.
    for path, params, count in [
        ("/api/now/table/jwt_claim_validation", {"jwt_provider": provider}, 6),
        ("/api/now/v2/table/jwt_claim_validation", {"sysparm_query": "jwt_provider.name=x^ORDERBYjwt_provider"}, 6),
        ("/api/now/v1/table/jwt_claim_validation", {"sysparm_query": f"name=aud^ORjwt_provider={provider}"}, 2),
    ]:
        got = standin.get(path, query_string=params, auth=("admin", "admin")).json["result"]
        assert len(got) == count, (path, params)
    # The other conditions still apply.
    both_aud = standin.get("/api/now/table/jwt_claim_validation", auth=("admin", "admin"),
                           query_string={"sysparm_query": f"jwt_provider={provider}^name=aud"})
    assert names(both_aud) == ["aud", "aud"]
    app = instance.query("oauth_jwt", "name=production app")[0]["sys_id"]
    tokens = standin.get("/api/now/table/oauth_credential", query_string={"sysparm_query": f"peer={app}"},
                         auth=("admin", "admin")).json["result"]
    assert sorted(t["scopes"] for t in tokens) == ["scope of other app", "scope of production app"]


def test_other_tables_and_fields_are_untouched(instance: MockInstance) -> None:
    standin = Client(IgnoredFields(instance, {CLAIMS}))
    users = standin.get("/api/now/table/sys_user", query_string={"sysparm_query": "user_name=admin"},
                        auth=("admin", "admin")).json["result"]
    assert [u["user_name"] for u in users] == ["admin"]
    aud = standin.get("/api/now/table/jwt_claim_validation", query_string={"name": "aud"}, auth=("admin", "admin"))
    assert names(aud) == ["aud", "aud"]


def test_hide_leaves_the_field_out_of_records(instance: MockInstance) -> None:
    standin = Client(IgnoredFields(instance, {CLAIMS}, hide=True))
    rows = standin.get("/api/now/table/jwt_claim_validation", auth=("admin", "admin")).json["result"]
    assert len(rows) == 6 and all("jwt_provider" not in row and "name" in row for row in rows)
    one = standin.get(f"/api/now/table/jwt_claim_validation/{rows[0]['sys_id']}", auth=("admin", "admin")).json
    assert "jwt_provider" not in one["result"]


@pytest.mark.parametrize(("query", "expected"), [
    ("jwt_provider=x", ""),
    ("a=1^jwt_provider=x^b=2", "a=1^b=2"),
    ("a=1^NQjwt_provider=x^b=2", "a=1^NQb=2"),
    ("a=1^NQjwt_provider=x^NQb=2", "a=1^NQb=2"),
    ("name=a^^b^jwt_provider.name=x", "name=a^^b"),
    ("ORDERBYDESCjwt_provider^ORDERBYname", "ORDERBYname"),
    ("a=1^ORjwt_provider=x", "a=1"),
])
def test_drop_conditions(query: str, expected: str) -> None:
    assert drop_conditions(query, {"jwt_provider"}) == expected


def test_over_a_real_socket(instance: MockInstance) -> None:
    with StandInServer(IgnoredFields(instance, {CLAIMS})) as server:
        response = requests.get(f"{server.url}/api/now/table/jwt_claim_validation", auth=("admin", "admin"),
                                params={"sysparm_query": "jwt_provider=0123"})
    assert response.status_code == 200 and len(response.json()["result"]) == 6


@pytest.fixture
def provisioner(instance: MockInstance) -> Iterator[tuple[Provisioner, MockInstance]]:
    standin = IgnoredFields(instance, {CLAIMS, TOKENS})
    with Interception(standin, URL):  # type: ignore[arg-type]
        session = requests.Session()
        session.auth = ("admin", "admin")
        keystore = make_keystore()
        yield Provisioner(TableClient(session, URL), "snjwt-standin-", lambda _alg: keystore), instance


def unrelated(instance: MockInstance) -> list[tuple[str, str, str]]:
    rows = [("claim", r["name"], r["value"]) for r in instance.query("jwt_claim_validation")
            if "snjwt" not in (instance.get("jwt_provider", r["jwt_provider"]) or {}).get("name", "snjwt")]
    rows += [("token", r["scopes"], "") for r in instance.query("oauth_credential") if r["scopes"].startswith("scope of")]
    return sorted(rows)


def test_provisioning_leaves_other_providers_claims_alone(provisioner: tuple[Provisioner, MockInstance]) -> None:
    chain_maker, instance = provisioner
    before = unrelated(instance)
    chain_maker.provision(Variant())
    assert unrelated(instance) == before


def test_teardown_deletes_only_the_runs_records(provisioner: tuple[Provisioner, MockInstance]) -> None:
    chain_maker, instance = provisioner
    chain_maker.provision(Variant())
    before = unrelated(instance)
    chain_maker.teardown()
    assert unrelated(instance) == before


def test_rows_without_the_reference_column_are_never_touched(instance: MockInstance) -> None:
    # The column does not exist at all on this "instance": ownership cannot be proven, so nothing changes.
    standin = IgnoredFields(instance, {CLAIMS, TOKENS}, hide=True)
    keystore = make_keystore()
    with Interception(standin, URL), requests.Session() as session:
        session.auth = ("admin", "admin")
        chain_maker = Provisioner(TableClient(session, URL), "snjwt-hidden-", lambda _alg: keystore)
        before = unrelated(instance)
        with pytest.raises(ProvisioningError, match="without a 'jwt_provider' column, so none can be proven"):
            chain_maker.provision(Variant())
    assert unrelated(instance) == before
    assert not [name for name in (r["name"] for r in instance.query("jwt_provider")) if name.startswith("snjwt-")]
