"""pytest hooks of pytest-snjwt: options, ini keys, the marker, the header, report sections.

Registered through the ``pytest11`` entry point ``snjwt``; ``-p no:snjwt`` turns it off.
"""

from __future__ import annotations

from typing import Any

import pytest

from . import config as _config
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
from .stash import CONFIG_KEY, MARKER, TARGET_KEY, VARIANTS_KEY

MARKER_HELP = (
    "snjwt(**variant): customise the JWT chain for this test: user_field, algorithm (RS/ES/HS 256/384/512), "
    "jti_verification, clock_skew, public_client, access_token_lifespan, and the user's active, locked_out, roles"
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("snjwt", "ServiceNow OAuth JWT (pytest-snjwt)")
    group.addoption("--snjwt-live", action="store_true", dest="snjwt_live", default=None,
                    help="run against a real instance (see SNJWT_* variables) instead of the mock")
    group.addoption("--snjwt-instance", dest="snjwt_instance", default=None, metavar="URL",
                    help=f"the instance URL (live), or the mock's URL (default {_config.DEFAULT_MOCK_URL})")
    for name, (env, ini, text) in _config.SOURCES.items():
        if ini is not None:
            flag = name in ("live", "demo_data")
            parser.addini(ini, f"{text} (environment: {env})", type="bool" if flag else "string",
                          default=False if flag else "")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER_HELP)
    try:
        config.stash[CONFIG_KEY] = _config.from_pytest(config)
    except _config.ConfigError as e:
        raise pytest.UsageError(str(e)) from None


def pytest_collection_finish(session: pytest.Session) -> None:
    """Note the chain variant of every collected test that uses the plugin, to provision them once."""
    users = [item for item in session.items
             if any(name.startswith("snjwt_") for name in getattr(item, "fixturenames", ()))]
    if not users:
        return  # a run that does not use the plugin imports nothing of it
    from mock_instance.client import Variant

    variants = set()
    for item in users:
        marker = item.get_closest_marker(MARKER)
        try:
            variants.add(Variant.from_marker(marker.kwargs if marker else {}))
        except ValueError:
            continue  # reported by the test itself, when its chain is asked for
    session.config.stash[VARIANTS_KEY] = variants


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
    return report


def pytest_assertrepr_compare(config: pytest.Config, op: str, left: Any, right: Any) -> list[str] | None:
    """Keep tokens and assertions out of assertion diffs (pytest shows both strings' text otherwise)."""
    from .tokens import AccessToken, Assertion, masked

    if isinstance(left, AccessToken | Assertion) or isinstance(right, AccessToken | Assertion):
        return [f"{masked(left)} {op} {masked(right)}", "(pytest-snjwt masks access tokens in reports)"]
    return None
