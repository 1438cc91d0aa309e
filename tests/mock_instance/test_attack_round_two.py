"""Second round of attacks on the mock: each test failed before its fix.

Every refusal is checked in full: status, exact body, the reason code and its
one syslog row, and that nothing else changed (row counts, remembered jtis).
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from werkzeug.test import Client

from conftest import basic
from mock_instance import MockInstance, ref
from mock_instance.client import Keystore
from tests.helpers import table_counts

from .chain import Chain, b64url, build_chain
from .test_token_endpoint import assert_refused

TOKEN_URL = "/oauth_token.do"


@pytest.fixture
def chain(instance: MockInstance, rsa_keystore: Keystore) -> Chain:
    return build_chain(instance, rsa_keystore)


def segment(value: Any) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def refused(client: Client, instance: MockInstance, code: str, **kwargs: Any) -> str:
    """The token endpoint's refusal, checked in full; the jti memory is untouched too."""
    def memory() -> tuple[Any, ...]:
        state = instance.snapshot()
        return state.jtis, state.forgotten_jtis, state.last_cleanup

    jtis = memory()
    sentence = assert_refused(client, instance, code, **kwargs)
    assert memory() == jtis
    return sentence


# -- 1. no 500 from JSON values of an unexpected type or size -------------------------

HUGE = 10**400  # a JSON number no float can hold


@pytest.mark.parametrize(("header", "claims", "code"), [
    ({"alg": ["RS256"]}, {}, "assertion_malformed"),
    ({"alg": {"RS256": True}}, {}, "assertion_malformed"),
    ({"alg": 256}, {}, "assertion_malformed"),
    ({}, {"exp": HUGE}, "exp_missing"),
    ({}, {"exp": -HUGE}, "exp_missing"),
    ({}, {"nbf": HUGE}, "token_not_yet_valid"),
    ({}, {"nbf": -HUGE}, "token_not_yet_valid"),
    ({}, {"iat": HUGE}, "iat_in_future"),
], ids=["alg array", "alg object", "alg number", "exp huge", "exp huge negative", "nbf huge",
        "nbf huge negative", "iat huge"])
def test_odd_json_values_are_refused_not_crashed(client: Client, instance: MockInstance, chain: Chain,
                                                 header: dict[str, Any], claims: dict[str, Any], code: str) -> None:
    instance.configure(check_iat=True)
    assertion = chain.signed(segment({"alg": "RS256", "typ": "JWT", "kid": chain.kid, **header}),
                             segment(chain.claims(**claims)))
    sentence = refused(client, instance, code, data=chain.form(assertion))
    assert "Error" not in sentence  # no exception's name, only the check and the value
    assert instance.errors == []


# -- 2. the token URL as aud: the instance's own base URLs, never the request's Host ---

def test_token_url_aud_follows_configuration_not_the_host_header(rsa_keystore: Keystore) -> None:
    instance = MockInstance(base_url="https://dev1.service-now.com", accept_token_url_aud=True)
    chain = build_chain(instance, rsa_keystore)
    client = Client(instance)
    evil = "https://evil.example"
    refused(client, instance, "aud_mismatch", data=chain.form(chain.jwt(aud=f"{evil}/oauth_token.do")),
            base_url=evil)
    ours = chain.form(chain.jwt(aud="https://dev1.service-now.com/oauth_token.do"))
    assert client.post(TOKEN_URL, data=ours, base_url=evil).status_code == 200
    assert instance.base_urls == frozenset({"https://dev1.service-now.com"})
    assert instance.errors == []


