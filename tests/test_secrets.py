"""No secret in any output or log: the demo, the server, and a plugin run with failing tests.

Except what a command exists to show: ``serve --demo`` prints its demo chain's
credentials on purpose, and the demo shows shortened tokens.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest
import requests

from mock_instance import JWT_BEARER_GRANT_TYPE, MockInstance
from mock_instance.cli.demo import run_demo
from mock_instance.client import Provisioner, TableClient, Variant, make_keystore
from mock_instance.platform import schema
from tests.helpers import start_serve, url_of

FULL_TOKEN = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{86}(?![A-Za-z0-9_-])")
SENTINEL_SECRET = "Sentinel-client-secret-7f3a9"
SENTINEL_PASSWORD = "Sentinel-admin-password-51c2"


def assert_clean(text: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in text, f"a secret leaked: {secret[:8]}..."
    assert "PRIVATE KEY" not in text
    assert not FULL_TOKEN.search(text), "a full access token leaked"


def test_the_demo(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(schema.GENERATORS, "random_secret", lambda _s: SENTINEL_SECRET)
    caplog.set_level(logging.DEBUG)
    lines: list[str] = []
    for as_json in (False, True):
        assert run_demo(as_json=as_json, out=lines.append) == 0
    captured = capsys.readouterr()
    everything = "\n".join(lines) + captured.out + captured.err + caplog.text
    assert "Bearer" in everything  # the demo did run its exchanges
    assert_clean(everything, SENTINEL_SECRET, "abcd1234")


def test_the_server(tmp_path: Path) -> None:
    process, lines = start_serve("--admin-password", SENTINEL_PASSWORD)
    shown = []
    try:
        url = url_of(lines)
        session = requests.Session()
        session.auth = ("admin", SENTINEL_PASSWORD)
        keystore = make_keystore()
        chain = Provisioner(TableClient(session, url), "leak-", lambda alg: keystore).provision(Variant())
        from mock_instance.client import build_claims, sign

        form = {"grant_type": JWT_BEARER_GRANT_TYPE, "client_id": chain.client_id,
                "client_secret": chain.client_secret.reveal(),
                "assertion": sign(build_claims(chain.client_id, chain.user), keystore.private_key, "RS256",
                                  kid=chain.kid)}
        token = requests.post(f"{url}/oauth_token.do", data=form).json()["access_token"]
        requests.post(f"{url}/oauth_token.do", data=form)  # a replay: refused, logged
        requests.post(f"{url}/oauth_token.do", data={**form, "client_secret": "wrong-" + SENTINEL_SECRET})
        requests.get(f"{url}/api/now/table/incident", headers={"Authorization": f"Bearer {token}"})
        requests.get(f"{url}/oauth_revoke_token.do?token={token}")
        requests.get(f"{url}/api/now/table/incident", headers={"Authorization": f"Bearer {token}"})
        log = session.get(f"{url}/api/now/table/syslog").json()["result"]
        shown = [row["message"] for row in log]
    finally:
        process.terminate()
        out, err = process.communicate(timeout=30)
    everything = "\n".join(lines) + out + err + "\n".join(shown)
    assert "[jti_replayed]" in everything and "[client_secret_invalid]" in everything
    assert_clean(everything, SENTINEL_PASSWORD, chain.client_secret.reveal(), token, form["assertion"],
                 SENTINEL_SECRET)


def test_the_server_request_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    instance = MockInstance()
    with instance.serve() as server:
        requests.get(f"{server.url}/oauth_revoke_token.do?token=Sentinel-token-in-a-query-string")
        requests.post(server.token_url, data={"client_secret": SENTINEL_SECRET, "assertion": "x"})
    # The server's own loggers (the client's urllib3 logs whatever URL it is handed).
    server_log = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith(("mock_instance", "werkzeug")))
    assert "/oauth_revoke_token.do" in server_log  # the request was logged, without its query string
    assert_clean(server_log, "Sentinel-token-in-a-query-string", SENTINEL_SECRET)


def test_a_plugin_run_with_failing_tests(pytester: pytest.Pytester, tmp_path: Path) -> None:
    out = tmp_path / "secrets.json"
    pytester.makepyfile(f'''
        import json, logging, pytest

        def test_fails(snjwt_chain, snjwt_token, snjwt_access_token, snjwt_keystore, snjwt_jwt, snjwt_session,
                       snjwt_assertion, snjwt_mock):
            with open({str(out)!r}, "w") as f:
                json.dump([snjwt_chain.client_secret.reveal(), snjwt_access_token, str(snjwt_jwt),
                           snjwt_keystore.store_password.reveal(),
                           snjwt_keystore.private_key_pem.decode().splitlines()[2]], f)
            logging.getLogger("mine").warning("chain %r token %r", snjwt_chain, snjwt_token)
            snjwt_session.get("/api/now/table/incident")
            assert snjwt_access_token == snjwt_assertion()

        @pytest.mark.snjwt(locked_out=True)
        def test_refused(snjwt_access_token):
            pass
    ''')
    result = pytester.runpytest("-p", "no:cacheprovider", "--log-level=DEBUG", "-l", "-vv", "--tb=long", "-rA",
                                "--showlocals")
    result.assert_outcomes(failed=1, errors=1)
    text = result.stdout.str() + result.stderr.str()
    assert "snjwt refusals" in text and "user_locked_out" in text
    assert "snjwt requests" in text and "GET /api/now/table/incident -> 200" in text
    assert_clean(text, *json.loads(out.read_text()))
