"""The console's pages without a browser: who may see them, what each shows, and what each form does."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from pathlib import Path

import pytest
import requests
from werkzeug.test import Client

from conftest import basic
from mock_instance import JWT_BEARER_GRANT_TYPE, MockInstance
from mock_instance.client import build_claims, make_keystore, sign
from tests.console.helpers import ADMIN, BASE, CHOSEN_SECRET, console, set_up
from tests.helpers import table_counts

PAGES = ["/", f"{BASE}/setup", f"{BASE}/debugger", f"{BASE}/requests", f"{BASE}/refusals", f"{BASE}/tokens",
         f"{BASE}/instance", f"{BASE}/live/requests"]


@pytest.fixture
def client(instance: MockInstance) -> Client:
    return console(instance)[1]


def exchange(client: Client, client_id: str, key: object, kid: str, sub: str, **claims: object) -> dict[str, object]:
    assertion = sign({**build_claims(client_id, sub), **claims}, key, "RS256", kid=kid)
    response = client.post("/oauth_token.do", data={"grant_type": JWT_BEARER_GRANT_TYPE, "client_id": client_id,
                                                    "client_secret": CHOSEN_SECRET, "assertion": assertion})
    return {"status": response.status_code, **(response.get_json() or {})}


@pytest.mark.parametrize("path", PAGES)
def test_every_page_asks_for_the_admins_basic_credentials(instance: MockInstance, client: Client, path: str) -> None:
    instance.insert("sys_user", {"user_name": "plain", "user_password": "pw"})
    anonymous = client.get(path)
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"] == 'Basic realm="snjwt-mock console", charset="UTF-8"'
    assert client.get(path, headers=basic("admin", "wrong")).status_code == 401
    assert client.get(path, headers=basic("plain", "pw")).status_code == 403
    response = client.get(path, headers=ADMIN)
    assert response.status_code == 200 and response.mimetype == "text/html"


def test_each_view_loads(instance: MockInstance, client: Client) -> None:
    headings = {"/": "JWT chains", f"{BASE}/setup": "Set up a chain", f"{BASE}/debugger": "JWT debugger",
                f"{BASE}/requests": "Requests", f"{BASE}/refusals": "Refusals", f"{BASE}/tokens": "Tokens",
                f"{BASE}/instance": "Instance"}
    for path, heading in headings.items():
        text = client.get(path, headers=ADMIN).get_data(as_text=True)
        assert f"<h1>{heading}</h1>" in text, path
        assert 'href="/snjwt-mock/console/static/console.css"' in text  # root-relative links only
    assert "No JWT chain on this instance yet" in client.get("/", headers=ADMIN).get_data(as_text=True)
    assert client.get(f"{BASE}/static/console.css").status_code == 200
    assert client.get(f"{BASE}/static/console.js").mimetype == "text/javascript"
    assert client.get(f"{BASE}/static/nosuch.css").status_code == 404
    assert client.get(f"{BASE}/nosuch", headers=ADMIN).status_code == 404
    assert client.get("/favicon.ico").status_code == 204 and instance.requests == []  # not the instance's request


def test_the_instance_is_served_beside_the_console(instance: MockInstance, client: Client) -> None:
    assert client.get("/api/now/table/incident", headers=ADMIN).status_code == 200
    assert client.get("/snjwt-mock/clock", headers=ADMIN).get_json()["result"]["frozen"] is False
    assert [r.path for r in instance.requests] == ["/api/now/table/incident", "/snjwt-mock/clock"]


@pytest.mark.parametrize("headers", [{"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}])
def test_a_form_posted_from_another_site_is_refused(instance: MockInstance, client: Client,
                                                    headers: dict[str, str]) -> None:
    before = table_counts(instance)
    response = client.post(f"{BASE}/instance", data={"action": "freeze"}, headers={**ADMIN, **headers})
    assert response.status_code == 403 and "Cross-site request refused" in response.get_data(as_text=True)
    assert set_up(client).status_code == 200  # the same form from the console itself works
    instance.reset()
    response = client.post(f"{BASE}/setup", data={"name": "x"}, headers={**ADMIN, **headers})
    assert response.status_code == 403 and table_counts(instance) == before and not instance.clock.frozen


def test_the_setup_flow_creates_a_working_chain(instance: MockInstance, client: Client) -> None:
    response = set_up(client)
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "The chain is ready" in text
    client_id = re.search(r"client_id</dt><dd><code>(\w+)</code>", text).group(1)  # type: ignore[union-attr]
    kid = re.search(r"kid</dt><dd><code>(\w+)</code>", text).group(1)  # type: ignore[union-attr]
    key_file = Path(re.search(r"private key</dt><dd><code>([^<]+)</code>", text).group(1))  # type: ignore[union-attr]
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    for step in ("Step 1 · System Definition &gt; Certificates", "Step 2 · System OAuth &gt; JWT Keys",
                 "Step 3 · System OAuth &gt; JWT Providers", "Step 4 · System OAuth &gt; Application Registry"):
        assert step in text
    from mock_instance import load_private_key

    key = load_private_key(key_file.read_bytes()).private_key
    token = exchange(client, client_id, key, kid, "jwt.integration@example.com")
    assert token["status"] == 200 and token["token_type"] == "Bearer"
    # Made through the Table and Attachment APIs, as the admin: the request log shows each call.
    made = [r for r in instance.requests if r.method in ("POST", "PATCH")]
    assert {r.path for r in made} >= {"/api/now/table/sys_certificate", "/api/now/attachment/file",
                                      "/api/now/table/jwt_keystore_aliases", "/api/now/table/jwt_provider",
                                      "/api/now/table/oauth_jwt", "/api/now/table/jwt_verifier_map",
                                      "/api/now/table/sys_user"}
    assert all(r.caller == "admin" for r in made if r.path.startswith("/api/"))
    overview = client.get("/", headers=ADMIN).get_data(as_text=True)
    assert "acme app" in overview and "ready" in overview and "Sign and check a JWT" in overview


def test_setup_from_an_uploaded_keystore_and_from_a_pem(instance: MockInstance, client: Client) -> None:
    keystore = make_keystore(alias="snclient", password="abcd1234")
    uploaded = set_up(client, key_source="keystore", key_password="abcd1234", name="upload",
                      key_file=(io.BytesIO(keystore.pkcs12), "snclient.keystore"))
    assert uploaded.status_code == 200, uploaded.get_data(as_text=True)
    text = uploaded.get_data(as_text=True)
    client_id = re.search(r"client_id</dt><dd><code>(\w+)</code>", text).group(1)  # type: ignore[union-attr]
    kid = re.search(r"kid</dt><dd><code>(\w+)</code>", text).group(1)  # type: ignore[union-attr]
    assert exchange(client, client_id, keystore.private_key, kid, "jwt.integration@example.com")["status"] == 200
    pem = set_up(client, key_source="pem", name="pem", user_name="pem.user", email="pem@example.com",
                 key_file=(io.BytesIO(make_keystore(algorithm="ES256").private_key_pem), "key.pem"),
                 algorithm="ES256")
    assert pem.status_code == 200, pem.get_data(as_text=True)


@pytest.mark.parametrize(("changes", "problem"), [
    ({"key_source": "keystore"}, "choose the file to upload"),
    ({"key_source": "keystore", "key_file": (io.BytesIO(b"junk"), "k.p12")}, "Nothing was created"),
    ({"key_source": "pem", "algorithm": "ES256",
      "key_file": (io.BytesIO(make_keystore().private_key_pem), "k.pem")}, "pick the algorithm of the key"),
    ({"algorithm": "XS256"}, "unknown algorithm"),
    ({"user_field": "nosuchcolumn"}, "Nothing was created"),
])
def test_a_bad_setup_creates_nothing(instance: MockInstance, client: Client, changes: dict[str, object],
                                     problem: str) -> None:
    before = table_counts(instance)
    response = set_up(client, **changes)
    assert response.status_code == 400 and problem in response.get_data(as_text=True)
    assert table_counts(instance) == before


def test_the_debugger_names_the_failing_check(instance: MockInstance, client: Client) -> None:
    set_up(client)
    site_chain = client.application.keyring.all()[0]  # type: ignore[attr-defined]
    chain = site_chain.chain
    before = table_counts(instance), dict(instance.platform.jtis)
    bad_aud = client.post(f"{BASE}/debugger", headers=ADMIN, data={
        "mode": "sign", "chain": site_chain.app_sys_id, "aud": "https://dev12345.service-now.com/oauth_token.do",
        "lifetime": "300"}).get_data(as_text=True)
    assert "Refused at step 7" in bad_aud and "aud_mismatch" in bad_aud and "set <code>aud</code> to the client id" in bad_aud
    other_key = sign(build_claims(chain.client_id, chain.user), make_keystore().private_key, "RS256", kid=chain.kid)
    wrong_key = client.post(f"{BASE}/debugger", headers=ADMIN, data={
        "mode": "paste", "assertion": other_key, "client_id": chain.client_id,
        "client_secret": CHOSEN_SECRET}).get_data(as_text=True)
    assert "Refused at step 6" in wrong_key and "signature_invalid" in wrong_key
    assert other_key not in wrong_key  # the assertion is not shown back
    signed_wrong = client.post(f"{BASE}/debugger", headers=ADMIN, data={
        "mode": "sign", "chain": site_chain.app_sys_id, "wrong_key": "true"}).get_data(as_text=True)
    assert "Refused at step 6" in signed_wrong
    good = client.post(f"{BASE}/debugger", headers=ADMIN, data={"mode": "sign", "chain": site_chain.app_sys_id})
    assert "Every check passed" in good.get_data(as_text=True)
    assert (table_counts(instance), dict(instance.platform.jtis)) == before and instance.refusals == []
    empty = client.post(f"{BASE}/debugger", headers=ADMIN, data={"mode": "paste", "assertion": " "})
    assert empty.status_code == 400 and "paste an assertion" in empty.get_data(as_text=True)


def test_a_revoked_token_is_refused(instance: MockInstance, client: Client, rsa_keystore: object) -> None:
    set_up(client)
    chain = client.application.keyring.all()[0].chain  # type: ignore[attr-defined]
    token = exchange(client, chain.client_id, chain.key, chain.kid, chain.user)["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/now/table/incident", headers=bearer).status_code == 200
    page = client.get(f"{BASE}/tokens", headers=ADMIN).get_data(as_text=True)
    assert f"<code>{token[:6]}…</code>" in page and token not in page  # type: ignore[index]
    sys_id = re.search(r'action="/snjwt-mock/console/tokens/(\w+)/revoke"', page).group(1)  # type: ignore[union-attr]
    revoked = client.post(f"{BASE}/tokens/{sys_id}/revoke", headers=ADMIN)
    assert revoked.status_code == 303 and revoked.headers["Location"] == f"{BASE}/tokens"
    assert client.get("/api/now/table/incident", headers=bearer).status_code == 401
    assert instance.refusals[-1].code == "access_token_expired"
    assert "expired or revoked" in client.get(f"{BASE}/tokens", headers=ADMIN).get_data(as_text=True)
    assert "access_token_expired" in client.get(f"{BASE}/refusals", headers=ADMIN).get_data(as_text=True)
    assert client.post(f"{BASE}/tokens/nosuch/revoke", headers=ADMIN).status_code == 404


def test_the_instance_controls(instance: MockInstance, client: Client) -> None:
    def post(**form: str) -> int:
        return client.post(f"{BASE}/instance", data=form, headers=ADMIN).status_code

    assert post(action="freeze") == 303 and instance.clock.frozen
    at = instance.clock.time()
    assert post(action="advance", seconds="3600") == 303 and instance.clock.time() == at + 3600
    assert post(action="unfreeze") == 303 and not instance.clock.frozen
    assert post(action="real_time") == 303
    def settings_form(**changes: str) -> dict[str, str]:
        """What the browser sends: every text and number field as shown, ticked boxes only."""
        from mock_instance.platform.settings import setting_text

        form = {f"s.{name}": setting_text(getattr(instance.settings, name)) for name in instance.settings.names()
                if not isinstance(getattr(instance.settings, name), bool | Mapping)}
        return {**form, **changes}

    assert post(action="settings", **settings_form(**{"s.check_iat": "true", "s.cleanup_interval": "60"})) == 303
    assert instance.settings.check_iat and instance.settings.cleanup_interval == 60
    assert not instance.settings.accept_aud_list  # an unticked box is false, as a browser sends it
    before = instance.settings
    assert post(action="settings", **settings_form(**{"s.cleanup_interval": "soon"})) == 400
    assert instance.settings == before
    assert post(action="save_snapshot", name="start") == 303
    saved = instance.platform.snapshots.list()[0]
    instance.insert("incident", {"short_description": "x"})
    assert post(action="restore", snapshot=saved.id) == 303 and instance.store.count("incident") == 0
    instance.inject_fault("unavailable", count=None)
    assert "unavailable" in client.get(f"{BASE}/instance", headers=ADMIN).get_data(as_text=True)
    assert post(action="clear_faults") == 303 and instance.faults == []
    assert post(action="delete_snapshot", snapshot=saved.id) == 303 and instance.platform.snapshots.list() == []
    assert post(action="restore", snapshot=saved.id) == 400
    instance.clock.freeze()
    assert post(action="reset") == 303 and not instance.clock.frozen and instance.settings.accept_aud_list
    done = client.get(f"{BASE}/instance?done=reset", headers=ADMIN).get_data(as_text=True)
    assert "back to its seeded state" in done
    assert "&lt;script" not in client.get(f"{BASE}/instance?done=<script>", headers=ADMIN).get_data(as_text=True)


def test_the_chain_view_flags_what_would_be_refused(instance: MockInstance, client: Client) -> None:
    set_up(client)
    chain = client.application.keyring.all()[0].chain  # type: ignore[attr-defined]
    assert "problem(s)" not in client.get("/", headers=ADMIN).get_data(as_text=True)
    instance.insert("jwt_keystore_aliases", {"name": "stray key", "kid": "no-such-map"})
    admin_role = instance.query("sys_user_role", "name=admin")[0]
    instance.insert("sys_user_has_role", {"user": chain.sys_ids["sys_user"], "role": admin_role["sys_id"]})
    instance.clock.advance(2 * 365 * 86400)
    text = client.get("/", headers=ADMIN).get_data(as_text=True)
    for code in ("certificate_expired", "user_is_admin", "kid_unknown"):
        assert f"#reason-{code}" in text, code
    assert "JWT keys in no chain" in text and "kid no-such-map has no JWT verifier map" in text
    assert "Granting JWT to admin is not allowed" in text


def test_record_pages_never_show_a_secret(instance: MockInstance, client: Client) -> None:
    set_up(client)
    chain = client.application.keyring.all()[0].chain  # type: ignore[attr-defined]
    token = exchange(client, chain.client_id, chain.key, chain.kid, chain.user)["access_token"]
    exchange(client, chain.client_id, chain.key, chain.kid, chain.user, aud="nope")
    app = client.get(f"{BASE}/record/oauth_jwt/{chain.sys_ids['oauth_jwt']}", headers=ADMIN).get_data(as_text=True)
    assert "client_secret" in app and '<span class="badge muted">set</span>' in app
    assert client.get(f"{BASE}/record/oauth_jwt/nosuch", headers=ADMIN).status_code == 404
    assert client.get(f"{BASE}/record/nosuch/x", headers=ADMIN).status_code == 404
    pages = [client.get(path, headers=ADMIN).get_data(as_text=True) for path in PAGES]
    pages += [client.get(f"{BASE}/record/{table}/{sys_id}", headers=ADMIN).get_data(as_text=True)
              for table, sys_id in [(t, s) for t in instance.store.tables() for s in
                                    (r["sys_id"] for r in instance.query(t))]]
    pages += [client.get(f"{BASE}/requests/{r.id}", headers=ADMIN).get_data(as_text=True) for r in instance.requests]
    shown = "\n".join(pages)
    shared_key = instance.store.get("jwt_verifier_map", chain.sys_ids["jwt_verifier_map"])["shared_key"].reveal()
    for secret in (CHOSEN_SECRET, token, shared_key, "abcd1234", "admin:admin"):
        assert secret not in shown
    assert "PRIVATE KEY" not in shown and "eyJ" not in shown


def test_served_by_snjwt_mock_serve_unless_turned_off() -> None:
    from tests.helpers import serving

    with serving() as (url, lines):
        assert any(line == f"snjwt-mock: console {url}/ (sign in as admin)" for line in lines)
        page = requests.get(f"{url}/", auth=("admin", "admin"))
        assert page.status_code == 200 and "<h1>JWT chains</h1>" in page.text
    with serving("--no-console") as (url, lines):
        assert not any("console" in line for line in lines)
        assert requests.get(f"{url}/", auth=("admin", "admin")).status_code == 404


def test_the_plugin_never_imports_the_console(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        import sys

        def test_uses_the_mock(snjwt_session):
            assert snjwt_session.get("/api/now/table/incident").status_code == 200
            assert "mock_instance.console" not in sys.modules
    """)



def test_the_readme_describes_every_view_and_ci_installs_the_browser() -> None:
    from mock_instance.console.html import NAV
    from tests.test_readme import README, ROOT

    section = README.split("### The console", 1)[1].split("\n## ", 1)[0]
    for _, label in NAV:
        assert f"- **{label}**" in section, label
    script = (ROOT / ".ci" / "run").read_text()
    assert "apt-get install -y -qq chromium chromium-driver" in script
