"""pytest hooks of pytest-snjwt: options, ini keys, the marker, the header, report sections.

Registered through the ``pytest11`` entry point ``snjwt``; ``-p no:snjwt`` turns it off.
"""

from __future__ import annotations

import signal
import threading
from typing import Any

import pytest

from . import config as _config
from . import report_scrubber as _report_scrubber
from . import scrub as _scrub
from .client_fixtures import snjwt_async_client, snjwt_httpx_client  # noqa: F401 (fixtures, see above)
from .fixtures import (  # noqa: F401 (re-exported: pytest collects fixtures from the plugin module)
    _snjwt_target,
    snjwt_access_token,
    snjwt_assertion,
    snjwt_chain,
    snjwt_instance,
    snjwt_jwt,
    snjwt_keystore,
    snjwt_mock,
    snjwt_server,
    snjwt_session,
    snjwt_token,
)
from .grant_fixtures import (  # noqa: F401 (fixtures, see above)
    snjwt_client_credentials,
    snjwt_client_credentials_token,
    snjwt_grant_app,
    snjwt_password_token,
)
from .stash import (
    CLIENT_CREDENTIALS_FIXTURES,
    CONFIG_KEY,
    FAULT_MARKER,
    GRANT_FIXTURES,
    GRANTS_KEY,
    MARKER,
    SUMMARY_KEY,
    TARGET_KEY,
    VARIANTS_KEY,
)

#: How many of a failing test's requests its report lists (the last ones).
REPORTED_REQUESTS = 50

MARKER_HELP = (
    "snjwt(**variant): customise the JWT chain for this test: user_field, algorithm (RS/ES/HS 256/384/512), "
    "jti_verification, clock_skew, public_client, access_token_lifespan, and the user's active, locked_out, roles"
)

FAULT_MARKER_HELP = (
    "snjwt_fault(kind, path=None, count=1, seconds=None, retry_after=None, limit=None): arm a fault on the mock "
    "when the test body starts: rate_limited (429), unavailable (503), token_refused (401), delay, drop"
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("snjwt", "ServiceNow OAuth JWT (pytest-snjwt)")
    group.addoption("--snjwt-live", action="store_true", dest="snjwt_live", default=None,
                    help="run against a real instance (see SNJWT_* variables) instead of the mock")
    group.addoption("--snjwt-instance", dest="snjwt_instance", default=None, metavar="URL",
                    help=f"the instance URL (live), or the mock's URL (default {_config.DEFAULT_MOCK_URL})")
    group.addoption("--snjwt-mock", action="store_true", dest="snjwt_mock", default=False,
                    help="run against the mock even when snjwt_live or SNJWT_LIVE says live")
    group.addoption("--snjwt-set", action="append", dest="snjwt_settings", default=[], metavar="NAME=VALUE",
                    help="a mock setting for every mock instance of the run (docs/platform.md §9), e.g. "
                         "--snjwt-set accept_pysnc_header=true; repeatable; ignored live")
    group.addoption("--snjwt-profile", dest="snjwt_profile", default=None, metavar="FILE",
                    help="a settings profile for every mock instance (written by snjwt-mock probe "
                         "--write-profile), so the mock behaves like that instance; ignored live")
    for name, (env, ini, text) in _config.SOURCES.items():
        if ini is not None:
            flag = name in ("live", "demo_data")
            parser.addini(ini, f"{text} (environment: {env})", type="bool" if flag else "string",
                          default=False if flag else "")
    parser.addini("snjwt_mock_settings", "mock settings for every mock instance, NAME=VALUE one per line "
                  "(ignored live)", type="linelist", default=[])
    parser.addini("snjwt_mock_profile", "a settings profile for every mock instance (snjwt-mock probe "
                  "--write-profile), relative to the ini file; snjwt_mock_settings win over it (ignored live)",
                  default="")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER_HELP)
    config.addinivalue_line("markers", FAULT_MARKER_HELP)
    try:
        config.stash[CONFIG_KEY] = _config.from_pytest(config)
    except _config.ConfigError as e:
        raise pytest.UsageError(str(e)) from None
    # Keep the run's secrets out of every report (scrub.py lists the routes covered).
    _scrub.register_config(config.stash[CONFIG_KEY])
    config.pluginmanager.register(_report_scrubber.ReportScrubber(config), "snjwt-scrub")


def pytest_sessionstart(session: pytest.Session) -> None:
    resolved = session.config.stash.get(CONFIG_KEY, None)
    if resolved is not None and resolved.live:
        _live_start(session.config, resolved)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    worker = hasattr(session.config, "workerinput")  # xdist: the controller speaks for the run
    if resolved is not None and reporter is not None and not worker:  # written even under -q (the header is not)
        for line in resolved.warnings():
            reporter.write_line(line, yellow=True)