def test_every_served_base_url_is_a_token_url_while_served(client: Client, instance: MockInstance,
                                                           chain: Chain) -> None:
    instance.configure(accept_token_url_aud=True)
    assert instance.base_urls == frozenset()
    with instance.intercept("https://dev2.service-now.com") as site, instance.serve() as server:
        assert instance.base_urls == {"https://dev2.service-now.com", server.url}
        for base in (site.url, server.url):
            form = chain.form(chain.jwt(aud=f"{base}/oauth_token.do"))
            assert requests.post(f"{base}/oauth_token.do", data=form, timeout=30).status_code == 200
    assert instance.base_urls == frozenset()
    refused(client, instance, "aud_mismatch", data=chain.form(chain.jwt(aud=f"{site.url}/oauth_token.do")))


# -- 3. a repeated form parameter is an invalid request (RFC 6749 §3.2, §5.2) ----------

@pytest.mark.parametrize("name", ["grant_type", "client_id", "client_secret", "assertion", "scope"])
def test_a_repeated_parameter_is_refused(client: Client, instance: MockInstance, chain: Chain, name: str) -> None:
    form = {**chain.form(), "scope": "useraccount"}
    body = urlencode([*form.items(), (name, form[name])])  # the same value again: no conflict to hide behind
    sentence = refused(client, instance, "parameter_repeated", data=body,
                       content_type="application/x-www-form-urlencoded")
    assert sentence == f"form parameter(s) {[name]!r} sent more than once; RFC 6749 §3.2: each at most once"
    assert client.post(TOKEN_URL, data=urlencode(list(form.items())),
                       content_type="application/x-www-form-urlencoded").status_code == 200


# -- 4. only canonical JOSE: base64url without padding (RFC 7515 §2), UTF-8 JSON (RFC 7519 §7.2)

def padded(value: Any, encoding: str = "utf-8") -> str:
    """Base64url *with* its padding; the JSON is grown until there is some to add."""
    while len(data := json.dumps(value).encode(encoding)) % 3 == 0:
        value = {**value, "x": value.get("x", "") + "x"}
    return base64.urlsafe_b64encode(data).decode()


def in_encoding(value: Any, encoding: str) -> str:
    return b64url(json.dumps(value).encode(encoding))


def _standard_alphabet(assertion: str) -> str:
    head, _, signature = assertion.rpartition(".")
    return f"{head}.{signature.replace('-', '+').replace('_', '/')}"


NON_CANONICAL: list[tuple[str, Any]] = [
    ("header padded", lambda c, h, p: c.signed(padded(h), segment(p))),
    ("claims padded", lambda c, h, p: c.signed(segment(h), padded(p))),
    ("signature padded", lambda c, h, p: c.signed(segment(h), segment(p)) + "=" * (-len(
        c.signed(segment(h), segment(p)).rpartition(".")[2]) % 4)),
    ("signature in the standard alphabet", lambda c, h, p: _standard_alphabet(c.signed(segment(h), segment(p)))),
    ("header UTF-16", lambda c, h, p: c.signed(in_encoding(h, "utf-16"), segment(p))),
    ("header UTF-32", lambda c, h, p: c.signed(in_encoding(h, "utf-32"), segment(p))),
    ("header UTF-8 with a BOM", lambda c, h, p: c.signed(in_encoding(h, "utf-8-sig"), segment(p))),
    ("claims UTF-16", lambda c, h, p: c.signed(segment(h), in_encoding(p, "utf-16-le"))),
    ("claims UTF-32", lambda c, h, p: c.signed(segment(h), in_encoding(p, "utf-32"))),
    ("claims UTF-8 with a BOM", lambda c, h, p: c.signed(segment(h), in_encoding(p, "utf-8-sig"))),
]


@pytest.mark.parametrize("algorithm", ["RS256", "HS256"])
@pytest.mark.parametrize(("name", "build"), NON_CANONICAL, ids=[n for n, _ in NON_CANONICAL])
def test_non_canonical_jose_is_malformed(client: Client, instance: MockInstance, rsa_keystore: Keystore,
                                         algorithm: str, name: str, build: Any) -> None:
    chain = build_chain(instance, rsa_keystore if algorithm == "RS256" else None, algorithm=algorithm)
    header = {"alg": algorithm, "typ": "JWT", "kid": chain.kid}
    while True:  # a signature with no "-" or "_" has no standard-alphabet form: sign new claims
        claims = chain.claims()
        assertion = build(chain, header, claims)
        if assertion != chain.signed(segment(header), segment(claims)):
            break
    sentence = refused(client, instance, "assertion_malformed", data=chain.form(assertion))
    assert sentence.startswith("the assertion is not a JWT: its ")


