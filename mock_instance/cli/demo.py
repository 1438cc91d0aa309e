"""``snjwt-mock demo`` and ``snjwt-mock serve --demo``: the setup article, walked on a mock.

The demo does the article's four steps through the Table and Attachment APIs
(in-process), gets a JWT from the instance (GlideJWTAPI) and one signed by the
client, exchanges them, uses the token, and then shows one refused assertion
with the reason the platform would only have written to its log.
"""

from __future__ import annotations

import json
import shlex
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
import requests
from cryptography.hazmat.primitives import serialization

from ..crypto.certs import generate_private_key, pkcs12_keystore, private_key_pem, self_signed_certificate
from ..instance import ADMIN_USER_NAME, MockInstance
from ..client.assertion import build_claims, sign_assertion
from ..crypto.jose import PrivateKey
from ..crypto.jose import JWT_BEARER_GRANT_TYPE
from ..crypto.secret import mask_token

DEMO_URL = "https://demo.snjwt.test"
KEYSTORE_PASSWORD = "abcd1234"  # the article's -storepass / -keypass
DEMO_USER = {"user_name": "jwt.demo", "email": "jwt.demo@example.com", "first_name": "Jay",
             "last_name": "Demo", "name": "Jay Demo"}
#: Fields shown for each record, by table.
KEY_FIELDS = {
    "sys_certificate": ("name", "type", "format", "subject", "expires"),
    "jwt_keystore_aliases": ("name", "signing_keystore", "signing_algorithm", "kid"),
    "jwt_provider": ("name", "jwt_keystore_alias", "expiry_interval"),
    "oauth_jwt": ("name", "client_id", "user_field", "enable_jti_verification", "clock_skew",
                  "access_token_lifespan"),
    "jwt_verifier_map": ("name", "oauth_jwt", "sys_certificate", "kid"),
    "sys_user": ("user_name", "email", "name"),
    "sys_attachment": ("file_name", "table_name", "size_bytes"),
    "jwt_claim_validation": ("name", "value", "is_standard"),
}


@dataclass
class DemoChain:
    """What the walkthrough set up; ``client_secret`` and ``key`` are for the client, never printed by ``demo``."""

    client_id: str
    client_secret: str = field(repr=False)
    kid: str
    user: str
    provider: str
    key: PrivateKey = field(repr=False)
    steps: list[dict[str, Any]] = field(default_factory=list)


class _Api:
    def __init__(self, base: str, auth: tuple[str, str]) -> None:
        self.base = base
        self.session = requests.Session()
        self.session.auth = auth
        self.session.trust_env = False

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        kwargs.setdefault("params", {})["sysparm_exclude_reference_link"] = "true"
        response = self.session.request(method, f"{self.base}{path}", **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path} failed: {response.status_code} {response.text}")
        return response.json()["result"] if response.content else None


def _shown(table: str, record: dict[str, Any]) -> dict[str, Any]:
    return {"table": table, "sys_id": record["sys_id"],
            "fields": {name: record.get(name, "") for name in KEY_FIELDS.get(table, ())}}


