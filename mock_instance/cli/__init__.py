"""``snjwt-mock``: run the fake instance standalone, walk through the setup (``demo``), calibrate it (``probe``)."""

from __future__ import annotations

import argparse
import signal
import threading
from collections.abc import Sequence
from typing import Any

from ..instance import ADMIN_USER_NAME, MockInstance
from ..platform.settings import Settings, parse_setting
from . import cleanup, probe

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
    serve.add_argument("--profile", default=None, metavar="FILE",
                       help="load the settings of a profile written by 'snjwt-mock probe --write-profile', "
                            "so the mock behaves like that instance (--set wins over it)")
    serve.add_argument("--demo", action="store_true",
                       help="provision a ready JWT chain at start and print what a client needs")
    demo = commands.add_parser("demo", help="walk through the setup article's steps on an embedded instance")
    demo.add_argument("--json", action="store_true", help="print one JSON document instead of text")
    sign = commands.add_parser("jwt", help="sign a fresh JWT assertion (aud = iss = client id, new jti) and print it")
    sign.add_argument("--key", required=True, help="the client's private key: PEM, PKCS12 or JKS file")
    sign.add_argument("--password", default=None, help="the key or keystore password, if any")
    sign.add_argument("--client-id", required=True, help="the app registry's client id (aud and iss)")
    sign.add_argument("--sub", required=True, help="the user, by the app's User field (email by default)")
    sign.add_argument("--kid", default=None, help="the JWT verifier map's kid")
    sign.add_argument("--alg", default=None, help="RS256/384/512 or ES256/384/512 (default: from the key)")
    sign.add_argument("--lifetime", type=int, default=300, help="seconds until exp (default 300)")
    cleanup.add_parser(commands)
    probe.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    if args.command == "jwt":
        return sign_jwt(args)
    if args.command == "cleanup":
        return cleanup.run(args)
    if args.command == "probe":
        return probe.run(args)
    from .demo import run_demo

    return run_demo(as_json=args.json)


def sign_jwt(args: argparse.Namespace) -> int:
    """``snjwt-mock jwt``: print a freshly signed assertion (what curl needs in ``assertion=``)."""
    from pathlib import Path

    from ..client.assertion import build_claims, sign
    from ..crypto.jose import default_algorithm
    from ..crypto.keystores import KeyMaterialError, load_private_key

    try:
        key = load_private_key(Path(args.key).read_bytes(), args.password).private_key
    except (OSError, KeyMaterialError) as e:
        raise SystemExit(f"snjwt-mock jwt: cannot read {args.key}: {e}") from None
    algorithm = args.alg or default_algorithm(key)
    say(sign(build_claims(args.client_id, args.sub, lifetime=args.lifetime), key, algorithm, kid=args.kid))
    return 0


def serve(args: argparse.Namespace) -> int:
    try:
        instance = MockInstance(admin_password=args.admin_password, profile=args.profile, **_settings(args.settings))
    except (TypeError, ValueError) as e:  # ProfileError is a ValueError
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
        say("snjwt-mock: ready; Ctrl-C or SIGTERM stops it")
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
        if demo is not None:
            demo.close()
        say("snjwt-mock: stopped")
    return 0