# -- 5. a used jti is remembered while any assertion carrying it could be accepted ------

def _set_skew(instance: MockInstance, chain: Chain, seconds: int) -> None:
    instance.update("oauth_jwt", chain.app["sys_id"], {"clock_skew": str(seconds)})


def test_a_raised_clock_skew_keeps_the_used_jti(client: Client, instance: MockInstance, chain: Chain) -> None:
    instance.clock.freeze()
    form = chain.form(chain.jwt(exp=instance.clock.time() + 60))
    assert client.post(TOKEN_URL, data=form).status_code == 200
    instance.clock.advance(400)  # exp + the 300 s skew it was exchanged under has passed...
    _set_skew(instance, chain, 3600)  # ...but the admin widened the skew: the assertion is good again
    assert instance.tokens.cleanup() == (0, 0)
    assert instance.tokens.remembered_jtis == 1
    sentence = refused(client, instance, "jti_replayed", data=form)
    assert sentence.endswith("was already used for app 'jwt app'; every assertion needs a fresh jti")


def test_a_clock_skew_raised_after_the_cleanup_frees_no_jti(client: Client, instance: MockInstance,
                                                             chain: Chain) -> None:
    instance.clock.freeze()
    exp = instance.clock.time() + 60
    used = chain.jwt(exp=exp)
    assert client.post(TOKEN_URL, data=chain.form(used)).status_code == 200
    instance.clock.advance(400)
    assert instance.tokens.cleanup() == (0, 1)  # forgotten under the 300 s skew: no assertion could pass
    _set_skew(instance, chain, 3600)  # now one could, and its jti is no longer remembered
    for stale in (used, chain.jwt(exp=exp), chain.jwt(exp=exp - 100)):  # the same jti, or any, as old
        sentence = refused(client, instance, "jti_replayed", data=chain.form(stale))
        assert "forgotten" in sentence
    assert client.post(TOKEN_URL, data=chain.form(chain.jwt(exp=exp + 1))).status_code == 200
    assert client.post(TOKEN_URL, data=chain.form()).status_code == 200


# -- 6. a delete cascades to the record's own attachments: same table, same sys_id -----

@pytest.fixture
def plain(instance: MockInstance) -> dict[str, str]:
    """Basic auth for a user with no role."""
    instance.insert("sys_user", {"user_name": "abel", "user_password": "pw"})
    return basic("abel", "pw")


@pytest.fixture
def keystore_file(instance: MockInstance, rsa_keystore: Keystore) -> dict[str, str]:
    """A PKCS12 keystore attached to its sys_certificate record (admin-only), as the setup article does."""
    cert = instance.insert("sys_certificate", {"name": "signing keystore", "type": "pkcs12_key_store",
                                               "key_store_password": rsa_keystore.store_password})
    return instance.attach("sys_certificate", cert["sys_id"], "snclient.p12", rsa_keystore.pkcs12,
                           "application/x-pkcs12")


def _decoy(client: Client, headers: dict[str, str], sys_id: str) -> None:
    """As a plain user: create an incident with a chosen sys_id, then delete it."""
    created = client.post("/api/now/table/incident", json={"sys_id": sys_id, "short_description": "decoy"},
                          headers=headers)
    assert created.status_code == 201
    deleted = client.delete(f"/api/now/table/incident/{sys_id}", headers=headers)
    assert (deleted.status_code, deleted.data) == (204, b"")


@pytest.mark.parametrize("target", ["table_sys_id", "sys_id"], ids=["the keystore's sys_id",
                                                                     "the attachment's sys_id"])
