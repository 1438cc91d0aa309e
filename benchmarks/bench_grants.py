"""Token exchange cost of the other grants (docs/platform.md §10), as ratios measured in one run.

Straight through WSGI, each grant of the mock against:
- a bare Werkzeug app that does the least a password grant must (read the form,
  compare the client secret, check a salted password hash, mint an 86-character
  token, answer JSON);
- the mock's own jwt-bearer exchange (the figure of bench_token.py), whose
  signature check is the costly part there.

The grants run with their defaults: the password and code grants re-use the
live tokens of the app and user (KB0791140), a refresh mints an access token,
client credentials mint one each time. Each grant has its own app and user.
Code exchanges use codes from /oauth_auth.do made up front (the authorize call
is not timed).

Run: python benchmarks/bench_grants.py
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402
from chain import ADMIN_URL, provision  # noqa: E402
from harness import compare, quick_flag, report, wsgi_post  # noqa: E402
from werkzeug.test import Client  # noqa: E402
from werkzeug.wrappers import Request, Response  # noqa: E402

from mock_instance import MockInstance  # noqa: E402
from mock_instance.client import (  # noqa: E402
    GrantApp,
    Keystore,
    Provisioner,
    TableClient,
    Variant,
    enable_client_credentials,
    make_keystore,
    provision_grant_app,
)


def bare_password_app(client_id: str, client_secret: str, user_name: str, password: str) -> Any:
    """The least a password grant does: no tables, no re-use, no log."""
    salt = secrets.token_bytes(16)
    digest = hashlib.sha256(salt + password.encode()).digest()

    @Request.application
    def app(request: Request) -> Response:
        form = request.form
        assert form["grant_type"] == "password" and form["client_id"] == client_id
        assert hmac.compare_digest(form["client_secret"].encode(), client_secret.encode())
        assert form["username"] == user_name
        assert hmac.compare_digest(hashlib.sha256(salt + form["password"].encode()).digest(), digest)
        token = base64.urlsafe_b64encode(secrets.token_bytes(64)).rstrip(b"=").decode()
        body = {"access_token": token, "refresh_token": token, "scope": "useraccount", "token_type": "Bearer",
                "expires_in": 1799}
        return Response(json.dumps(body, separators=(",", ":")), content_type="application/json;charset=UTF-8")
    return app


def grant_apps(instance: MockInstance, keystore: Keystore, count: int) -> list[GrantApp]:
    """``count`` grants apps, each with its own user (so one grant's tokens never lengthen another's look-ups),
    and the client-credentials property: by the one provisioner, as the plugin makes them."""
    with instance.intercept(ADMIN_URL), requests.Session() as session:
        session.auth = ("admin", "admin")
        session.trust_env = False
        provisioner = Provisioner(TableClient(session, ADMIN_URL), "grants-", lambda _alg: keystore)
        apps = [provision_grant_app(provisioner, provisioner.provision(Variant())) for _ in range(count)]
        assert enable_client_credentials(provisioner) is None
    return apps


def main() -> None:
    quick = quick_flag(__doc__)
    number, rounds = (10, 2) if quick else (300, 5)
    total = number * 40
    instance = MockInstance()
    chain = provision(instance, make_keystore())
    password_app, refresh_app, cc_app, code_app = grant_apps(instance, chain.keystore, 4)
    instance.configure(cleanup_interval=10**9)  # measure the exchange, not the periodic cleanup job
    instance.clock.freeze()  # codes and tokens made up front stay live through the run

    def client(app: GrantApp) -> dict[str, str]:
        return {"client_id": app.client_id, "client_secret": app.client_secret.reveal()}

    def password(app: GrantApp) -> dict[str, str]:
        return {"grant_type": "password", "username": app.user_name, "password": app.user_password.reveal(),
                **client(app)}

    def forms(form: dict[str, str]) -> Iterator[bytes]:
        return itertools.repeat(urlencode(form).encode())

    refresh_token = Client(instance).post("/oauth_token.do", data=password(refresh_app)).get_json()["refresh_token"]
    jwt_bodies = iter([urlencode(chain.form()).encode() for _ in range(total)])  # a fresh jti each
    code_bodies = iter([urlencode({"grant_type": "authorization_code", "code": _code(instance, code_app),
                                   "redirect_uri": code_app.redirect_url, **client(code_app)}).encode()
                        for _ in range(total)])
    bare = bare_password_app(password_app.client_id, password_app.client_secret.reveal(), password_app.user_name,
                             password_app.user_password.reveal())
    times = compare({
        "jwt": wsgi_post(instance, jwt_bodies),
        "password": wsgi_post(instance, forms(password(password_app))),
        "refresh": wsgi_post(instance, forms({"grant_type": "refresh_token", "refresh_token": refresh_token,
                                              **client(refresh_app)})),
        "client_credentials": wsgi_post(instance, forms({"grant_type": "client_credentials", **client(cc_app)})),
        "code": wsgi_post(instance, code_bodies),
        "bare": wsgi_post(bare, forms(password(password_app))),
    }, number=number, rounds=rounds)
    rows = [("WSGI: password grant vs bare password-checking app", times["password"] / times["bare"], None,
             times["password"])]
    for name, label in (("password", "password"), ("refresh", "refresh_token"),
                        ("client_credentials", "client_credentials"), ("code", "authorization_code exchange")):
        rows.append((f"WSGI: {label} vs the mock's jwt-bearer exchange", times[name] / times["jwt"], None,
                     times[name]))
    rows.append(("WSGI: the mock's jwt-bearer exchange (reference)", 1.0, None, times["jwt"]))
    report("Token exchange, the other grants (docs/platform.md §10)", rows)


def _code(instance: MockInstance, app: GrantApp) -> str:
    query = urlencode({"response_type": "code", "client_id": app.client_id, "redirect_uri": app.redirect_url,
                       "state": "s", "snjwt_user": app.user_name})
    location = Client(instance).get(f"/oauth_auth.do?{query}").headers["Location"]
    return parse_qs(urlsplit(location).query)["code"][0]


if __name__ == "__main__":
    main()
