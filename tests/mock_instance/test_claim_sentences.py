"""What the mock tells the tester for each claim refusal (docs/platform.md §4 steps 7-11): the whole
``syslog`` sentence, so a check that blames the wrong value or the wrong bound fails here.

These also kill the claim-check mutants docs/mutation.md listed as surviving: the tests before
asserted the reason code but not the sentence, and left some claim-validation shapes untried.
"""

from __future__ import annotations

import pytest
from werkzeug.test import Client

from mock_instance import MockInstance
from mock_instance.client import Keystore

from .chain import Chain, build_chain
from .test_token_edges import assert_issued
from .test_token_endpoint import assert_refused, exchange

#: A fixed instant: 2027-01-15 08:00:00 UTC on the platform's clock.
NOW = 1_800_000_000


@pytest.fixture
def chain(instance: MockInstance, rsa_keystore: Keystore) -> Chain:
    """An RS256 chain with JTI verification on, on a clock frozen at NOW."""
    instance.clock.freeze(NOW)
    return build_chain(instance, rsa_keystore, enable_jti_verification="true")


def assert_outcome(client: Client, instance: MockInstance, form: dict[str, str], accepted: bool,
                   code: str) -> str | None:
    """A token issued (see assert_issued), or refused with ``code``: then the sentence."""
    if accepted:
        assert_issued(client, instance, form)
        return None
    return assert_refused(client, instance, code, form)