def test_an_incident_sharing_a_sys_id_takes_no_other_attachment(client: Client, instance: MockInstance,
                                                                rsa_keystore: Keystore, plain: dict[str, str],
                                                                keystore_file: dict[str, str], target: str) -> None:
    before = table_counts(instance)
    _decoy(client, plain, keystore_file[target])
    assert table_counts(instance) == before
    assert instance.get("sys_attachment", keystore_file["sys_id"]) == keystore_file
    download = client.get(f"/api/now/attachment/{keystore_file['sys_id']}/file", headers=basic())
    # Compared by hash: a failure must not print keystore bytes.
    assert (download.status_code, hashlib.sha256(download.data).hexdigest()) == (200, keystore_file["hash"])
    assert keystore_file["hash"] == hashlib.sha256(rsa_keystore.pkcs12).hexdigest()


def test_an_incident_still_takes_its_own_attachments(client: Client, instance: MockInstance, plain: dict[str, str],
                                                     keystore_file: dict[str, str]) -> None:
    before = table_counts(instance)
    incident = instance.insert("incident", {"sys_id": keystore_file["sys_id"], "short_description": "own file"})
    own = instance.attach("incident", incident["sys_id"], "notes.txt", b"mine")
    deleted = client.delete(f"/api/now/table/incident/{incident['sys_id']}", headers=plain)
    assert (deleted.status_code, deleted.data) == (204, b"")
    assert table_counts(instance) == before
    assert (instance.get("sys_attachment", own["sys_id"]), instance.store.file(own["sys_id"])) == (None, None)
    assert instance.store.file(keystore_file["sys_id"]) is not None


# -- 7. the ACL at every hop of a dot-walk: through an unreadable table, nothing --------

@pytest.fixture
def link(client: Client, instance: MockInstance, chain: Chain, plain: dict[str, str]) -> dict[str, Any]:
    """A plain user's record in a table of theirs that references an app and its verifier map."""
    instance.register_table("u_link", ["u_name", ref("u_app", "oauth_jwt"), ref("u_map", "jwt_verifier_map")])
    instance.register_table("u_outer", ["u_name", ref("u_link", "u_link")])
    created = client.post("/api/now/table/u_link", json={"u_name": "side door", "u_app": chain.app["sys_id"],
                                                         "u_map": chain.vmap["sys_id"]}, headers=plain)
    assert created.status_code == 201
    link = created.get_json()["result"]
    assert client.post("/api/now/table/u_outer", json={"u_name": "two hops", "u_link": link["sys_id"]},
                       headers=plain).status_code == 201
    return link


def read(client: Client, instance: MockInstance, headers: dict[str, str], table: str, **params: str) -> bytes:
    before = table_counts(instance)
    response = client.get(f"/api/now/table/{table}", query_string=params, headers=headers)
    assert (response.status_code, response.headers["X-Total-Count"]) == (200, "1")
    assert table_counts(instance) == before
    return response.data


SECRET_PATHS = ["u_app.client_id", "u_map.kid", "u_app.sys_id", "u_app.name"]


def test_dot_walked_fields_through_a_security_table_are_ignored(client: Client, instance: MockInstance,
                                                                chain: Chain, plain: dict[str, str],
                                                                link: dict[str, Any]) -> None:
    fields = ",".join(["u_name", *SECRET_PATHS])
    assert read(client, instance, plain, "u_link", sysparm_fields=fields) == b'{"result":[{"u_name":"side door"}]}'
    assert read(client, instance, plain, "u_outer", sysparm_fields="u_name,u_link.u_app.client_id,u_link.u_name") \
        == b'{"result":[{"u_name":"two hops","u_link.u_name":"side door"}]}'
    admin_view = json.loads(read(client, instance, basic(), "u_link", sysparm_fields=fields))["result"][0]
    assert (admin_view["u_app.client_id"], admin_view["u_map.kid"]) == (chain.client_id, chain.kid)


