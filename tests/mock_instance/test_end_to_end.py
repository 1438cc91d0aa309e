"""The setup article, done with nothing but HTTP against the real threaded server."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from mock_instance import JWT_BEARER_GRANT_TYPE, InstanceServer, MockInstance, load_keystore
from mock_instance.client import build_claims, sign

pytestmark = pytest.mark.skipif(shutil.which("keytool") is None or shutil.which("openssl") is None,
                                reason="the article's step 1 needs Java's keytool and openssl")
STOREPASS = "abcd1234"


@pytest.fixture
def server(instance: MockInstance) -> Iterator[InstanceServer]:
    with instance.serve() as running:
        yield running


@pytest.fixture
def step1_files(tmp_path: Path) -> Path:
    def run(*cmd: str) -> None:
        subprocess.run(cmd, cwd=tmp_path, check=True, capture_output=True, timeout=120)

    run("keytool", "-genkey", "-alias", "snclient", "-keyalg", "RSA", "-validity", "365", "-keystore",
        "snclient.keystore", "-storepass", STOREPASS, "-keypass", STOREPASS, "-dname", "CN=snclient, O=Example")
    run("keytool", "-exportcert", "-alias", "snclient", "-keystore", "snclient.keystore", "-storepass", STOREPASS,
        "-file", "snclient.cer")
    run("openssl", "x509", "-inform", "der", "-in", "snclient.cer", "-out", "certificate.pem")
    return tmp_path


def test_the_setup_article_over_http(server: InstanceServer, step1_files: Path) -> None:
    admin = requests.Session()
    admin.auth = ("admin", "admin")
    api = f"{server.url}/api/now/table"

    def create(table: str, values: dict[str, str]) -> dict[str, str]:
        response = admin.post(f"{api}/{table}", json=values)
        assert response.status_code == 201, response.text
        return response.json()["result"]

    # Step 1: the certificate (Trust Store Cert, the PEM from openssl) and the keystore with its file.
    cert = create("sys_certificate", {"name": "snclient cert", "type": "trust_store", "format": "pem",
                                      "pem_certificate": (step1_files / "certificate.pem").read_text()})
    assert cert["subject"] == "CN=snclient,O=Example" and cert["expires_in_days"] in ("364", "365")
    keystore = create("sys_certificate", {"name": "snclient keystore", "type": "key_store",
                                          "key_store_password": STOREPASS})
    upload = admin.post(f"{server.url}/api/now/attachment/file", params={
        "table_name": "sys_certificate", "table_sys_id": keystore["sys_id"], "file_name": "snclient.keystore"},
        data=(step1_files / "snclient.keystore").read_bytes(), headers={"Content-Type": "application/octet-stream"})
    assert upload.status_code == 201, upload.text

    # Step 2: the JWT signing key, without a kid for now.
    key = create("jwt_keystore_aliases", {"name": "snclient key", "signing_keystore": keystore["sys_id"],
                                          "signing_key_password": STOREPASS})
    # Step 3: the provider; the three standard claims appear.
    provider = create("jwt_provider", {"name": "snclient provider", "jwt_keystore_alias": key["sys_id"]})
    claims = admin.get(f"{api}/jwt_claim_validation", params={
        "sysparm_query": f"jwt_provider={provider['sys_id']}^ORDERBYname"}).json()["result"]
    assert [c["name"] for c in claims] == ["aud", "iss", "sub"]

    # Step 4: the app registry, its verifier map (kid auto-filled), and a non-admin user.
    app = create("oauth_jwt", {"name": "snclient app", "client_secret": "s3cret-for-e2e", "user_field": "email"})
    vmap = create("jwt_verifier_map", {"name": "snclient map", "oauth_jwt": app["sys_id"],
                                       "sys_certificate": cert["sys_id"]})
    kid = vmap["kid"]
    assert len(kid) == 32
    create("sys_user", {"user_name": "jwt.user", "email": "jwt.user@example.com", "first_name": "Jay"})
    # ...then the claim values and the JWT key's kid, as the article says.
    values = {"aud": app["client_id"], "iss": app["client_id"], "sub": "jwt.user@example.com"}
    for claim in claims:
        assert admin.patch(f"{api}/jwt_claim_validation/{claim['sys_id']}",
                           json={"value": values[claim["name"]]}).status_code == 200
    assert admin.patch(f"{api}/jwt_keystore_aliases/{key['sys_id']}", json={"kid": kid}).status_code == 200

    # The instance's JWT (GlideJWTAPI, through the mock-only endpoint) ...
    made = admin.post(f"{server.url}/snjwt-mock/generate_jwt", json={
        "provider": provider["sys_id"], "header": {"kid": kid}, "payload": values})
    assert made.status_code == 200, made.text
    instance_jwt = made.json()["result"]["jwt"]
    # ... and one signed by the client with the keystore's private key.
    private_key = load_keystore((step1_files / "snclient.keystore").read_bytes(), STOREPASS).private_key
    client_jwt = sign(build_claims(app["client_id"], "jwt.user@example.com", jti=str(uuid.uuid4())),
                      private_key, "RS256", kid=kid)

    for assertion in (instance_jwt, client_jwt):
        response = requests.post(f"{server.url}/oauth_token.do", data={
            "grant_type": JWT_BEARER_GRANT_TYPE, "client_id": app["client_id"], "client_secret": "s3cret-for-e2e",
            "assertion": assertion})
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["token_type"], body["expires_in"], len(body["access_token"])) == ("Bearer", 1799, 86)

        user = requests.Session()
        user.headers["Authorization"] = f"Bearer {body['access_token']}"
        created = user.post(f"{api}/incident", json={"short_description": "via JWT bearer"})
        assert created.status_code == 201 and created.json()["result"]["sys_created_by"] == "jwt.user"
        read = user.get(f"{api}/incident", params={"sysparm_query": "short_description=via JWT bearer"})
        assert read.status_code == 200 and read.headers["X-Total-Count"] in ("1", "2")

    # The same assertion again: JTI verification refuses it, and the log says why.
    replay = requests.post(f"{server.url}/oauth_token.do", data={
        "grant_type": JWT_BEARER_GRANT_TYPE, "client_id": app["client_id"], "client_secret": "s3cret-for-e2e",
        "assertion": client_jwt})
    assert replay.status_code == 401
    assert replay.json() == {"error_description": "access_denied", "error": "server_error"}
    log = admin.get(f"{api}/syslog", params={"sysparm_query": "source=oauth_token.do"}).json()["result"]
    assert log[-1]["message"].startswith("[jti_replayed] ")
