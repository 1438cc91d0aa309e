"""``snjwt-mock schema pull``: your instance's tables and choices, as a schema file the mock loads."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from ..client import ProvisioningError, TableClient, pull_schema
from ..platform.schema import core_schema

DEFAULT_OUTPUT = "snjwt-schema.json"


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """``schema pull`` on the ``snjwt-mock`` command line."""
    schema = commands.add_parser("schema", help="your instance's schema, for the mock")
    actions = schema.add_subparsers(dest="schema_command", required=True)
    pull = actions.add_parser(
        "pull", help="read sys_db_object, sys_dictionary and sys_choice of named tables from a live instance "
                     "(admin credentials from SNJWT_ADMIN_USER and SNJWT_ADMIN_PASSWORD) and write a schema file")
    pull.add_argument("--table", dest="tables", action="append", required=True, metavar="NAME",
                      help="a table to pull (repeatable); ancestors the mock lacks come along")
    pull.add_argument("--instance", default=None, help="the instance URL (default: SNJWT_INSTANCE)")
    pull.add_argument("--ca-file", default=None, help="a CA bundle to verify the instance's certificate with")
    pull.add_argument("-o", "--output", default=DEFAULT_OUTPUT, help=f"the file to write (default {DEFAULT_OUTPUT})")


class _Session(requests.Session):
    """A session whose own CA bundle beats REQUESTS_CA_BUNDLE (requests lets the environment win over it)."""

    def merge_environment_settings(self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any) -> Any:
        settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
        if isinstance(self.verify, str):
            settings["verify"] = self.verify
        return settings


def run(args: argparse.Namespace, say: Callable[[str], None]) -> int:
    """Pull the named tables and write the file; a clear message and exit status 1 when it cannot."""
    instance = (args.instance or os.environ.get("SNJWT_INSTANCE") or "").rstrip("/")
    user, password = os.environ.get("SNJWT_ADMIN_USER"), os.environ.get("SNJWT_ADMIN_PASSWORD")
    missing = [name for name, value in (("SNJWT_INSTANCE (or --instance)", instance), ("SNJWT_ADMIN_USER", user),
                                        ("SNJWT_ADMIN_PASSWORD", password)) if not value]
    if missing:
        raise SystemExit(f"snjwt-mock schema pull: missing {', '.join(missing)}")
    session = _Session()
    session.auth = (user or "", password or "")
    session.headers["Accept"] = "application/json"
    if args.ca_file:
        session.verify = args.ca_file
    core = {t.name for t in core_schema().tables}
    try:
        document = pull_schema(TableClient(session, instance), args.tables, known=core.__contains__, source=instance)
    except (ProvisioningError, requests.RequestException) as e:
        raise SystemExit(f"snjwt-mock schema pull: {e}") from None
    Path(args.output).write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    tables = document["tables"]
    columns = sum(len(t["fields"]) for t in tables)
    choices = sum(len(c) for t in tables for c in t.get("choices", {}).values())
    say(f"snjwt-mock: pulled {len(tables)} table(s) ({', '.join(t['name'] for t in tables)}), {columns} column(s), "
        f"{choices} choice(s) from {instance} into {args.output}")
    return 0
