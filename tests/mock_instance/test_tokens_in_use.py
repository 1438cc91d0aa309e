"""Access tokens on the APIs, revocation, the jti race and the cleanup job (docs/platform.md §4-§5)."""

from __future__ import annotations

import pytest
from werkzeug.test import Client

from mock_instance import MockInstance
from mock_instance.client import Keystore
from tests.helpers import run_threads

from .chain import Chain, build_chain


@pytest.fixture
def chain(instance: MockInstance, rsa_keystore: Keystore) -> Chain:
    return build_chain(instance, rsa_keystore)


def token_for(client: Client, chain: Chain, **claims: object) -> str:
    response = client.post("/oauth_token.do", data=chain.form(chain.jwt(**claims)))
    assert response.status_code == 200, chain.instance.refusals
    return response.get_json()["access_token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_token_reads_and_writes_as_its_user(client: Client, chain: Chain) -> None:
    headers = bearer(token_for(client, chain))
    created = client.post("/api/now/table/incident", json={"short_description": "via JWT"}, headers=headers)
    assert created.status_code == 201
    record = created.get_json()["result"]
    assert record["sys_created_by"] == record["sys_updated_by"] == "abel.tuter"
    assert client.get("/api/now/table/incident", headers=headers).get_json()["result"][0]["number"] == "INC0010001"
    sys_id = record["sys_id"]
    upload = client.post(f"/api/now/attachment/file?table_name=incident&table_sys_id={sys_id}&file_name=a.txt",
                         data=b"hi", headers=headers)
    assert upload.status_code == 201 and upload.get_json()["result"]["sys_created_by"] == "abel.tuter"


def test_token_user_is_not_an_admin(client: Client, chain: Chain) -> None:
    assert client.get("/api/now/table/oauth_credential", headers=bearer(token_for(client, chain))).status_code == 403


@pytest.mark.parametrize(("spoil", "reason"), [
    (lambda i, c, t: i.clock.advance(1800), "access_token_expired"),
    (lambda i, c, t: Client(i).post("/oauth_revoke_token.do", data={"token": t}), "access_token_expired"),
    (lambda i, c, t: Client(i).get(f"/oauth_revoke_token.do?token={t}"), "access_token_expired"),
    (lambda i, c, t: i.update("oauth_jwt", c.app["sys_id"], {"active": "false"}), "access_token_app_inactive"),
    (lambda i, c, t: i.update("sys_user", c.user["sys_id"], {"active": "false"}), "access_token_user_inactive"),
    (lambda i, c, t: i.update("sys_user", c.user["sys_id"], {"locked_out": "true"}), "access_token_user_inactive"),
    (lambda i, c, t: i.delete("sys_user", c.user["sys_id"]), "access_token_user_inactive"),
])
def test_spoiled_tokens_get_the_401_envelope(client: Client, instance: MockInstance, chain: Chain, spoil: object,
                                             reason: str) -> None:
    token = token_for(client, chain)
    assert client.get("/api/now/table/incident", headers=bearer(token)).status_code == 200
    spoil(instance, chain, token)  # type: ignore[operator]
    before = instance.store.count("syslog")
    response = client.get("/api/now/table/incident", headers=bearer(token))
    assert response.status_code == 401
    assert response.get_json()["error"]["message"] == "User Not Authenticated"
    assert instance.refusals[-1].code == reason and instance.refusals[-1].source == "rest_api"
    assert instance.store.count("syslog") == before  # a refused API call changes nothing


def test_token_still_valid_one_second_before_expiry(client: Client, instance: MockInstance, chain: Chain) -> None:
    instance.clock.freeze()
    token = token_for(client, chain)
    instance.clock.advance(1799)
    assert client.get("/api/now/table/incident", headers=bearer(token)).status_code == 200


def test_unknown_token(client: Client, instance: MockInstance) -> None:
    assert client.get("/api/now/table/incident", headers=bearer("x" * 86)).status_code == 401
    assert instance.refusals[-1].code == "access_token_unknown"


def test_revoke_answers_200_empty_for_anything(client: Client) -> None:
    for response in (client.post("/oauth_revoke_token.do", data={"token": "nope"}),
                     client.get("/oauth_revoke_token.do"), client.post("/oauth_revoke_token.do", json={})):
        assert (response.status_code, response.data) == (200, b"")


def test_one_assertion_from_many_threads_gets_exactly_one_token(instance: MockInstance, chain: Chain) -> None:
    form = chain.form()
    statuses = run_threads(lambda i: Client(instance).post("/oauth_token.do", data=form).status_code, 16)
    assert sorted(statuses) == [200] + [401] * 15  # type: ignore[type-var]
    assert instance.store.count("oauth_credential") == 1
    assert {r.code for r in instance.refusals} == {"jti_replayed"}


def test_cleanup_forgets_expired_credentials_and_jtis(client: Client, instance: MockInstance, chain: Chain) -> None:
    instance.clock.freeze()
    for _ in range(5):
        token_for(client, chain)
    assert (instance.store.count("oauth_credential"), instance.tokens.remembered_jtis) == (5, 5)
    instance.clock.advance(1800)  # tokens expired; jtis (exp + 300 skew = +600s) long past
    assert instance.tokens.cleanup() == (5, 5)
    assert (instance.store.count("oauth_credential"), instance.tokens.remembered_jtis) == (0, 0)


def test_cleanup_runs_by_itself_on_its_interval(client: Client, instance: MockInstance, chain: Chain) -> None:
    instance.configure(cleanup_interval=60)
    instance.clock.freeze()
    token_for(client, chain)
    instance.clock.advance(3600)
    token_for(client, chain)  # this exchange triggers the cleanup first
    assert instance.store.count("oauth_credential") == 1
    assert instance.tokens.remembered_jtis == 1


def test_a_jti_is_not_forgotten_while_it_could_still_be_accepted(client: Client, instance: MockInstance,
                                                                  chain: Chain) -> None:
    instance.clock.freeze()
    now = instance.clock.time()
    form = chain.form(chain.jwt(exp=now + 60))
    assert client.post("/oauth_token.do", data=form).status_code == 200
    instance.clock.advance(359)  # exp + skew is now + 360: still inside
    instance.tokens.cleanup()
    assert client.post("/oauth_token.do", data=form).status_code == 401
    assert instance.refusals[-1].code == "jti_replayed"
