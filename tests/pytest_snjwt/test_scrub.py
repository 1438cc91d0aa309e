"""The secret registry and the search for secrets, below the pytest routes (test_scrub_routes.py)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Mapping
from urllib.parse import quote_plus

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from mock_instance import Secret
from mock_instance.client import make_keystore
from mock_instance.client.http import admin_session
from pytest_snjwt.report_scrubber import find_secrets
from pytest_snjwt.scrub import FRAGMENT, SecretRegistry
from pytest_snjwt.tokens import AccessToken, Assertion, TokenResponse

SECRET = "Sentinel/secret+with=odd&chars\"and'quotes"
TOKEN = "T0k3n" * 18


@pytest.fixture
def registry() -> SecretRegistry:
    registry = SecretRegistry()
    registry.add(SECRET)
    return registry


@pytest.mark.parametrize("shown", [
    SECRET, quote_plus(SECRET), json.dumps(SECRET), repr(SECRET), repr(SECRET.encode()),
    base64.b64encode(SECRET.encode()).decode(), f"before {SECRET} after",
    repr(SECRET)[:FRAGMENT + 3] + "..." + repr(SECRET)[-FRAGMENT - 3:],  # pytest's shortened repr
])
def test_every_form_and_fragment_is_masked(registry: SecretRegistry, shown: str) -> None:
    scrubbed = registry.scrub(shown)
    assert "***" in scrubbed
    for i in range(len(SECRET) - FRAGMENT + 1):
        assert SECRET[i:i + FRAGMENT] not in scrubbed


def test_surrounding_text_is_kept(registry: SecretRegistry) -> None:
    assert registry.scrub(f"password = '{SECRET}' # ok") == "password = '***' # ok"
    assert registry.scrub("nothing secret here") == "nothing secret here"


def test_short_secrets_are_masked_whole_and_tiny_ones_ignored() -> None:
    registry = SecretRegistry()
    registry.add("abcd1234")
    registry.add("pw")
    assert registry.scrub("store=abcd1234, other=pw") == "store=***, other=pw"


def test_basic_form() -> None:
    registry = SecretRegistry()
    registry.add_basic("ops-admin", Secret("Sentinel-admin-password-51c2"))
    header = requests.auth._basic_auth_str("ops-admin", "Sentinel-admin-password-51c2")
    assert registry.scrub(header) == "Basic ***"


def test_an_empty_registry_is_free() -> None:
    assert SecretRegistry().scrub("x" * 10) == "x" * 10 and not SecretRegistry()


def found_in(*roots: object) -> SecretRegistry:
    """What a report would mask beyond the run's registry (these tests' values are never in it)."""
    return find_secrets(*roots)


def test_found_by_type() -> None:
    keystore = make_keystore(password="Sentinel-store-pw")
    found = found_in({"a": AccessToken(TOKEN), "b": Assertion("eyJ" + TOKEN), "c": Secret("Sentinel-secret-1"),
                      "k": keystore})
    assert found.scrub(TOKEN) == "***" and found.scrub("Sentinel-secret-1") == "***"
    assert found.scrub("Sentinel-store-pw") == "***"
    pem_line = keystore.private_key_pem.decode().splitlines()[3]
    assert found.scrub(pem_line) == "***"


def test_found_by_name_when_long_enough() -> None:
    found = found_in({"client_secret": "c" * 32, "access_token": "nope", "token_url": "https://x.test/oauth_token.do"})
    assert found.scrub("c" * 32) == "***"
    assert found.scrub("nope https://x.test/oauth_token.do") == "nope https://x.test/oauth_token.do"
    assert found_in(TokenResponse({"access_token": TOKEN})).scrub(TOKEN) == "***"


def test_found_in_sessions_requests_and_bodies() -> None:
    session = admin_session("https://x.test", "ops-admin", Secret("Unit-admin-password-found"))
    session.headers["Authorization"] = f"Bearer {TOKEN}"
    found = found_in({"self": session})
    assert found.scrub(TOKEN) == "***" and found.scrub("Unit-admin-password-found") == "***"
    prepared = requests.Request("POST", "https://x.test/oauth_token.do",
                                data={"client_secret": "s" * 32, "grant_type": "x"}).prepare()
    assert found_in({"request": prepared}).scrub("s" * 32) == "***"
    assert found_in({"body": json.dumps({"shared_key": "k" * 40})}).scrub("k" * 40) == "***"


def test_found_in_an_exceptions_frames() -> None:
    def sign_in(password: str) -> None:
        raise RuntimeError("refused")

    try:
        sign_in("Sentinel-frame-password")
    except RuntimeError as e:
        found = find_secrets(e)
    assert found.scrub("Sentinel-frame-password") == "***"


def test_a_half_built_container_in_a_frame_is_skipped() -> None:
    class Replies(Mapping[str, str]):  # its __init__ raises before the state its __iter__ reads exists
        def __init__(self, password: str) -> None:
            raise ValueError("refused")

        def __getitem__(self, key: str) -> str:
            return self._items[key]  # type: ignore[attr-defined, no-any-return]

        def __iter__(self) -> Iterator[str]:
            return iter(self._items)  # type: ignore[attr-defined]

        def __len__(self) -> int:
            return len(self._items)  # type: ignore[attr-defined]

    try:
        Replies("Sentinel-frame-password")
    except ValueError as e:
        found = find_secrets(e)  # no AttributeError: a report must still be written
    assert found.scrub("Sentinel-frame-password") == "***"


def test_a_large_object_graph_is_not_walked_without_end() -> None:
    deep: dict[str, object] = {}
    node = deep
    for _ in range(10_000):
        node["next"] = {}
        node = node["next"]  # type: ignore[assignment]
    wide = [{"x": list(range(300))} for _ in range(300)]
    assert not found_in(deep, wide)


def test_a_masked_repr_is_left_as_it_is() -> None:
    found = found_in({"a": Assertion("eyJhbGciOiJSUzI1NiJ9." + TOKEN), "t": AccessToken(TOKEN)})
    shown = repr({"assertion": Assertion("eyJhbGciOiJSUzI1NiJ9." + TOKEN)})
    assert found.scrub(shown).startswith("{'assertion': Assertion(")


def brute_force(text: str, secret: str) -> str:
    """Mask every FRAGMENT-long window of ``text`` that occurs in ``secret``, position by position."""
    covered = [False] * len(text)
    for i in range(len(text) - FRAGMENT + 1):
        if text[i:i + FRAGMENT] in secret:
            covered[i:i + FRAGMENT] = [True] * FRAGMENT
    out, i = [], 0
    while i < len(text):
        if covered[i]:
            while i < len(text) and covered[i]:
                i += 1
            out.append("***")
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


@given(st.lists(st.one_of(st.text(alphabet="ab.-_ \n", max_size=15),
                          st.tuples(st.integers(0, 60), st.integers(1, 40))), max_size=12))
@settings(max_examples=300, deadline=None)
def test_the_fast_scan_finds_what_a_window_by_window_scan_finds(parts: list[object]) -> None:
    secret = "Q7xv9KpL2mZt8RwY4nBc6HdJ1sFg3VeA5uTq0XoP"  # no character of the filler alphabet
    text = "".join(p if isinstance(p, str) else secret[p[0]:p[0] + p[1]] for p in parts)
    registry = SecretRegistry()
    registry.add(secret)
    assert registry.scrub(text) == brute_force(text, secret)


def test_a_search_skips_what_the_run_already_registered() -> None:
    known = SecretRegistry()
    known.add("Unit-known-secret-000111")
    found = SecretRegistry(known=known)
    found.add("Unit-known-secret-000111")
    found.add(Secret("Unit-new-secret-222333"))
    assert "Unit-known-secret-000111" not in found and "Unit-new-secret-222333" in found
