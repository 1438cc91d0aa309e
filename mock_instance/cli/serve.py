"""``snjwt-mock serve``: the fake instance over HTTP(S) until Ctrl-C or SIGTERM, with an access log.

The lines printed at start (instance URL, admin user, the TLS certificate, and
with ``--demo`` the demo chain's ``client_id:``, ``client_secret:``, ``kid:``,
``user (sub):``, ``private key:`` and the curl line) are a stable interface
that scripts read: keep them as they are. After ``ready``, one access-log line
per request follows (``--quiet`` turns them off).
"""

from __future__ import annotations

import argparse
import signal
import threading
from typing import Any

from ..instance import ADMIN_USER_NAME, MockInstance
from ..tables.clock import format_glide
from . import say, settings_from

#: How often (seconds) the main thread prints the requests served since it last looked. The server's
#: threads never print: a script that stops reading the output must not stall the instance.
ACCESS_LOG_INTERVAL = 0.2


def serve(args: argparse.Namespace) -> int:
    """Run the server until a signal; print the start lines, then the access log."""
    try:
        instance = MockInstance(admin_password=args.admin_password, schema=args.schemas, demo_data=args.demo_data,
                                profile=args.profile, **settings_from(args.settings))
    except (TypeError, ValueError) as e:  # SchemaError and ProfileError are ValueErrors
        raise SystemExit(f"snjwt-mock: {e}") from None
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    keyring = None
    try:
        if args.console:
            from ..console import Keyring, serve_with_console

            keyring = Keyring()
            server = serve_with_console(instance, args.host, args.port, tls=args.tls, keyring=keyring)
        else:
            server = instance.serve(args.host, args.port, tls=args.tls)
    except OSError as e:
        raise SystemExit(f"snjwt-mock: cannot listen on {args.host}:{args.port}: {e.strerror or e}") from None
    demo = None
    try:
        say(f"snjwt-mock: instance URL {server.url}")
        password_note = "default password" if args.admin_password == "admin" else "password from --admin-password"
        say(f"snjwt-mock: admin user {ADMIN_USER_NAME} ({password_note})")
        if instance.profile is not None:
            say(f"snjwt-mock: settings from the profile {args.profile} ({instance.profile.describe()})")
        if server.ca_file:
            say(f"snjwt-mock: TLS certificate {server.ca_file} (pass it to clients as the CA)")
        if args.demo:
            from .demo import ServeDemo

            demo = ServeDemo(instance, server.url, args.admin_password, ca_file=server.ca_file)
            for line in demo.lines():
                say(line)
            if keyring is not None:  # the console's debugger can sign for the demo chain
                keyring.add(demo.chain, "demo chain (serve --demo)", str(demo.key_file))
        if keyring is not None:
            say(f"snjwt-mock: console {server.url}/ (sign in as {ADMIN_USER_NAME})")
        printed = AccessLog(instance) if not args.quiet else None
        if printed is not None:
            printed.skip_to_now()  # the demo's provisioning was narrated above; clients start after "ready"
        say("snjwt-mock: ready; Ctrl-C or SIGTERM stops it")
        while not stop.wait(ACCESS_LOG_INTERVAL):
            if printed is not None:
                printed.print_new()
        if printed is not None:
            printed.print_new()
    finally:
        server.stop()
        if demo is not None:
            demo.close()
        if keyring is not None:
            keyring.close()
        say("snjwt-mock: stopped")
    return 0


class AccessLog:
    """Prints the requests an instance served since the last call, one line each."""

    def __init__(self, instance: MockInstance) -> None:
        self._instance = instance
        self._seen = 0

    def skip_to_now(self) -> None:
        served = self._instance.requests
        self._seen = served[-1].id if served else 0

    def print_new(self) -> None:
        new = [r for r in self._instance.requests if r.id > self._seen]
        if not new:
            return
        missed = new[0].id - self._seen - 1
        if missed > 0:
            say(f"snjwt-mock: ({missed} requests not shown: reset away, or past the log's size between two looks)")
        for record in new:
            say(f"{format_glide(record.at)} {record.remote or '-'} {record}")
        self._seen = new[-1].id
