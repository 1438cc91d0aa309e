"""Every fixture of pytest-snjwt, each with the docstring ``pytest --fixtures`` shows.

Heavy imports happen inside the fixtures: a run that uses none of them pays
nothing (no interception, no server, no import of the mock).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from .stash import CONFIG_KEY, GRANTS_KEY, MARKER, SUMMARY_KEY, TARGET_KEY, VARIANTS_KEY

if TYPE_CHECKING:

    from mock_instance import InstanceServer, MockInstance
    from mock_instance.client import Chain, Keystore

    from .targets import InstanceInfo, Target
    from .tokens import AccessToken, InstanceSession, TokenResponse


@pytest.fixture(scope="session")
def snjwt_keystore(request: pytest.FixtureRequest) -> Keystore:
    """An RSA key pair and self-signed certificate, made like keytool does, once per session.

    Has ``pkcs12`` (keystore bytes), ``private_key_pem``, ``certificate_pem``,
    ``certificate_der``, ``alias`` and the passwords; its repr masks them. No key
    material is committed: the pair is generated on first use and kept in pytest's
    cache folder (``--cache-clear`` makes a new one).
    """
    from mock_instance.client import load_or_make_keystore

    cache = getattr(request.config, "cache", None)
    return load_or_make_keystore(cache.mkdir("snjwt") if cache is not None else None)


@pytest.fixture(scope="session")
def _snjwt_target(request: pytest.FixtureRequest, snjwt_keystore: Keystore) -> Iterator[Target]:
    """(private) The session's instance, mock or live, and its chains; live records are deleted at the end.

    Mock: every variant the collected tests ask for is provisioned once, here, before any test runs.
    """
    from .targets import open_target, worker_id

    config = request.config
    target = open_target(config.stash[CONFIG_KEY], snjwt_keystore, worker_id())
    config.stash[TARGET_KEY] = target
    try:
        target.prepare(config.stash.get(VARIANTS_KEY, set()), config.stash.get(GRANTS_KEY, {}))
        yield target
    finally:
        problems = target.close()
        if problems:
            warnings.warn(pytest.PytestWarning("snjwt teardown left records behind: " + "; ".join(problems)),
                          stacklevel=1)
        summary = target.summary()
        if hasattr(config, "workeroutput"):  # xdist: the controller prints every worker's lines
            config.workeroutput["snjwt_summary"] = summary
        else:
            config.stash.setdefault(SUMMARY_KEY, []).extend(summary)


@pytest.fixture
def snjwt_instance(_snjwt_target: Target) -> Iterator[InstanceInfo]:
    """The instance under test: ``.url``, ``.token_url``, ``.live``, and ``.mock`` (None when live).

    In mock mode the instance starts each test in the provisioned state, and
    ``requests`` calls to ``.url`` are served in-process while the test runs.
    """
    _snjwt_target.begin_test()
    try:
        yield _snjwt_target.info
    finally:
        problems = _snjwt_target.end_test()
        if problems:  # live: what the test made and could not be deleted stays in the ledger
            warnings.warn(pytest.PytestWarning("snjwt could not delete what this test created: "
                                               + "; ".join(problems)), stacklevel=1)


@pytest.fixture
def snjwt_mock(snjwt_instance: InstanceInfo) -> MockInstance:
    """The :class:`mock_instance.MockInstance`, for mock-only controls: clock, settings, refusal reasons,
    query warnings.

    Skipped under ``--snjwt-live``. Example: ``snjwt_mock.clock.advance(3600)``,
    ``snjwt_mock.configure(accept_pysnc_header=True)``, ``snjwt_mock.refusals``,
    ``snjwt_mock.inject_fault("rate_limited", retry_after=0)``, ``snjwt_mock.warnings`` (query parts dropped
    because the platform would ignore them).
    """
    if snjwt_instance.mock is None:
        pytest.skip("needs the mock instance (mock-only controls); skipped under --snjwt-live")
    return snjwt_instance.mock


def _variant(request: pytest.FixtureRequest) -> Any:
    """The test's chain variant from ``@pytest.mark.snjwt(...)``; a bad marker fails the test."""
    from mock_instance.client import Variant

    marker = request.node.get_closest_marker(MARKER)
    if marker is not None and marker.args:
        pytest.fail("@pytest.mark.snjwt takes keyword arguments only", pytrace=False)
    try:
        return Variant.from_marker(marker.kwargs if marker else {})
    except ValueError as e:
        problem = str(e)
    pytest.fail(problem, pytrace=False)  # outside the handler: one message, no chained traceback


def _provisioned(variant: Any, make: Callable[[], Any]) -> Any:
    """``make()``, or the test skipped (a variant the mode cannot make) or failed (one it could not)."""
    from .live import VariantFailed, VariantUnavailable, describe_variant

    failure = None
    try:
        return make()
    except VariantUnavailable as e:
        pytest.skip(str(e))
    except VariantFailed as e:  # this test and those sharing its variant fail; the others run
        failure = f"@pytest.mark.snjwt({describe_variant(variant)}): {e}"
    pytest.fail(failure, pytrace=False)


@pytest.fixture
def snjwt_chain(request: pytest.FixtureRequest, _snjwt_target: Target, snjwt_instance: InstanceInfo) -> Chain:
    """The provisioned chain: ``client_id``, ``client_secret``, ``kid``, ``user`` (the ``sub``), ``user_field``,
    ``algorithm``, ``user_name``, ``user_password``, ``sys_ids`` of each record, and the key a client signs
    with (``private_key_pem``, or ``shared_key`` for HS). Customise it with ``@pytest.mark.snjwt(...)``.
    """
    variant = _variant(request)
    return _provisioned(variant, lambda: _snjwt_target.chain(variant))


def _reasons(instance: InstanceInfo) -> Callable[[], list[str]] | None:
    mock = instance.mock
    return (lambda: [str(r) for r in mock.refusals]) if mock is not None else None


@pytest.fixture
def snjwt_assertion(snjwt_chain: Chain, snjwt_instance: InstanceInfo) -> Callable[..., str]:
    """A factory of signed JWT assertions: ``snjwt_assertion(**claims, headers=None, key=None, algorithm=None)``.

    Each call signs fresh claims for the chain (aud = iss = client id, sub =
    the user, a new ``jti``, ``iat``/``nbf`` now and ``exp`` in 5 minutes, from
    the instance's clock). Keyword claims override them, and None removes one:
    ``snjwt_assertion(aud="wrong")``, ``snjwt_assertion(exp=None)``,
    ``snjwt_assertion(headers={"kid": "other"}, algorithm="HS256")``.
    """
    import time

    from mock_instance.client import build_claims, sign

    from .tokens import Assertion

    def make(headers: dict[str, Any] | None = None, key: Any = None, algorithm: str | None = None,
             **claims: Any) -> str:
        now = snjwt_instance.mock.clock.time() if snjwt_instance.mock is not None else time.time()
        body = build_claims(snjwt_chain.client_id, snjwt_chain.user, now=now)
        body.update(claims)
        body = {name: value for name, value in body.items() if value is not None}
        return Assertion(sign(body, snjwt_chain.key if key is None else key,
                              algorithm or snjwt_chain.algorithm, kid=snjwt_chain.kid, headers=headers))

    return make


@pytest.fixture
def snjwt_jwt(snjwt_assertion: Callable[..., str]) -> str:
    """A valid signed JWT assertion for the chain (fresh ``jti``)."""
    return snjwt_assertion()


@pytest.fixture
def snjwt_token(_snjwt_target: Target, snjwt_chain: Chain, snjwt_instance: InstanceInfo,
                snjwt_jwt: str) -> TokenResponse:
    """The token endpoint's response for ``snjwt_jwt``: a dict with ``access_token``, ``scope``,
    ``token_type``, ``expires_in``. Its repr masks the token. A refusal fails with the reason (mock).
    """
    from .tokens import request_token

    return request_token(snjwt_instance.token_url, snjwt_chain, snjwt_jwt, reasons=_reasons(snjwt_instance),
                         session=_snjwt_target.http)


@pytest.fixture
def snjwt_access_token(snjwt_token: TokenResponse) -> AccessToken:
    """The access token: a ``str`` whose repr is masked (safe in failure reports)."""
    return snjwt_token.access_token


@pytest.fixture
def snjwt_session(request: pytest.FixtureRequest, _snjwt_target: Target, snjwt_instance: InstanceInfo,
                  snjwt_access_token: AccessToken) -> Iterator[InstanceSession]:
    """A ``requests.Session`` that sends the bearer token and resolves relative paths against the instance:
    ``snjwt_session.get("/api/now/table/incident")``.

    Live, every request has the run's timeouts, and the records a test creates through it
    (Table API and attachment uploads) are deleted when the test ends, as the mock's
    per-test restore does.
    """
    from .tokens import InstanceSession

    timeout = request.config.stash[CONFIG_KEY].timeout if snjwt_instance.live else None
    with InstanceSession(snjwt_instance.url, snjwt_access_token, timeout=timeout,
                         on_created=_snjwt_target.created_by_test) as session:
        yield session


@pytest.fixture
def snjwt_server(_snjwt_target: Target, snjwt_instance: InstanceInfo) -> InstanceServer:
    """The mock over a real socket, for clients that are not ``requests`` (httpx, curl, other processes).

    An https server with a certificate generated at start: ``.url``, ``.token_url`` is
    ``.url + "/oauth_token.do"``, and ``.ca_file`` to verify it. It shares the
    mock's state (and this test's chain). Skipped under ``--snjwt-live``.
    """
    if snjwt_instance.mock is None:
        pytest.skip("snjwt_server serves the mock; skipped under --snjwt-live")
    return _snjwt_target.server(tls=True)
