"""Set up a chain from the page, as the setup article does, by the one provisioner the CLI and plugin use.

The admin picks the key (a new key pair as keytool makes it, an uploaded
PKCS12/JKS keystore, or a PEM private key), the app's options and the user;
the console makes every record through the Table and Attachment APIs (the
request log shows each call) and keeps the chain's key in memory, so the JWT
debugger can sign for it. Nothing secret is shown: not the client secret, not
the key (a generated key is written to a file the page names, as
``serve --demo`` does).
"""

from __future__ import annotations

import secrets
from typing import Any

import requests
from werkzeug.wrappers import Response

from ...client import Keystore, Provisioner, ProvisioningError, TableClient, Variant, key_family, make_keystore
from ...crypto.certs import self_signed_certificate
from ...crypto.jose import EC_CURVES, default_algorithm
from ...crypto.keystores import KeyMaterialError, load_private_key
from ...crypto.secret import Secret
from ..context import Context
from ..html import (
    BASE,
    Markup,
    button,
    checkbox,
    field,
    fields,
    form,
    join,
    link,
    note,
    page,
    section,
    select,
    tag,
    text_input,
)

PATH = f"{BASE}/setup"
ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "HS256", "HS384", "HS512"]
KEY_SOURCES = [("generate", "Make a new key pair and keystore (what keytool -genkey does)"),
               ("keystore", "Upload a keystore: PKCS12 or JKS (keytool's snclient.keystore)"),
               ("pem", "Upload a PEM private key (with its certificate, or one is made)")]
USER_FIELDS = [("email", "email"), ("user_name", "user_name (User ID)")]
#: The article's steps, as the result lists the records each one made.
STEP_NAMES = {1: "Step 1 · System Definition > Certificates: the certificate (Trust Store Cert) and the keystore",
              2: "Step 2 · System OAuth > JWT Keys", 3: "Step 3 · System OAuth > JWT Providers (and its claims)",
              4: "Step 4 · System OAuth > Application Registry: the OAuth JWT API endpoint, its verifier map, "
                 "the user"}


def _form(values: Any, problem: str = "") -> Markup:
    get = values.get
    key = tag("fieldset", tag("legend", "1 · The key the client signs with"),
              *(tag("label", tag("input", type="radio", name="key_source", value=value,
                                 checked=(get("key_source") or "generate") == value), " ", label, class_="check")
                for value, label in KEY_SOURCES),
              tag("div", field("File", tag("input", type="file", name="key_file")),
                  field("Its password", text_input("key_password", type="password", autocomplete="off"),
                        "keytool's -storepass; the keystore record keeps it as key_store_password"),
                  field("Alias", text_input("alias", get("alias") or ""), "only for a JKS file with several keys"),
                  class_="row"))
    app = tag("fieldset", tag("legend", "2 · The JWT key, provider and OAuth JWT API endpoint"),
              tag("div", field("Name", text_input("name", get("name") or "snclient", required=True, maxlength="60"),
                               "each record is named after it"),
                  field("Algorithm", select("algorithm", [(a, a) for a in ALGORITHMS], get("algorithm") or "RS256"),
                        "HS* signs with the verifier map's shared key: no certificate, keystore or provider"),
                  class_="row"),
              tag("div", field("Client secret", text_input("client_secret", type="password", autocomplete="off"),
                               "you choose it, and the console never shows it; blank: a random one, which only "
                               "this console's debugger knows"),
                  field("Clock skew (s)", text_input("clock_skew", get("clock_skew") or "300", type="number")),
                  class_="row"),
              checkbox("jti_verification", "JTI verification (a jti is accepted once)",
                       get("jti_verification", "true") == "true"))
    user = tag("fieldset", tag("legend", "3 · The user the token acts as"),
               tag("div", field("User ID", text_input("user_name", get("user_name") or "jwt.integration",
                                                      required=True)),
                   field("Email", text_input("email", get("email") or "jwt.integration@example.com", required=True)),
                   field("User field", select("user_field", USER_FIELDS, get("user_field") or "email"),
                         "the app's User field: sub must carry this column's value"), class_="row"))
    return section("New chain", note(problem, "error") if problem else "",
                   form(PATH, key, app, user, tag("div", button("Create the chain"), class_="buttons"),
                        enctype="multipart/form-data"))


