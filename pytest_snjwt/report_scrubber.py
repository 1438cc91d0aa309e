"""Applying :mod:`.scrub` to what pytest shows: report objects, warnings, interrupts, internal errors."""

from __future__ import annotations

from typing import Any

import pytest

from .scrub import REGISTRY, SecretRegistry, register_secret, scrub


def scrub_repr(obj: Any, extra: SecretRegistry | None = None, *, render: bool = True) -> Any:
    """Scrub a report's ``longrepr`` (or any of pytest's ``TerminalRepr``) in place; return what to keep.

    Walks its strings (traceback lines, locals, file locations, chain
    descriptions, sections). With ``render``, then renders it: if anything is
    still unmasked (a third-party representation holding text elsewhere), the
    rendered, scrubbed text replaces it; pytest prints a ``str`` longrepr as is.
    """
    if obj is None or not (REGISTRY or extra):
        return obj
    obj = _walk(obj, extra, set(), 0)
    if not render or isinstance(obj, str | tuple) or type(obj).__module__.startswith("_pytest."):
        return obj  # pytest's own representations keep all their text in what was just walked
    try:
        rendered = str(obj)
    except Exception:  # a third-party repr that cannot render: keep it, walked
        return obj
    cleaned = scrub(rendered, extra)
    return obj if cleaned == rendered else cleaned


def scrub_report(report: Any, extra: SecretRegistry | None = None) -> None:
    """Scrub a ``TestReport`` or ``CollectReport`` in place: ``longrepr``, ``sections``, user properties."""
    if not (REGISTRY or extra):
        return
    report.longrepr = scrub_repr(report.longrepr, extra)
    report.sections = [(title, scrub(content, extra)) for title, content in report.sections]
    properties = getattr(report, "user_properties", None)
    if properties:
        report.user_properties = [(name, scrub(value, extra) if isinstance(value, str) else value)
                                  for name, value in properties]


def _walk(obj: Any, extra: SecretRegistry | None, seen: set[int], depth: int) -> Any:
    if isinstance(obj, str):
        return scrub(obj, extra)
    if depth > 8 or id(obj) in seen or isinstance(obj, int | float | bool | type(None)):
        return obj
    seen.add(id(obj))
    if isinstance(obj, list):
        obj[:] = [_walk(item, extra, seen, depth + 1) for item in obj]
        return obj
    if isinstance(obj, tuple):
        items = [_walk(item, extra, seen, depth + 1) for item in obj]
        return type(obj)(*items) if hasattr(obj, "_fields") else tuple(items)
    if isinstance(obj, dict):
        for key in list(obj):
            obj[key] = _walk(obj[key], extra, seen, depth + 1)
        return obj
    stored = getattr(obj, "__dict__", None)
    if isinstance(stored, dict) and type(obj).__module__.startswith("_pytest"):
        # pytest's TerminalRepr dataclasses: ReprEntry lines, ReprLocals, ReprFileLocation, chains...
        for key, value in list(stored.items()):
            object.__setattr__(obj, key, _walk(value, extra, seen, depth + 1))
    return obj


def find_secrets(*roots: Any) -> SecretRegistry:
    """A registry of the secrets ``roots`` hold (see :mod:`pytest_snjwt.secret_search`)."""
    from .secret_search import find_secrets as search  # imported on the first failure only

    return search(*roots)


class ReportScrubber:
    """The hooks that scrub what pytest shows; the plugin registers one in ``pytest_configure``.

    Every route ends in one of these: a test's report (its traceback with
    ``-l``/``--showlocals``/``--full-trace``/``--tb=native``, assertion diffs at
    any ``-v``, captured output and logs, the short summary, junitxml, and what
    pytest-xdist ships from a worker, since the worker scrubs before sending),
    a collection report, a warning, the KeyboardInterrupt traceback
    (``--full-trace``) and an INTERNALERROR. ``pytest_exception_interact``
    (``--pdb``) receives the report already scrubbed.
    """

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    @pytest.hookimpl(wrapper=True, tryfirst=True)  # outermost: sees the sections other wrappers add
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        report = yield
        if report.longrepr is not None or report.sections:
            roots = [getattr(item, "funcargs", None) or {}]
            if call.excinfo is not None:
                roots.append(call.excinfo.value)
            scrub_report(report, find_secrets(*roots))
        return report

    @pytest.hookimpl(wrapper=True)
    def pytest_fixture_setup(self, fixturedef: pytest.FixtureDef[Any]) -> Any:
        value = yield
        if fixturedef.scope != "function":
            # Made once, shown by many reports: kept in the run's registry, searched for once.
            for secret in find_secrets(value)._values:
                register_secret(secret)
        return value

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_make_collect_report(self, collector: pytest.Collector) -> Any:
        report = yield
        if report.longrepr is not None or report.sections:
            scrub_report(report)
        return report

    @pytest.hookimpl(tryfirst=True)  # before the terminal reporter formats it
    def pytest_warning_recorded(self, warning_message: Any) -> None:
        message = warning_message.message
        text = str(message)
        cleaned = scrub(text)
        if cleaned != text:
            if isinstance(message, Warning):
                message.args = (cleaned,)
            else:
                warning_message.message = cleaned

    @pytest.hookimpl(trylast=True)  # after the terminal reporter kept the traceback it prints at the end
    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        memo = getattr(reporter, "_keyboardinterrupt_memo", None)
        if memo is not None:
            scrub_repr(memo, find_secrets(excinfo.value), render=False)

    @pytest.hookimpl(tryfirst=True)
    def pytest_internalerror(self, excrepr: Any, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        scrub_repr(excrepr, find_secrets(excinfo.value), render=False)