@pytest.mark.parametrize(("claims", "code", "sentence"), [
    ({"aud": None}, "aud_mismatch", "the assertion has no aud"),
    ({"aud": "someone-else"}, "aud_mismatch", "aud 'someone-else' is not the client_id {client_id}"),
    ({"iss": "someone-else"}, "iss_mismatch", "iss 'someone-else' is not the client_id {client_id}"),
    ({"iss": None}, "iss_mismatch", "iss None is not the client_id {client_id}"),
    ({"exp": None}, "exp_missing", "the assertion has no exp"),
    ({"exp": "soon"}, "exp_missing", "exp 'soon' is not a number"),
    ({"exp": NOW - 400}, "token_expired",
     "exp 2027-01-15 07:53:20 plus clock skew 300s is before now (2027-01-15 08:00:00); expired 400s ago"),
    ({"nbf": "later"}, "token_not_yet_valid", "nbf 'later' is not a number"),
    ({"nbf": NOW + 400}, "token_not_yet_valid",
     "nbf 1800000400 minus clock skew 300s is after now (2027-01-15 08:00:00)"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_each_refusal_names_the_value_and_the_bound(client: Client, instance: MockInstance, chain: Chain,
                                                     claims: dict[str, object], code: str, sentence: str) -> None:
    form = chain.form(chain.jwt(**claims))
    assert assert_refused(client, instance, code, form) == sentence.format(client_id=chain.client_id)


@pytest.mark.parametrize(("iat", "sentence"), [
    ("early", "iat 'early' is not a number"),
    (NOW + 301, "iat 1800000301 is after now (2027-01-15 08:00:00) plus clock skew 300s"),
])
def test_iat_refusals_under_check_iat(client: Client, instance: MockInstance, chain: Chain, iat: object,
                                      sentence: str) -> None:
    instance.configure(check_iat=True)
    assert assert_refused(client, instance, "iat_in_future", chain.form(chain.jwt(iat=iat))) == sentence


@pytest.mark.parametrize(("iat", "accepted"), [(None, True), (NOW + 300, True), (NOW + 301, False)],
                         ids=["no iat", "at now plus skew", "one second after"])
def test_iat_bound_under_check_iat(client: Client, instance: MockInstance, chain: Chain, iat: int | None,
                                   accepted: bool) -> None:
    instance.configure(check_iat=True)
    assert_outcome(client, instance, chain.form(chain.jwt(iat=iat)), accepted, "iat_in_future")


def test_a_missing_jti_is_refused_only_when_the_setting_says(client: Client, instance: MockInstance,
                                                              chain: Chain) -> None:
    # docs/platform.md §9 accept_missing_jti (default true, probe J).
    assert exchange(client, chain.form(chain.jwt(jti=None))).status_code == 200, instance.refusals
    instance.configure(accept_missing_jti=False)
    assert assert_refused(client, instance, "jti_missing", chain.form(chain.jwt(jti=None))) == \
        "JTI verification is on and the assertion has no 'jti'"


def test_a_replayed_jti_names_the_app(client: Client, instance: MockInstance, chain: Chain) -> None:
    form = chain.form(chain.jwt(jti="once"))
    assert exchange(client, form).status_code == 200
    assert assert_refused(client, instance, "jti_replayed", form) == \
        "jti 'once' was already used for app 'jwt app'; every assertion needs a fresh jti"


def test_a_custom_jti_claim_is_the_one_checked(client: Client, instance: MockInstance,
                                               rsa_keystore: Keystore) -> None:
    instance.clock.freeze(NOW)
    chain = build_chain(instance, rsa_keystore, enable_jti_verification="true", jti_claim="nonce")
    instance.configure(accept_missing_jti=False)
    assert assert_refused(client, instance, "jti_missing", chain.form(chain.jwt(nonce=None))) == \
        "JTI verification is on and the assertion has no 'nonce'"
    form = chain.form(chain.jwt(nonce="n-1", jti="a"))
    assert exchange(client, form).status_code == 200
    # The same nonce under a fresh jti is still a replay: the nonce is what is remembered.
    assert assert_refused(client, instance, "jti_replayed", chain.form(chain.jwt(nonce="n-1", jti="b"))) == \
        "nonce 'n-1' was already used for app 'jwt app'; every assertion needs a fresh jti"


def test_numeric_jtis_are_told_apart(client: Client, instance: MockInstance, chain: Chain) -> None:
    assert exchange(client, chain.form(chain.jwt(jti=1))).status_code == 200
    assert exchange(client, chain.form(chain.jwt(jti=2))).status_code == 200
    assert_refused(client, instance, "jti_replayed", chain.form(chain.jwt(jti=1)))


def test_an_iss_claim_validation_is_not_a_claim_to_match(client: Client, instance: MockInstance,
                                                         chain: Chain) -> None:
    # iss validations widen step 8; step 10 must not then demand iss equal them too.
    instance.insert("oauth_jwt_claim_validation", {"oauth_jwt": chain.app["sys_id"], "name": "iss",
                                                   "value": "my-issuer"})
    assert exchange(client, chain.form(chain.jwt())).status_code == 200, instance.refusals
    assert assert_refused(client, instance, "iss_mismatch", chain.form(chain.jwt(iss="other"))) == \
        f"iss 'other' is not the client_id {chain.client_id} or an iss claim validation (1)"


@pytest.mark.parametrize(("value", "accepted"), [
    ("acme", True), (["x", "acme"], True), (["x", "acmeco"], False), ("acme-evil", False), ("xacme", False),
    (None, False),
], ids=["equal", "list holding it", "list without it", "string containing it", "string ending in it", "absent"])
def test_claim_validation_shapes(client: Client, instance: MockInstance, chain: Chain, value: object,
                                 accepted: bool) -> None:
    instance.insert("oauth_jwt_claim_validation", {"oauth_jwt": chain.app["sys_id"], "name": "tenant",
                                                   "value": "acme"})
    sentence = assert_outcome(client, instance, chain.form(chain.jwt(tenant=value)), accepted, "claim_mismatch")
    assert sentence == (None if accepted else f"claim 'tenant' is {value!r}, the app's claim validation wants 'acme'")


@pytest.mark.parametrize(("value", "wanted", "accepted"), [
    (42, "42", True), (43, "42", False), (True, "True", True), (False, "True", False),
])
def test_number_and_boolean_claims_compare_as_text(client: Client, instance: MockInstance, chain: Chain,
                                                   value: object, wanted: str, accepted: bool) -> None:
    instance.insert("oauth_jwt_claim_validation", {"oauth_jwt": chain.app["sys_id"], "name": "level",
                                                   "value": wanted})
    assert_outcome(client, instance, chain.form(chain.jwt(level=value)), accepted, "claim_mismatch")


def test_every_validation_is_checked_not_only_the_first(client: Client, instance: MockInstance,
                                                        chain: Chain) -> None:
    for name in ("", "tenant", "region"):  # a nameless row is skipped, not a stop
        instance.insert("oauth_jwt_claim_validation", {"oauth_jwt": chain.app["sys_id"], "name": name,
                                                       "value": "acme" if name == "tenant" else "eu"})
    assert exchange(client, chain.form(chain.jwt(tenant="acme", region="eu"))).status_code == 200
    assert assert_refused(client, instance, "claim_mismatch", chain.form(chain.jwt(tenant="acme", region="us"))) \
        == "claim 'region' is 'us', the app's claim validation wants 'eu'"


def test_a_blank_jti_claim_means_jti(client: Client, instance: MockInstance, rsa_keystore: Keystore) -> None:
    instance.clock.freeze(NOW)
    chain = build_chain(instance, rsa_keystore, enable_jti_verification="true", jti_claim="")
    form = chain.form(chain.jwt(jti="twice"))
    assert exchange(client, form).status_code == 200
    assert assert_refused(client, instance, "jti_replayed", form) == \
        "jti 'twice' was already used for app 'jwt app'; every assertion needs a fresh jti"


def test_a_list_jti_is_remembered_too(client: Client, instance: MockInstance, chain: Chain) -> None:
    form = chain.form(chain.jwt(jti=["a", "b"]))
    assert exchange(client, form).status_code == 200
    assert assert_refused(client, instance, "jti_replayed", form) == \
        "jti \"['a', 'b']\" was already used for app 'jwt app'; every assertion needs a fresh jti"


def test_a_blank_clock_skew_means_the_default(client: Client, instance: MockInstance,
                                              rsa_keystore: Keystore) -> None:
    instance.clock.freeze(NOW)
    chain = build_chain(instance, rsa_keystore, clock_skew="")
    assert exchange(client, chain.form(chain.jwt(exp=NOW - 300))).status_code == 200, instance.refusals
    assert_refused(client, instance, "token_expired", chain.form(chain.jwt(exp=NOW - 301)))


def test_a_number_that_matches_does_not_end_the_checks(client: Client, instance: MockInstance,
                                                       chain: Chain) -> None:
    for name, value in (("level", "42"), ("region", "eu")):
        instance.insert("oauth_jwt_claim_validation", {"oauth_jwt": chain.app["sys_id"], "name": name,
                                                       "value": value})
    assert assert_refused(client, instance, "claim_mismatch", chain.form(chain.jwt(level=42, region="us"))) \
        == "claim 'region' is 'us', the app's claim validation wants 'eu'"