def set_up(api: _Api) -> DemoChain:
    """The article's four steps, through the Table and Attachment APIs."""
    steps: list[dict[str, Any]] = []
    # Step 1: keytool -genkey -alias snclient -keyalg RSA -validity 365 ... ; -exportcert ; openssl x509.
    key = generate_private_key("RS256")
    cert = self_signed_certificate(key, "snclient", 365)
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    trust = api.call("POST", "/api/now/table/sys_certificate", json={
        "name": "snclient certificate", "type": "trust_store", "format": "pem", "pem_certificate": pem})
    store = api.call("POST", "/api/now/table/sys_certificate", json={
        "name": "snclient keystore", "type": "pkcs12_key_store", "format": "pem",
        "key_store_password": KEYSTORE_PASSWORD})
    attachment = api.call("POST", "/api/now/attachment/file", params={
        "table_name": "sys_certificate", "table_sys_id": store["sys_id"], "file_name": "snclient.keystore"},
        data=pkcs12_keystore("snclient", key, cert, KEYSTORE_PASSWORD),
        headers={"Content-Type": "application/octet-stream"})
    steps.append({"step": 1, "title": "Create a keystore and certificate, upload them to the instance",
                  "notes": ["keytool -genkey -alias snclient -keyalg RSA -validity 365 -keystore snclient.keystore "
                            "(made here in Python; the keystore is PKCS12, as keytool writes since Java 9)",
                            "the certificate PEM is a Trust Store Cert; the keystore is an attachment"],
                  "records": [_shown("sys_certificate", trust), _shown("sys_certificate", store),
                              _shown("sys_attachment", attachment)]})
    # Step 2: the JWT signing key, no kid yet.
    alias = api.call("POST", "/api/now/table/jwt_keystore_aliases", json={
        "name": "snclient JWT key", "signing_keystore": store["sys_id"],
        "signing_key_password": KEYSTORE_PASSWORD})
    steps.append({"step": 2, "title": "Configure a JWT signing key", "notes": ["the kid comes later, from the map"],
                  "records": [_shown("jwt_keystore_aliases", alias)]})
    # Step 3: the provider; the three standard claims appear by themselves.
    provider = api.call("POST", "/api/now/table/jwt_provider", json={
        "name": "snclient JWT provider", "jwt_keystore_alias": alias["sys_id"]})
    claims = api.call("GET", "/api/now/table/jwt_claim_validation",
                      params={"sysparm_query": f"jwt_provider={provider['sys_id']}^ORDERBYname"})
    steps.append({"step": 3, "title": "Create a JWT provider with the signing key",
                  "notes": ["the standard claims aud, iss, sub were created with empty values"],
                  "records": [_shown("jwt_provider", provider)] + [_shown("jwt_claim_validation", c) for c in claims]})
    # Step 4: the app registry, its verifier map, and a (non-admin) user; then the claim values and the kid.
    app = api.call("POST", "/api/now/table/oauth_jwt", json={"name": "snclient app", "user_field": "email"})
    vmap = api.call("POST", "/api/now/table/jwt_verifier_map", json={
        "name": "snclient verifier map", "oauth_jwt": app["sys_id"], "sys_certificate": trust["sys_id"]})
    user = api.call("POST", "/api/now/table/sys_user", json=DEMO_USER)
    values = {"aud": app["client_id"], "iss": app["client_id"], "sub": user["email"]}
    updated = [api.call("PATCH", f"/api/now/table/jwt_claim_validation/{c['sys_id']}",
                        json={"value": values[c["name"]]}) for c in claims]
    alias = api.call("PATCH", f"/api/now/table/jwt_keystore_aliases/{alias['sys_id']}", json={"kid": vmap["kid"]})
    steps.append({"step": 4, "title": "Create the OAuth JWT API endpoint app registry and its verifier map",
                  "notes": ["the client secret was generated by the instance (a password field: never shown)",
                            "the verifier map's kid was filled in by the instance; the JWT key now carries it",
                            "the User field is email, so sub is the user's email"],
                  "records": [_shown("oauth_jwt", app), _shown("jwt_verifier_map", vmap), _shown("sys_user", user)]
                  + [_shown("jwt_claim_validation", c) for c in updated] + [_shown("jwt_keystore_aliases", alias)]})
    return DemoChain(app["client_id"], "", vmap["kid"], user["email"], provider["sys_id"], key, steps)


def _decoded(token: str) -> dict[str, Any]:
    return {"header": jwt.get_unverified_header(token), "claims": jwt.decode(token, options={"verify_signature": False})}


def _token_form(chain: DemoChain, assertion: str) -> dict[str, str]:
    return {"grant_type": JWT_BEARER_GRANT_TYPE, "client_id": chain.client_id, "client_secret": chain.client_secret,
            "assertion": assertion}


def walk_through() -> dict[str, Any]:
    """Run the demo on a fresh embedded instance; return what happened as one document."""
    instance = MockInstance()
    with instance.intercept(DEMO_URL):
        api = _Api(DEMO_URL, (ADMIN_USER_NAME, "admin"))
        chain = set_up(api)
        # The demo reads the generated secret from the store, as an admin would copy it from the form.
        app = instance.store.find("oauth_entity", "client_id", chain.client_id)[0]
        chain.client_secret = app["client_secret"].reveal()
        instance_jwt = instance.generate_jwt(chain.provider, {"kid": chain.kid})
        client_jwt = sign_assertion(chain.key, build_claims(chain.client_id, chain.user), kid=chain.kid)
        http = requests.Session()
        http.trust_env = False
        exchanges = []
        for label, assertion in (("the instance's JWT (GlideJWTAPI)", instance_jwt), ("the client's JWT", client_jwt)):
            response = http.post(f"{DEMO_URL}/oauth_token.do", data=_token_form(chain, assertion))
            body = response.json()
            token = body.get("access_token", "")
            exchanges.append({"assertion": label, "status": response.status_code,
                              "response": {**body, "access_token": mask_token(token, 10)}})
        token = http.post(f"{DEMO_URL}/oauth_token.do",
                          data=_token_form(chain, sign_assertion(chain.key, build_claims(chain.client_id, chain.user),
                                                                 kid=chain.kid))).json()["access_token"]
        created = http.post(f"{DEMO_URL}/api/now/table/incident", json={"short_description": "Created with a JWT token"},
                            headers={"Authorization": f"Bearer {token}"})
        record = created.json()["result"]
        replay = http.post(f"{DEMO_URL}/oauth_token.do", data=_token_form(chain, client_jwt))
        refusal = instance.refusals[-1]
        return {
            "instance": DEMO_URL,
            "steps": chain.steps,
            "jwts": {"instance (GlideJWTAPI)": _decoded(instance_jwt), "client": _decoded(client_jwt)},
            "exchanges": exchanges,
            "table_api": {"request": "POST /api/now/table/incident with Authorization: Bearer <token>",
                          "status": created.status_code,
                          "result": {k: record[k] for k in ("number", "short_description", "sys_created_by")}},
            "refusal": {"request": "the client's JWT sent again (the same jti)", "status": replay.status_code,
                        "body": replay.json(), "reason_code": refusal.code, "reason": refusal.sentence,
                        "syslog": f"[{refusal.code}] {refusal.sentence}"},
        }


