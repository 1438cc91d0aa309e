"""``snjwt-mock cleanup``: remove what earlier live runs of this machine left on an instance.

By ledger (every record a run created is written down as soon as it exists):
those records are provably the runs' own, so they are deleted without asking.
``--find-prefixed`` also lists records whose name carries a run prefix
(``snjwt-<6 hex>-``), for records no ledger knows (another machine's run); those
are deleted only after a person types ``y`` at the prompt.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable
from itertools import groupby

from ..client import Ledger, Secret, TableClient, UnsafeRequestError, admin_session, remove_records

#: The names the provisioner gives (a run prefix, then a counter): snjwt-1a2b3c-1 app, snjwt-1a2b3c-gw0-2-user.
RUN_NAME = re.compile(r"snjwt-[0-9a-f]{6}-")
#: Where the provisioner's names are, in the order it creates (deleted newest first).
NAMED_TABLES = (("sys_certificate", "name"), ("jwt_keystore_aliases", "name"), ("jwt_provider", "name"),
                ("oauth_jwt", "name"), ("jwt_verifier_map", "name"), ("sys_user", "user_name"))


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    cleanup = commands.add_parser("cleanup", help="remove what earlier live runs left on an instance "
                                  "(admin credentials from SNJWT_ADMIN_USER / SNJWT_ADMIN_PASSWORD)")
    cleanup.add_argument("--instance", required=True, help="the instance URL, as the live run had it")
    cleanup.add_argument("--state-dir", default=None,
                         help="the ledger folder (default: $SNJWT_STATE_DIR, else the user's state folder)")
    cleanup.add_argument("--find-prefixed", action="store_true",
                         help="also list records named with a run prefix (snjwt-<hex>-) and delete them "
                              "if you confirm at the prompt")


def run(args: argparse.Namespace, *, ask: Callable[[str], str] = input, say: Callable[[str], None] = print) -> int:
    """Exit status 0 when nothing of ours is left, 1 when something is, 2 when the command cannot run."""
    user, password = os.environ.get("SNJWT_ADMIN_USER"), os.environ.get("SNJWT_ADMIN_PASSWORD")
    if not user or not password:
        say("snjwt-mock cleanup: set SNJWT_ADMIN_USER and SNJWT_ADMIN_PASSWORD (the instance admin)")
        return 2
    url = args.instance.rstrip("/")
    try:
        session = admin_session(url, user, Secret(password))
    except UnsafeRequestError as e:
        say(f"snjwt-mock cleanup: {e}")
        return 2
    with session:
        client = TableClient(session, url)
        left = _by_ledger(client, url, args.state_dir, say)
        if args.find_prefixed:
            left += _by_prefix(client, ask, say)
    return 1 if left else 0


def _by_ledger(client: TableClient, url: str, folder: str | None, say: Callable[[str], None]) -> int:
    entries = Ledger.leftovers(folder, instance=url)
    if not entries:
        say(f"snjwt-mock cleanup: no ledger lists a record on {url}")
        return 0
    left = 0
    for run_prefix, group in groupby(entries, key=lambda e: e.run):
        records = [(e.table, e.sys_id) for e in group]
        ledger = Ledger.open(url, run_prefix, folder)
        problems = remove_records(client, records, ledger)
        remaining = ledger.entries()
        left += len(remaining)
        say(f"snjwt-mock cleanup: run {run_prefix}: deleted {len(records) - len(remaining)} of {len(records)}")
        for problem in problems:
            say(f"  left: {problem}")
    return left


def _by_prefix(client: TableClient, ask: Callable[[str], str], say: Callable[[str], None]) -> int:
    found: list[tuple[str, str, str]] = []
    for table, field in NAMED_TABLES:
        for row in client.query(table, f"{field}STARTSWITHsnjwt-", f"sys_id,{field}"):
            # The query may have been ignored (every row): only a name that really carries a run prefix counts.
            if RUN_NAME.match(str(row.get(field, ""))):
                found.append((table, row["sys_id"], row[field]))
    if not found:
        say("snjwt-mock cleanup: no record is named with a run prefix")
        return 0
    say(f"snjwt-mock cleanup: {len(found)} record(s) named with a run prefix (no ledger of this machine lists them):")
    for table, sys_id, name in found:
        say(f"  {table} {sys_id} {name}")
    if not sys.stdin.isatty() and ask is input:
        say("snjwt-mock cleanup: not deleting them: run this in a terminal to confirm")
        return len(found)
    if ask(f"Delete these {len(found)} record(s)? [y/N] ").strip().lower() != "y":
        say("snjwt-mock cleanup: nothing deleted")
        return len(found)
    problems = remove_records(client, [(table, sys_id) for table, sys_id, _ in found])
    for problem in problems:
        say(f"  left: {problem}")
    return len(problems)