def _live_start(config: pytest.Config, resolved: _config.SnjwtConfig) -> None:
    # A CI cancel, `timeout` or a container stop sends SIGTERM: tear down as Ctrl-C does.
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _interrupt)
        config.add_cleanup(lambda: signal.signal(signal.SIGTERM, previous))
    if hasattr(config, "workerinput"):
        return  # xdist: the controller ran the preflight for the whole run
    from mock_instance.client import PreflightError

    from .live import check_instance

    try:
        check_instance(resolved)
    except PreflightError as e:
        raise pytest.UsageError(f"pytest-snjwt: the instance is not ready, nothing was created: {e}") from None


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for line in terminalreporter.config.stash.get(SUMMARY_KEY, []):
        terminalreporter.write_line(line)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """xdist: keep each worker's live summary for the end of the run."""
    lines = getattr(node, "workeroutput", {}).get("snjwt_summary")
    if lines:
        node.config.stash.setdefault(SUMMARY_KEY, []).extend(lines)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Note the chain variant of every collected test that uses the plugin, to provision them once."""
    users = [item for item in session.items
             if any(name.startswith("snjwt_") for name in getattr(item, "fixturenames", ()))]
    if not users:
        return  # a run that does not use the plugin imports nothing of it
    from mock_instance.client import Variant

    variants = set()
    grants: dict[Variant, bool] = {}
    for item in users:
        marker = item.get_closest_marker(MARKER)
        try:
            variant = Variant.from_marker(marker.kwargs if marker else {})
        except ValueError:
            continue  # reported by the test itself, when its chain is asked for
        variants.add(variant)
        names = set(getattr(item, "fixturenames", ()))
        if names & (GRANT_FIXTURES | CLIENT_CREDENTIALS_FIXTURES):
            grants[variant] = grants.get(variant, False) or bool(names & CLIENT_CREDENTIALS_FIXTURES)
    session.config.stash[VARIANTS_KEY] = variants
    session.config.stash[GRANTS_KEY] = grants


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    """Arm the test's ``snjwt_fault`` markers after its fixtures are set up, so the faults meet its body."""
    markers = list(item.iter_markers(FAULT_MARKER))
    if not markers:
        return
    target = item.config.stash.get(TARGET_KEY, None)
    if target is None or "snjwt_instance" not in getattr(item, "fixturenames", ()):
        pytest.fail("@pytest.mark.snjwt_fault needs the mock: use a snjwt_* fixture such as snjwt_mock", pytrace=False)
    if target.mock is None:
        pytest.skip("@pytest.mark.snjwt_fault injects faults into the mock; skipped under --snjwt-live")
    problem = None
    for marker in reversed(markers):  # closest first: arm them in the order they are written
        try:
            target.mock.inject_fault(*marker.args, **marker.kwargs)
        except (TypeError, ValueError) as e:
            problem = f"@pytest.mark.snjwt_fault: {e}"
            break
    if problem is not None:
        pytest.fail(problem, pytrace=False)


def pytest_report_header(config: pytest.Config) -> str | None:
    resolved = config.stash.get(CONFIG_KEY, None)
    return resolved.header() if resolved is not None else None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.failed:
        target = item.config.stash.get(TARGET_KEY, None)
        if target is not None and target.mock is not None and "snjwt_instance" in getattr(item, "fixturenames", ()):
            refusals = target.mock.refusals
            if refusals:
                report.sections.append(("snjwt refusals", "\n".join(str(r) for r in refusals)))
            warnings = target.mock.warnings
            if warnings:  # query parts the platform (and the mock) dropped: often why a list had every row
                report.sections.append(("snjwt query warnings", "\n".join(str(w) for w in warnings)))
            served = target.mock.requests
            if served:  # the test's requests (its own and its fixtures'), secrets masked
                shown = [str(r) for r in served[-REPORTED_REQUESTS:]]
                if len(served) > REPORTED_REQUESTS:
                    shown.insert(0, f"({len(served) - REPORTED_REQUESTS} earlier requests not shown)")
                report.sections.append(("snjwt requests", "\n".join(shown)))
    return report


def pytest_assertrepr_compare(config: pytest.Config, op: str, left: Any, right: Any) -> list[str] | None:
    """Keep tokens, token responses and assertions out of assertion diffs (pytest shows their text otherwise)."""
    from .tokens import AccessToken, Assertion, TokenResponse, masked

    if any(isinstance(side, AccessToken | Assertion | TokenResponse) for side in (left, right)):
        return [f"{masked(left)} {op} {masked(right)}", "(pytest-snjwt masks access tokens in reports)"]
    return None
