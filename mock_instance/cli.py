"""``snjwt-mock``: run the fake instance standalone, or walk through the setup (``demo``)."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

from .instance import ADMIN_USER_NAME, MockInstance
from .settings import Settings, parse_setting

DEFAULT_PORT = 8765


def say(*parts: Any) -> None:
    """Print one line, flushed at once: the output is often piped or logged."""
    print(*parts, flush=True)


def _settings(pairs: Sequence[str]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for pair in pairs:
        try:
            name, value = parse_setting(pair)
        except ValueError as e:
            raise SystemExit(f"snjwt-mock: --set {pair}: {e}") from None
        changes[name] = value
    return changes


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="snjwt-mock", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the fake instance over HTTP(S) until Ctrl-C or SIGTERM")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT,
                       help=f"port to bind, 0 for a free one (default {DEFAULT_PORT})")
    serve.add_argument("--tls", action="store_true", help="serve https with a certificate generated at start")
    serve.add_argument("--admin-password", default="admin", help="the admin user's password (default admin)")
    serve.add_argument("--set", dest="settings", action="append", default=[], metavar="NAME=VALUE",
                       help="change a platform setting, e.g. --set accept_pysnc_header=true (repeatable); "
                            f"settings: {', '.join(Settings.names())}")
    serve.add_argument("--demo", action="store_true",
                       help="provision a ready JWT chain at start and print what a client needs")
    demo = commands.add_parser("demo", help="walk through the setup article's steps on an embedded instance")
    demo.add_argument("--json", action="store_true", help="print one JSON document instead of text")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    from .demo import run_demo

    return run_demo(as_json=args.json)


def serve(args: argparse.Namespace) -> int:
    try:
        instance = MockInstance(admin_password=args.admin_password, **_settings(args.settings))
    except (TypeError, ValueError) as e:
        raise SystemExit(f"snjwt-mock: {e}") from None
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        server = instance.serve(args.host, args.port, tls=args.tls)
    except OSError as e:
        raise SystemExit(f"snjwt-mock: cannot listen on {args.host}:{args.port}: {e.strerror or e}") from None
    try:
        say(f"snjwt-mock: instance URL {server.url}")
        password_note = "default password" if args.admin_password == "admin" else "password from --admin-password"
        say(f"snjwt-mock: admin user {ADMIN_USER_NAME} ({password_note})")
        if server.ca_file:
            say(f"snjwt-mock: TLS certificate {server.ca_file} (pass it to clients as the CA)")
        if args.demo:
            from .demo import serve_demo

            serve_demo(instance, server.url, say, ca_file=server.ca_file)
        say("snjwt-mock: ready; Ctrl-C or SIGTERM stops it")
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
        say("snjwt-mock: stopped")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
