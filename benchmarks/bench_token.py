"""Token exchange cost (issue 3), as ratios measured in one run.

The mock's /oauth_token.do against a bare Werkzeug app that only verifies the
same kind of assertion with PyJWT (signature, aud, exp) and answers a token,
reached the same two ways: straight through WSGI, and in-process through
``requests``. Target <= 1.3x: the mock's checks cost little beyond the
signature. Also the ratio to a raw ``jwt.decode``.

Run: python benchmarks/bench_token.py
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import jwt  # noqa: E402
import requests  # noqa: E402
from chain import provision  # noqa: E402
from harness import compare, quick_flag, report, wsgi_post  # noqa: E402
from werkzeug.wrappers import Request, Response  # noqa: E402

from mock_instance import (
    Interception,  # noqa: E402
    MockInstance,  # noqa: E402
)
from mock_instance.client import make_keystore  # noqa: E402

BASE = "https://bench.snjwt.test"


def bare_verifier(public_key: Any, client_id: str) -> Any:
    @Request.application
    def app(request: Request) -> Response:
        claims = jwt.decode(request.form["assertion"], public_key, algorithms=["RS256"], audience=client_id)
        assert claims["sub"]
        return Response('{"access_token":"x","scope":"useraccount","token_type":"Bearer","expires_in":1799}',
                        content_type="application/json;charset=UTF-8")
    return app


def main() -> None:
    quick = quick_flag(__doc__)
    number, rounds = (10, 2) if quick else (300, 5)
    instance = MockInstance()
    chain = provision(instance, make_keystore())
    instance.configure(cleanup_interval=10**9)  # measure the exchange, not the periodic cleanup job
    public_key = chain.public_key()
    # JTI verification is on: every exchange needs its own assertion, signed up front (client side).
    total = number * 40
    forms = [chain.form() for _ in range(total)]
    bodies = itertools.cycle([urlencode(f).encode() for f in forms])
    assertions = itertools.cycle([f["assertion"] for f in forms])
    bare = bare_verifier(public_key, chain.client_id)

    def raw_decode() -> Any:
        return jwt.decode(next(assertions), public_key, algorithms=["RS256"], audience=chain.client_id)

    mock_bodies = iter([urlencode(f).encode() for f in forms])
    times = compare({"mock": wsgi_post(instance, mock_bodies), "bare": wsgi_post(bare, bodies),
                     "pyjwt": raw_decode}, number=number, rounds=rounds)
    rows = [("WSGI: mock exchange vs bare PyJWT-verifying app", times["mock"] / times["bare"], 1.3, times["mock"]),
            ("WSGI: mock exchange vs raw jwt.decode", times["mock"] / times["pyjwt"], None, times["pyjwt"])]

    instance.reset()
    chain = provision(instance, chain.keystore)
    instance.configure(cleanup_interval=10**9)
    forms = iter([chain.form() for _ in range(total)])
    bare_site = _Site(_Wrapped(bare_verifier(public_key, chain.client_id)))
    session = requests.Session()
    bare_forms = itertools.cycle([chain.form() for _ in range(200)])
    with instance.intercept(BASE), Interception(bare_site, "https://bare.snjwt.test"):
        times = compare({
            "mock": lambda: session.post(f"{BASE}/oauth_token.do", data=next(forms)).raise_for_status(),
            "bare": lambda: session.post("https://bare.snjwt.test/oauth_token.do",
                                         data=next(bare_forms)).raise_for_status(),
        }, number=number, rounds=rounds)
    rows.append(("requests in-process: mock exchange vs bare PyJWT app", times["mock"] / times["bare"], 1.3,
                 times["mock"]))
    report("Token exchange (issue 3)", rows)


class _Site:
    """What a transport serves: something with an ``app`` (see mock_instance.transports.crashes.HasApp)."""

    def __init__(self, app: _Wrapped) -> None:
        self.app = app

    def add_base_url(self, url: str) -> None:
        pass

    def remove_base_url(self, url: str) -> None:
        pass


class _Wrapped:
    """A WSGI app with the one method transports call besides the app itself."""

    def __init__(self, app: Any) -> None:
        self._app = app

    def __call__(self, environ: Any, start_response: Any) -> Any:
        return self._app(environ, start_response)

    def take_errors(self) -> list:
        return []


if __name__ == "__main__":
    main()
