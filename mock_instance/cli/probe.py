"""``snjwt-mock probe``: calibrate the mock from a live instance (docs/platform.md §13).

Runs the probes with admin credentials (``SNJWT_ADMIN_USER`` /
``SNJWT_ADMIN_PASSWORD``, the same preflight and ledger as live mode), prints
the drift report (a table, or one JSON document with ``--json``) and writes
the profile of the settings that differ (``--write-profile``).

Exit status: 0 when every probe that ran decided and matched the mock, 1 when
any differs or could not decide, 2 when the probe could not run.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

NAME = "snjwt-mock probe"


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    probe = commands.add_parser(
        "probe", help="run the probes of docs/platform.md §13 against a live instance: a drift report and a "
                      "settings profile (admin credentials from SNJWT_ADMIN_USER / SNJWT_ADMIN_PASSWORD)")
    probe.add_argument("--instance", default=None, help="the instance URL (default: $SNJWT_INSTANCE)")
    probe.add_argument("--json", action="store_true", help="print one JSON document instead of the table")
    probe.add_argument("--write-profile", default=None, metavar="FILE",
                       help="write the settings that differ as a profile (MockInstance(profile=FILE), "
                            "snjwt-mock serve --profile FILE, the ini key snjwt_mock_profile)")
    probe.add_argument("--instance-wide", action="store_true",
                       help="also run the opt-in probes: client credentials (creates the instance-wide property "
                            "while it runs) and the 10 MB body limit; for a disposable instance")
    probe.add_argument("--profile", default=None, metavar="FILE",
                       help="compare with a mock loaded with this profile instead of the mock's defaults")
    probe.add_argument("--gap", type=float, default=1.0, metavar="SECONDS",
                       help="seconds between the two requests of a re-use probe (default 1)")
    probe.add_argument("--state-dir", default=None,
                       help="the ledger folder (default: $SNJWT_STATE_DIR, else the user's state folder)")
    probe.add_argument("--list", action="store_true", help="list the probes and what each sends, then exit")


def run(args: argparse.Namespace, *, out: Callable[[str], None] = print,
        err: Callable[[str], None] = lambda line: print(line, file=sys.stderr, flush=True)) -> int:
    """The command; returns its exit status (0 all match, 1 something differs or is undecided, 2 cannot run)."""
    # Imported here: every snjwt-mock command builds this parser, and only this one needs the probes.
    from ..crypto.secret import Secret
    from ..platform.profile import ProfileError, read_profile, settings_document
    from ..platform.settings import Settings
    from ..probe import ProbeError, ordered, run_probes, write_profile

    if args.list:
        for spec in ordered():
            marks = " (opt-in)" if spec.instance_wide else " (needs a session)" if spec.needs_session else ""
            out(f"{spec.setting}{marks}: {spec.summary}")
        return 0
    url = (args.instance or os.environ.get("SNJWT_INSTANCE") or "").strip()
    user, password = os.environ.get("SNJWT_ADMIN_USER"), os.environ.get("SNJWT_ADMIN_PASSWORD")
    if not url:
        err(f"{NAME}: give the instance URL (--instance URL, or SNJWT_INSTANCE)")
        return 2
    if not user or not password:
        err(f"{NAME}: set SNJWT_ADMIN_USER and SNJWT_ADMIN_PASSWORD (the instance admin)")
        return 2
    try:
        settings = Settings()
        if args.profile:
            settings = settings.replace(**read_profile(args.profile).settings)
    except ProfileError as e:
        err(f"{NAME}: {e}")
        return 2
    try:
        with _sigterm_interrupts():
            report = run_probes(url, user, Secret(password), mock=settings_document(settings),
                                instance_wide=args.instance_wide, gap=args.gap, state_dir=args.state_dir)
    except ProbeError as e:
        err(f"{NAME}: {e}")
        for line in e.left:
            err(f"{NAME}: left on the instance: {line}")
        return 2
    out(json.dumps(report.to_json(), indent=2) if args.json else report.render())
    if args.write_profile:
        try:
            document = write_profile(report, args.write_profile)
        except OSError as e:
            err(f"{NAME}: cannot write the profile {args.write_profile}: {e.strerror or e}")
            return 2
        changed = document["settings"]
        err(f"{NAME}: wrote {args.write_profile}: {len(changed)} setting(s) differ"
            f"{': ' + ', '.join(changed) if changed else ''}")
    for line in report.left:
        err(f"{NAME}: left on the instance: {line}")
    return report.exit_status


@contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM (a CI job cancelled) interrupts the run like Ctrl-C, so the teardown still runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt
