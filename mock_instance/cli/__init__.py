"""``snjwt-mock``: run the fake instance standalone, walk through the setup (``demo``), calibrate it (``probe``)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from ..platform.settings import Settings, parse_setting
from . import cleanup, probe
from . import schema as schema_commands

DEFAULT_PORT = 8765
#: The distribution ``snjwt-mock`` comes with (its version is ``--version``).
DISTRIBUTION = "pytest-snjwt"


def say(*parts: Any) -> None:
    """Print one line, flushed at once: the output is often piped or logged."""
    print(*parts, flush=True)


def version() -> str:
    """The installed version of pytest-snjwt (``unknown`` when run from a tree that was never installed)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed(DISTRIBUTION)
    except PackageNotFoundError:
        return "unknown"


def port_number(text: str) -> int:
    """``--port``: 1-65535, or 0 for a free port."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1-65535, or 0 for a free one)") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (1-65535, or 0 for a free one)")
    return port


def settings_from(pairs: Sequence[str]) -> dict[str, Any]:
    """``--set NAME=VALUE`` options as keyword arguments for ``MockInstance``; a bad one ends the program."""
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
    parser.add_argument("--version", action="version", version=f"snjwt-mock {version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the fake instance over HTTP(S) until Ctrl-C or SIGTERM")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=port_number, default=DEFAULT_PORT,
                       help=f"port to bind, 1-65535, or 0 for a free one (default {DEFAULT_PORT})")
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
    serve.add_argument("--quiet", action="store_true", help="print no access-log line per request")
    serve.add_argument("--no-console", dest="console", action="store_false",
                       help="serve no web console at / (it is on by default; the mock's own APIs are unchanged)")
    serve.add_argument("--schema", dest="schemas", action="append", default=[], metavar="FILE",
                       help="load a schema file (snjwt-mock schema pull writes one) on top of the out-of-box "
                            "tables (repeatable)")
    serve.add_argument("--demo-data", action="store_true",
                       help="add the mock's demo records (users snjwt.demo.*, groups, departments, tasks)")
    schema_commands.add_parser(commands)
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
        from .serve import serve

        return serve(args)
    if args.command == "jwt":
        return sign_jwt(args)
    if args.command == "cleanup":
        return cleanup.run(args)
    if args.command == "schema":
        return schema_commands.run(args, say)
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