def render_text(doc: dict[str, Any]) -> str:
    """The walkthrough for a person."""
    lines = [f"Demo instance: {doc['instance']} (in-process mock; nothing leaves this machine)", ""]
    for step in doc["steps"]:
        lines.append(f"Step {step['step']}: {step['title']}")
        for note in step["notes"]:
            lines.append(f"  - {note}")
        for record in step["records"]:
            fields = ", ".join(f"{k}={v!r}" for k, v in record["fields"].items())
            lines.append(f"  + {record['table']} {record['sys_id']}: {fields}")
        lines.append("")
    for label, decoded in doc["jwts"].items():
        lines.append(f"JWT made by the {label}:")
        lines.append(f"  header: {json.dumps(decoded['header'])}")
        lines.append(f"  claims: {json.dumps(decoded['claims'])}")
    lines.append("")
    for exchange in doc["exchanges"]:
        lines.append(f"POST /oauth_token.do with {exchange['assertion']} -> {exchange['status']}")
        lines.append(f"  {json.dumps(exchange['response'], ensure_ascii=False)}")
    api = doc["table_api"]
    lines += ["", f"{api['request']} -> {api['status']}", f"  {json.dumps(api['result'])}", ""]
    refusal = doc["refusal"]
    lines += [f"Refused: {refusal['request']} -> {refusal['status']} {json.dumps(refusal['body'])}",
              f"  the platform says only that; its system log says: {refusal['syslog']}",
              f"  reason code: {refusal['reason_code']}"]
    return "\n".join(lines)


def run_demo(*, as_json: bool = False, out: Callable[[str], None] | None = None) -> int:
    """``snjwt-mock demo``: print the walkthrough (text, or one JSON document)."""
    doc = walk_through()
    write = out or (lambda text: print(text, flush=True))
    write(json.dumps(doc, indent=2) if as_json else render_text(doc))
    return 0


class ServeDemo:
    """``serve --demo``: a ready chain on a running server, and what a client needs to use it."""

    def __init__(self, instance: MockInstance, url: str, admin_password: str, ca_file: str | None = None) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="snjwt-demo-"))
        with instance.intercept(DEMO_URL):
            self.chain = set_up(_Api(DEMO_URL, (ADMIN_USER_NAME, admin_password)))
        app = instance.store.find("oauth_entity", "client_id", self.chain.client_id)[0]
        self.chain.client_secret = app["client_secret"].reveal()
        self.key_file = self.folder / "client-key.pem"
        self.key_file.touch(mode=0o600)
        self.key_file.write_bytes(private_key_pem(self.chain.key))
        self.url = url
        self.ca_file = ca_file

    def curl(self) -> str:
        """A curl command that gets a token every time it is pasted (a fresh assertion each time)."""
        chain = self.chain
        signer = " ".join(shlex.quote(part) for part in (
            sys.executable, "-m", "mock_instance", "jwt", "--key", str(self.key_file),
            "--client-id", chain.client_id, "--sub", chain.user, "--kid", chain.kid))
        parts = ["curl", "-s"] + (["--cacert", self.ca_file] if self.ca_file else []) + [
            f"{self.url}/oauth_token.do",
            "--data-urlencode", f"grant_type={JWT_BEARER_GRANT_TYPE}",
            "--data-urlencode", f"client_id={chain.client_id}",
            "--data-urlencode", f"client_secret={chain.client_secret}"]
        return " ".join(shlex.quote(p) for p in parts) + f' --data-urlencode "assertion=$({signer})"'

    def lines(self) -> list[str]:
        chain = self.chain
        return [
            "snjwt-mock: demo chain ready (these credentials are printed on purpose: they exist only in this mock)",
            f"  instance URL:  {self.url}",
            f"  client_id:     {chain.client_id}",
            f"  client_secret: {chain.client_secret}",
            f"  kid:           {chain.kid}",
            f"  user (sub):    {chain.user}",
            f"  private key:   {self.key_file}",
            "snjwt-mock: get a token (paste as often as you like; each run signs a fresh assertion):",
            "",
            self.curl(),
            "",
        ]

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
