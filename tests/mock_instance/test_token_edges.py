"""The jwt-bearer checks at their edges and in their order (docs/platform.md §4, step 9's skew, §9).

Each bound is tried exactly at the bound, one second inside and one second outside, on a
frozen clock, so that an off-by-one in a comparison fails here. The order tests send an
assertion wrong in two adjacent ways and expect the earlier step's reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from werkzeug.test import Client

from mock_instance import MockInstance
from mock_instance.client import Keystore, make_keystore
from tests.helpers import table_counts

from .chain import Chain, build_chain
from .test_token_endpoint import assert_refused, exchange

#: docs/platform.md §1: ``oauth_jwt.clock_skew`` on the classic form, the default.
SKEW = 300
#: A fixed instant, so every bound is an exact second.
NOW = 1_800_000_000


@pytest.fixture
def chain(instance: MockInstance, rsa_keystore: Keystore) -> Chain:
    """An RS256 chain (certificate, app with the default skew, map, user) on a clock frozen at NOW."""
    instance.clock.freeze(NOW)
    return build_chain(instance, rsa_keystore)


def assert_issued(client: Client, instance: MockInstance, form: dict[str, str]) -> None:
    """Post, and check a token was issued (one new oauth_credential) with no refusal logged."""
    before = table_counts(instance)
    instance.clear_refusals()
    response = exchange(client, form)
    assert response.status_code == 200, instance.refusals
    assert list(response.get_json()) == ["access_token", "scope", "token_type", "expires_in"]
    assert instance.refusals == []
    assert table_counts(instance) == {**before, "oauth_credential": before["oauth_credential"] + 1}


# -- step 9: exp and nbf with the clock skew ---------------------------------------------

@pytest.mark.parametrize(("offset", "accepted"), [(-1, True), (0, True), (1, False)],
                         ids=["one second inside", "at the bound", "one second outside"])
def test_exp_bound_is_exp_plus_skew(client: Client, instance: MockInstance, chain: Chain, offset: int,
                                    accepted: bool) -> None:
    # now <= exp + clock_skew is accepted: now - (exp + skew) == offset.
    form = chain.form(chain.jwt(exp=NOW - SKEW - offset, nbf=None, iat=None))
    if accepted:
        assert_issued(client, instance, form)
    else:
        sentence = assert_refused(client, instance, "token_expired", form)
        assert f"clock skew {SKEW}s" in sentence and "expired 301s ago" in sentence


@pytest.mark.parametrize(("offset", "accepted"), [(-1, True), (0, True), (1, False)],
                         ids=["one second inside", "at the bound", "one second outside"])
def test_exp_bound_with_zero_skew(client: Client, instance: MockInstance, rsa_keystore: Keystore,
                                  offset: int, accepted: bool) -> None:
    instance.clock.freeze(NOW)
    chain = build_chain(instance, rsa_keystore, clock_skew=0)
    form = chain.form(chain.jwt(exp=NOW - offset, nbf=None, iat=None))
    if accepted:
        assert_issued(client, instance, form)
    else:
        assert_refused(client, instance, "token_expired", form)


@pytest.mark.parametrize(("offset", "accepted"), [(-1, True), (0, True), (1, False)],
                         ids=["one second inside", "at the bound", "one second outside"])
def test_nbf_bound_is_nbf_minus_skew(client: Client, instance: MockInstance, chain: Chain, offset: int,
                                     accepted: bool) -> None:
    # now >= nbf - clock_skew is accepted: (nbf - skew) - now == offset.
    form = chain.form(chain.jwt(nbf=NOW + SKEW + offset, iat=None))
    if accepted:
        assert_issued(client, instance, form)
    else:
        sentence = assert_refused(client, instance, "token_not_yet_valid", form)
        assert f"clock skew {SKEW}s" in sentence


@pytest.mark.parametrize(("offset", "accepted"), [(-1, True), (0, True), (1, False)],
                         ids=["one second inside", "at the bound", "one second outside"])
def test_nbf_bound_with_zero_skew(client: Client, instance: MockInstance, rsa_keystore: Keystore,
                                  offset: int, accepted: bool) -> None:
    instance.clock.freeze(NOW)
    chain = build_chain(instance, rsa_keystore, clock_skew=0)
    form = chain.form(chain.jwt(nbf=NOW + offset, iat=None))
    if accepted:
        assert_issued(client, instance, form)
    else:
        assert_refused(client, instance, "token_not_yet_valid", form)


def test_the_bounds_move_with_the_clock(client: Client, instance: MockInstance, chain: Chain) -> None:
    # One assertion, refused a second after the bound the clock reaches.
    exp = NOW + 60
    instance.clock.advance(60 + SKEW)
    assert_issued(client, instance, chain.form(chain.jwt(exp=exp, nbf=None, iat=None, jti="first")))
    instance.clock.advance(1)
    assert_refused(client, instance, "token_expired", chain.form(chain.jwt(exp=exp, nbf=None, iat=None,
                                                                           jti="second")))


def test_iat_is_not_checked_by_default(client: Client, instance: MockInstance, chain: Chain) -> None:
    # docs/platform.md §4 step 9: iat is not checked [CHOSEN]; §9 `check_iat` (default false).
    assert_issued(client, instance, chain.form(chain.jwt(iat=NOW + 3600, nbf=None, exp=NOW + 7200)))


def test_iat_in_the_future_refused_with_check_iat(client: Client, instance: MockInstance, chain: Chain) -> None:
    # docs/platform.md §13 probe J: iat=now+3600, exp=now+7200 refused means check_iat=true.
    instance.configure(check_iat=True)
    assert_refused(client, instance, "iat_in_future",
                   chain.form(chain.jwt(iat=NOW + 3600, nbf=None, exp=NOW + 7200)))
    assert_issued(client, instance, chain.form(chain.jwt(iat=NOW, nbf=None, exp=NOW + 7200)))


# -- step 11: jti replay ----------------------------------------------------------------

def test_jti_second_use_refused_other_jti_accepted(client: Client, instance: MockInstance, chain: Chain) -> None:
    assert_issued(client, instance, chain.form(chain.jwt(jti="once")))
    sentence = assert_refused(client, instance, "jti_replayed", chain.form(chain.jwt(jti="once")))
    assert "'once'" in sentence
    assert_issued(client, instance, chain.form(chain.jwt(jti="twice")))


# -- the order of the checks ------------------------------------------------------------

@dataclass(frozen=True)
class Defect:
    """One way an exchange is wrong at one step of docs/platform.md §4, combinable with another."""

    code: str
    form: dict[str, str] = field(default_factory=dict)
    headers: dict[str, Any] = field(default_factory=dict)
    claims: dict[str, Any] = field(default_factory=dict)
    other_key: bool = False
    setup: Callable[[Client, MockInstance, Chain], None] | None = None


def _claim_validation(client: Client, instance: MockInstance, chain: Chain) -> None:
    instance.insert("oauth_jwt_claim_validation", {"oauth_jwt": chain.app["sys_id"], "name": "tenant",
                                                   "value": "acme"})


def _use_jti(client: Client, instance: MockInstance, chain: Chain) -> None:
    # Passes step 10 whether or not the tenant validation is there.
    assert exchange(client, chain.form(chain.jwt(jti="used", tenant="acme"))).status_code == 200


#: One defect per step, in the order docs/platform.md §4 lists the steps.
STEPS: list[tuple[str, Defect]] = [
    ("1 assertion", Defect("assertion_missing", form={"assertion": ""})),
    ("2 app", Defect("client_unknown", form={"client_id": "0" * 32})),
    ("3 secret", Defect("client_secret_invalid", form={"client_secret": "wrong"})),
    ("4 alg", Defect("alg_not_allowed", headers={"alg": "PS256"})),
    ("5 kid", Defect("kid_unknown", headers={"kid": "not-the-kid"})),
    ("6 signature", Defect("signature_invalid", other_key=True)),
    ("7 aud", Defect("aud_mismatch", claims={"aud": "someone-else"})),
    ("8 iss", Defect("iss_mismatch", claims={"iss": "someone-else"})),
    ("9 exp", Defect("token_expired", claims={"exp": NOW - SKEW - 1})),
    ("10 custom claim", Defect("claim_mismatch", claims={"tenant": "evil"}, setup=_claim_validation)),
    ("11 jti", Defect("jti_replayed", claims={"jti": "used"}, setup=_use_jti)),
    ("12 user", Defect("user_not_found", claims={"sub": "nobody@example.com"})),
]


def _send(client: Client, instance: MockInstance, chain: Chain, *defects: Defect) -> dict[str, str]:
    for defect in defects:
        if defect.setup is not None:
            defect.setup(client, instance, chain)
    headers: dict[str, Any] = {}
    claims: dict[str, Any] = {}
    form: dict[str, str] = {}
    for defect in defects:
        headers |= defect.headers
        claims |= defect.claims
        form |= defect.form
    key = make_keystore().private_key if any(d.other_key for d in defects) else None
    return chain.form(chain.jwt(headers=headers or None, key=key, **claims)) | form


@pytest.mark.parametrize("step", STEPS, ids=[s[0] for s in STEPS])
def test_each_defect_alone_gets_its_reason(client: Client, instance: MockInstance, chain: Chain,
                                           step: tuple[str, Defect]) -> None:
    # Else the pair below could pass with a later "defect" that is no defect at all.
    defect = step[1]
    assert_refused(client, instance, defect.code, _send(client, instance, chain, defect))


@pytest.mark.parametrize(("earlier", "later"), list(zip(STEPS, STEPS[1:], strict=False)),
                         ids=[f"{a[0]} before {b[0]}" for a, b in zip(STEPS, STEPS[1:], strict=False)])
def test_adjacent_checks_in_order(client: Client, instance: MockInstance, chain: Chain,
                                  earlier: tuple[str, Defect], later: tuple[str, Defect]) -> None:
    form = _send(client, instance, chain, earlier[1], later[1])
    assert_refused(client, instance, earlier[1].code, form)


def test_inactive_app_before_client_secret(client: Client, instance: MockInstance, chain: Chain) -> None:
    # Step 2's other half: an app found but inactive is refused before its secret is checked.
    instance.update("oauth_jwt", chain.app["sys_id"], {"active": "false"})
    assert_refused(client, instance, "client_inactive", chain.form(client_secret="wrong"))
