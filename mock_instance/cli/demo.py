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
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import jwt
import requests

from ..client import Chain, Provisioner, TableClient, Variant, build_claims, make_keystore, sign, token_form
from ..crypto.certs import private_key_pem
from ..crypto.jose import JWT_BEARER_GRANT_TYPE
from ..crypto.secret import mask_token
from ..instance import ADMIN_USER_NAME, MockInstance

DEMO_URL = "https://demo.snjwt.test"
KEYSTORE_PASSWORD = "abcd1234"  # the article's -storepass / -keypass
DEMO_NAME = "snclient"
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
#: The article's steps: title, where it is done on the instance (its menus), and what a reader should notice.
STEPS = {
    1: ("Create a keystore and certificate, upload them to the instance", "System Definition > Certificates",
        ["keytool -genkey -alias snclient -keyalg RSA -validity 365 -keystore snclient.keystore "
         "(made here in Python; the keystore is PKCS12, as keytool writes since Java 9)",
         "the certificate PEM is a Trust Store Cert; the keystore is an attachment",
         "the keystore record's type reads pkcs12_key_store (PKCS12 Key Store), not key_store (Java Key Store): "
         "keytool writes PKCS12 unless given -storetype JKS, and the instance reads the format from the file's "
         "bytes whatever the type says; its subject and expires stay empty, because they are read from a PEM "
         "and a keystore's certificate is inside the attached file"]),
    2: ("Configure a JWT signing key", "System OAuth > JWT Keys", ["the kid comes later, from the map"]),
    3: ("Create a JWT provider with the signing key", "System OAuth > JWT Providers",
        ["the standard claims aud, iss, sub were created with empty values"]),
    4: ("Create the OAuth JWT API endpoint app registry and its verifier map",
        "System OAuth > Application Registry > New > Create an OAuth JWT API endpoint for external clients; "
        "its JWT Verifier Maps related list; the user in User Administration > Users",
        ["the client secret was set by the client when creating the app (a password field: the Table API "
         "never returns it)",
         "the verifier map's kid was filled in by the instance; the JWT key now carries it",
         "the User field is email, so sub is the user's email"]),
}
#: What the token request carries (docs/platform.md §4), as a learner types it into curl or Postman.
FORM_NOTE = "POST {url}/oauth_token.do, Content-Type: application/x-www-form-urlencoded, a form body with:"


def _shown(table: str, record: Mapping[str, Any]) -> dict[str, Any]:
    return {"table": table, "sys_id": record["sys_id"],
            "fields": {name: record.get(name, "") for name in KEY_FIELDS.get(table, ())}}


def set_up(base_url: str, admin_password: str) -> tuple[Chain, list[dict[str, Any]]]:
    """The article's four steps through the Table and Attachment APIs, by the one provisioner.

    Returns the chain and the steps, each with the records it made or changed.
    """
    steps = [{"step": n, "title": title, "menu": menu, "notes": notes, "records": []}
             for n, (title, menu, notes) in STEPS.items()]
    session = requests.Session()
    session.auth = (ADMIN_USER_NAME, admin_password)
    session.trust_env = False
    keystore = make_keystore(alias=DEMO_NAME, password=KEYSTORE_PASSWORD)
    provisioner = Provisioner(TableClient(session, base_url), DEMO_NAME, lambda _algorithm: keystore,
                              on_step=lambda step, table, record: steps[step - 1]["records"].append(
                                  _shown(table, record)))
    with session:
        chain = provisioner.provision(Variant(), name=DEMO_NAME, user=DEMO_USER)
    return chain, steps


def _decoded(token: str) -> dict[str, Any]:
    return {"header": jwt.get_unverified_header(token),
            "claims": jwt.decode(token, options={"verify_signature": False})}


def _token_form(chain: Chain, assertion: str) -> dict[str, str]:
    return token_form(chain.client_id, assertion, chain.client_secret)


def _shown_form(chain: Chain, assertion: str) -> dict[str, str]:
    """The token request's form fields as a learner copies them: the secret named, never shown."""
    return {"grant_type": JWT_BEARER_GRANT_TYPE, "client_id": chain.client_id,
            "client_secret": "<the client secret set on the app>", "assertion": f"<the JWT above: {assertion[:12]}…>"}


def _client_jwt(chain: Chain) -> str:
    return sign(build_claims(chain.client_id, chain.user), chain.key, chain.algorithm, kid=chain.kid)


def walk_through() -> dict[str, Any]:
    """Run the demo on a fresh embedded instance; return what happened as one document."""
    instance = MockInstance()
    with instance.intercept(DEMO_URL):
        chain, steps = set_up(DEMO_URL, "admin")
        instance_jwt = instance.generate_jwt(chain.sys_ids["jwt_provider"], {"kid": chain.kid})
        client_jwt = _client_jwt(chain)
        http = requests.Session()
        http.trust_env = False
        exchanges = []
        for label, assertion in (("the instance's JWT (GlideJWTAPI)", instance_jwt), ("the client's JWT", client_jwt)):
            response = http.post(f"{DEMO_URL}/oauth_token.do", data=_token_form(chain, assertion))
            body = response.json()
            token = body.get("access_token", "")
            exchanges.append({"assertion": label, "status": response.status_code,
                              "request": _shown_form(chain, assertion),
                              "response": {**body, "access_token": mask_token(token, 10)}})
        token = http.post(f"{DEMO_URL}/oauth_token.do",
                          data=_token_form(chain, _client_jwt(chain))).json()["access_token"]
        created = http.post(f"{DEMO_URL}/api/now/table/incident",
                            json={"short_description": "Created with a JWT token"},
                            headers={"Authorization": f"Bearer {token}"})
        record = created.json()["result"]
        replay = http.post(f"{DEMO_URL}/oauth_token.do", data=_token_form(chain, client_jwt))
        refusal = instance.refusals[-1]
        return {
            "instance": DEMO_URL,
            "steps": steps,
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
        lines.append(f"  (on the instance: {step['menu']})")
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
    lines.append(FORM_NOTE.format(url=doc["instance"]))
    for name, value in doc["exchanges"][0]["request"].items():
        lines.append(f"  {name}={value}")
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
            self.chain, _ = set_up(DEMO_URL, admin_password)
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
            "--data-urlencode", f"client_secret={chain.client_secret.reveal()}"]
        return " ".join(shlex.quote(p) for p in parts) + f' --data-urlencode "assertion=$({signer})"'

    def lines(self) -> list[str]:
        chain = self.chain
        return [
            "snjwt-mock: demo chain ready (these credentials are printed on purpose: they exist only in this mock)",
            f"  instance URL:  {self.url}",
            f"  client_id:     {chain.client_id}",
            f"  client_secret: {chain.client_secret.reveal()}",
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