@pytest.mark.parametrize("query", [
    "u_app.client_id={client_id}", "u_app.client_id=wrong", "u_map.kidSTARTSWITH{kid0}", "u_map.kidSTARTSWITHzz",
    "u_app.client_idISEMPTY", "u_app.sys_idISNOTEMPTY^u_app.active=false", "u_nameSAMEASu_app.client_id",
    "ORDERBYu_app.client_id", "u_nameISNOTEMPTY^u_app.client_idLIKEwrong",
])
def test_query_conditions_through_a_security_table_are_dropped(client: Client, instance: MockInstance,
                                                               chain: Chain, plain: dict[str, str],
                                                               link: dict[str, Any], query: str) -> None:
    query = query.format(client_id=chain.client_id, kid0=chain.kid[0])
    expected = b'{"result":[{"u_name":"side door"}]}'  # as if the condition were not there: no oracle
    assert read(client, instance, plain, "u_link", sysparm_fields="u_name", sysparm_query=query) == expected
    name, _, value = query.partition("=")
    if value and "^" not in query:
        assert read(client, instance, plain, "u_link", sysparm_fields="u_name", **{name: value}) == expected
    assert read(client, instance, plain, "u_outer", sysparm_fields="u_name",
                sysparm_query=query.replace("u_app", "u_link.u_app")) == b'{"result":[{"u_name":"two hops"}]}'


@pytest.mark.parametrize("display", ["true", "all"])
def test_no_display_value_of_a_record_the_caller_may_not_read(client: Client, instance: MockInstance,
                                                              chain: Chain, plain: dict[str, str],
                                                              link: dict[str, Any], display: str) -> None:
    links = {name: f"http://localhost/api/now/table/{table}/{link[name]['value']}"
             for name, table in (("u_app", "oauth_jwt"), ("u_map", "jwt_verifier_map"))}
    body = json.loads(read(client, instance, plain, "u_link", sysparm_fields="u_app,u_map",
                           sysparm_display_value=display))
    if display == "true":
        assert body == {"result": [{name: {"display_value": "", "link": url} for name, url in links.items()}]}
    else:
        assert body == {"result": [{name: {"display_value": "", "link": url, "value": link[name]["value"]}
                                    for name, url in links.items()}]}
    admin_view = json.loads(read(client, instance, basic(), "u_link", sysparm_fields="u_app",
                                 sysparm_display_value=display))
    assert admin_view["result"][0]["u_app"]["display_value"] == "jwt app"


def test_related_list_and_join_queries_respect_the_acl(client: Client, instance: MockInstance,
                                                       chain: Chain) -> None:
    # A plain user may list users, but not learn which of them hold tokens (oauth_credential is admin-only).
    instance.insert("sys_user", {"user_name": "pat", "user_password": "pw"})
    exchange = client.post(TOKEN_URL, data=chain.form())
    assert exchange.status_code == 200
    everyone = sorted(u["user_name"] for u in instance.query("sys_user"))
    for query in ("RLQUERYoauth_credential.user,>=1^ENDRLQUERY",
                  "JOINsys_user.sys_id=oauth_credential.user!type=access_token"):
        as_admin = client.get("/api/now/table/sys_user", query_string={"sysparm_query": query,
                                                                     "sysparm_fields": "user_name"},
                              headers=basic("admin", "admin")).get_json()["result"]
        assert [u["user_name"] for u in as_admin] == [chain.user["user_name"]]  # the admin's query applies
        instance.platform.query_warnings.clear()
        as_user = client.get("/api/now/table/sys_user", query_string={"sysparm_query": query,
                                                                    "sysparm_fields": "user_name"},
                             headers=basic("pat", "pw")).get_json()["result"]
        assert sorted(u["user_name"] for u in as_user) == everyone  # dropped, as for an unknown table
        assert any("may not read oauth_credential" in str(w) for w in instance.warnings)