def _keystore(ctx: Context, values: Any, algorithm: str, name: str) -> Keystore | None:
    """The key pair the chain will use (None for HS*): made, or read from the uploaded file."""
    if key_family(algorithm) == "HS":
        return None
    password = values.get("key_password") or ""
    if values.get("key_source", "generate") == "generate":
        return make_keystore(alias=name, algorithm=algorithm, password=password or "abcd1234")
    upload = ctx.request.files.get("key_file")
    data = upload.read() if upload is not None else b""
    if not data:
        raise ValueError("choose the file to upload")
    entry = load_private_key(data, password or None)
    if values.get("alias") and entry.alias not in (None, values["alias"]):
        raise ValueError(f"the keystore's key is {entry.alias!r}, not {values['alias']!r}")
    family = default_algorithm(entry.private_key)[:2]
    if family != algorithm[:2] or (algorithm in EC_CURVES and default_algorithm(entry.private_key) != algorithm):
        raise ValueError(f"the uploaded key signs {default_algorithm(entry.private_key)}, not {algorithm}: "
                         "pick the algorithm of the key")
    certificate = entry.certificate or self_signed_certificate(entry.private_key, name, 365)
    stored = password or secrets.token_urlsafe(12)
    return Keystore(entry.alias or name, entry.private_key, certificate, Secret(stored), Secret(stored))


def _result(ctx: Context, known: Any, steps: dict[int, list[tuple[str, dict[str, Any]]]]) -> Markup:
    chain = known.chain
    made = [tag("li", tag("strong", STEP_NAMES[n]),
                tag("ul", *(tag("li", tag("code", table), " ", link(f"{BASE}/record/{table}/{record['sys_id']}",
                                                                      record.get("name") or record.get("user_name")
                                                                      or record["sys_id"]))
                            for table, record in steps[n])))
            for n in sorted(steps) if steps[n]]
    client = fields([("token URL", tag("code", f"{ctx.base_url}/oauth_token.do")),
                     ("client_id", tag("code", chain.client_id)), ("client_secret", "the one you chose (not shown)"),
                     ("kid", tag("code", chain.kid or "")), ("user (sub)", tag("code", chain.user)),
                     ("algorithm", chain.algorithm),
                     ("private key", tag("code", known.key_file) if known.key_file else
                      "the shared key stays in the instance and this console (not shown)")])
    return join([note("The chain is ready: every record was made through the Table and Attachment APIs.", "ok"),
                 section("What a client needs", client,
                         aside=link(f"{BASE}/debugger?chain={known.app_sys_id}", "Sign and check a JWT",
                                    class_="button small")),
                 section("What each step made", tag("ol", *made, class_="made"),
                         aside=link("/", "See the chain", class_="button small secondary"))])


def setup(ctx: Context) -> Response:
    values = ctx.request.form if ctx.request.method == "POST" else ctx.request.args
    intro = tag("p", "The setup article's four steps, made here through the Table and Attachment APIs by the "
                     "provisioner the CLI and the pytest plugin use.", class_="lead")
    if ctx.request.method != "POST":
        return ctx.html(page("Set up a chain", PATH, intro, _form(values), user=ctx.user))
    try:
        algorithm = values.get("algorithm", "RS256")
        if algorithm not in ALGORITHMS:
            raise ValueError(f"unknown algorithm {algorithm!r}")
        name = (values.get("name") or "").strip()
        if not name:
            raise ValueError("give the chain a name")
        clock_skew = int(values.get("clock_skew") or 300)
        variant = Variant(user_field=values.get("user_field", "email"), algorithm=algorithm,
                          jti_verification=values.get("jti_verification") == "true", clock_skew=clock_skew)
        keystore = _keystore(ctx, values, algorithm, name)
        steps: dict[int, list[tuple[str, dict[str, Any]]]] = {n: [] for n in STEP_NAMES}
        user = {"user_name": values.get("user_name", ""), "email": values.get("email", ""),
                "first_name": "JWT", "last_name": "Integration", "name": values.get("user_name", "")}
        with ctx.session() as session:
            provisioner = Provisioner(TableClient(session, ctx.base_url), name, lambda _alg: keystore,  # type: ignore
                                      on_step=lambda n, table, record: steps[n].append((table, dict(record))))
            chain = provisioner.provision(variant, name=name, user=user,
                                          client_secret=values.get("client_secret") or None)
    except (ValueError, KeyMaterialError, ProvisioningError, requests.RequestException) as e:
        return ctx.html(page("Set up a chain", PATH, intro, _form(values, f"Nothing was created: {e}"),
                             user=ctx.user), status=400)
    known = ctx.keyring.add(chain, name, ctx.keyring.write_key(chain))
    return ctx.html(page("Chain created", PATH, _result(ctx, known, steps), user=ctx.user))
