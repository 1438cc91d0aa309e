"""snjwt-mock demo, serve --demo and the jwt signer: the Quick start's first command and its friends."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jwt
import pytest

from tests.helpers import start_serve

SNJWT_MOCK = [sys.executable, "-m", "mock_instance"]
FULL_TOKEN = re.compile(r"[A-Za-z0-9_-]{86}")


def test_demo_walks_the_article() -> None:
    result = subprocess.run([*SNJWT_MOCK, "demo"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for step in range(1, 5):
        assert f"Step {step}:" in out
    for table in ("sys_certificate", "jwt_keystore_aliases", "jwt_provider", "oauth_jwt", "jwt_verifier_map",
                  "sys_user", "jwt_claim_validation"):
        assert f"+ {table} " in out
    assert "JWT made by the instance (GlideJWTAPI)" in out and "JWT made by the client" in out
    assert out.count("POST /oauth_token.do") == 2 and '"token_type": "Bearer"' in out
    assert "POST /api/now/table/incident with Authorization: Bearer <token> -> 201" in out
    assert "[jti_replayed]" in out and "reason code: jti_replayed" in out
    # Where each step is done on the instance, as the article names the menus.
    for menu in ("System Definition > Certificates", "System OAuth > JWT Keys", "System OAuth > JWT Providers",
                 "System OAuth > Application Registry"):
        assert f"(on the instance: {menu}" in out
    assert "type reads pkcs12_key_store (PKCS12 Key Store), not key_store (Java Key Store)" in out
    # The token request's form, as a learner copies it into curl or Postman (the secret named, not shown).
    assert "Content-Type: application/x-www-form-urlencoded, a form body with:" in out
    assert "  grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer\n  client_id=" in out
    assert "  client_secret=<the client secret set on the app>\n  assertion=<the JWT above: eyJ" in out
    assert not FULL_TOKEN.search(out), "the demo shows tokens shortened only"
    assert "PRIVATE KEY" not in out and result.stderr == ""


def test_demo_json() -> None:
    result = subprocess.run([*SNJWT_MOCK, "demo", "--json"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert [s["step"] for s in doc["steps"]] == [1, 2, 3, 4]
    assert [e["status"] for e in doc["exchanges"]] == [200, 200]
    assert [s["menu"].split(" > ")[0] for s in doc["steps"]] == ["System Definition", "System OAuth", "System OAuth",
                                                                  "System OAuth"]
    form = doc["exchanges"][0]["request"]
    assert list(form) == ["grant_type", "client_id", "client_secret", "assertion"]
    assert form["client_secret"] == "<the client secret set on the app>"
    assert doc["table_api"]["status"] == 201 and doc["table_api"]["result"]["sys_created_by"] == "jwt.demo"
    assert doc["refusal"]["status"] == 401 and doc["refusal"]["reason_code"] == "jti_replayed"
    assert doc["refusal"]["body"] == {"error_description": "access_denied", "error": "server_error"}
    instance_jwt = doc["jwts"]["instance (GlideJWTAPI)"]
    assert instance_jwt["header"]["kid"] == doc["jwts"]["client"]["header"]["kid"]
    assert not FULL_TOKEN.search(result.stdout)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
@pytest.mark.parametrize("tls", [False, True])
def test_serve_demo_prints_a_curl_that_works_every_time(tls: bool) -> None:
    process, lines = start_serve("--demo", *(["--tls"] if tls else []))
    try:
        assert any("client_secret:" in line for line in lines)
        key_file = next(line.split(":", 1)[1].strip() for line in lines if "private key:" in line)
        assert oct(os.stat(key_file).st_mode & 0o777) == "0o600"
        # The curl command stands alone, followed by a blank line.
        at = next(i for i, line in enumerate(lines) if line.startswith("curl "))
        assert lines[at - 1] == "" and lines[at + 1] == ""
        tokens = set()
        for _ in range(2):
            out = subprocess.run(["bash", "-c", lines[at]], capture_output=True, text=True, timeout=120)
            body = json.loads(out.stdout)
            assert body["token_type"] == "Bearer", out
            tokens.add(body["access_token"])
        assert len(tokens) == 2
    finally:
        process.terminate()
        process.communicate(timeout=30)
    assert not Path(key_file).exists(), "the demo key is removed when the server stops"


def test_jwt_signer(tmp_path: Path) -> None:
    from mock_instance.client import make_keystore

    keystore = make_keystore(algorithm="ES384")
    (tmp_path / "key.p12").write_bytes(keystore.pkcs12)
    result = subprocess.run([*SNJWT_MOCK, "jwt", "--key", str(tmp_path / "key.p12"), "--password", "abcd1234",
                             "--client-id", "abc", "--sub", "me@example.com", "--kid", "k1"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert jwt.get_unverified_header(token) == {"alg": "ES384", "kid": "k1", "typ": "JWT"}
    claims = jwt.decode(token, keystore.certificate.public_key(), algorithms=["ES384"], audience="abc")
    assert (claims["iss"], claims["sub"], claims["exp"] - claims["iat"]) == ("abc", "me@example.com", 300)
    bad = subprocess.run([*SNJWT_MOCK, "jwt", "--key", str(tmp_path / "nope"), "--client-id", "a", "--sub", "b"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "cannot read" in bad.stderr and "Traceback" not in bad.stderr
