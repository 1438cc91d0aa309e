"""The other grants' fixtures (docs/platform.md §10), mock and live, through pytester."""

from __future__ import annotations

import json
import os

import pytest

from mock_instance.client import CLIENT_CREDENTIALS_PROPERTY, Keystore, Provisioner, TableClient, Variant

GRANT_TESTS = '''
import pytest, requests

def test_grant_app(snjwt_grant_app, snjwt_chain, snjwt_instance):
    assert snjwt_grant_app.user_name == snjwt_chain.user_name
    assert snjwt_grant_app.client_id != snjwt_chain.client_id
    assert "***" in repr(snjwt_grant_app) and snjwt_grant_app.client_secret.reveal() not in repr(snjwt_grant_app)

def test_password_token(snjwt_password_token, snjwt_instance, snjwt_grant_app, snjwt_chain):
    assert list(snjwt_password_token) == ["access_token", "refresh_token", "scope", "token_type", "expires_in"]
    created = requests.post(snjwt_instance.url + "/api/now/table/incident", json={},
                            headers={"Authorization": "Bearer " + snjwt_password_token["access_token"]})
    assert created.json()["result"]["sys_created_by"] == snjwt_chain.user_name
    refreshed = requests.post(snjwt_instance.token_url, data={
        "grant_type": "refresh_token", "refresh_token": snjwt_password_token["refresh_token"],
        "client_id": snjwt_grant_app.client_id, "client_secret": snjwt_grant_app.client_secret.reveal()})
    assert refreshed.json()["refresh_token"] == snjwt_password_token["refresh_token"]

def test_client_credentials_token(snjwt_client_credentials_token, snjwt_instance, snjwt_chain):
    assert list(snjwt_client_credentials_token) == ["access_token", "scope", "token_type", "expires_in"]
    created = requests.post(snjwt_instance.url + "/api/now/table/incident", json={},
                            headers={"Authorization": "Bearer " + snjwt_client_credentials_token["access_token"]})
    assert created.json()["result"]["sys_created_by"] == snjwt_chain.user_name

@pytest.mark.snjwt(algorithm="ES256")
def test_a_variant_has_its_own(snjwt_client_credentials, snjwt_chain):
    assert snjwt_client_credentials.user_name == snjwt_chain.user_name
'''


def test_grant_fixtures_on_the_mock(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_grants=GRANT_TESTS + '''
def test_client_credentials_are_off_without_the_fixture(snjwt_grant_app, snjwt_instance, snjwt_mock):
    # The property is in the base state only because another collected test asked for it.
    response = requests.post(snjwt_instance.token_url, data={"grant_type": "client_credentials",
        "client_id": snjwt_grant_app.client_id, "client_secret": snjwt_grant_app.client_secret.reveal()})
    assert response.status_code == 200

def test_a_fresh_mock_refuses_client_credentials(snjwt_mock, snjwt_instance):
    snjwt_mock.reset()
    response = requests.post(snjwt_instance.token_url, data={"grant_type": "client_credentials"})
    assert snjwt_mock.refusals[-1].code == "client_credentials_disabled"
''')
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=6)


def test_a_refused_password_grant_reports_the_reason(pytester: pytest.Pytester) -> None:
    pytester.makepyfile('''
        import pytest

        @pytest.mark.snjwt(locked_out=True)
        def test_refused(snjwt_password_token):
            pass
    ''')
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*the mock's reasons: user_locked_out: user 'snjwt-*' is locked out*"])


def test_grant_secrets_stay_out_of_reports(pytester: pytest.Pytester, tmp_path: object) -> None:
    pytester.makepyfile('''
        import json, os

        def test_leak(snjwt_grant_app, snjwt_password_token, snjwt_chain):
            with open(os.environ["SECRETS_OUT"], "w") as f:
                json.dump([snjwt_grant_app.client_secret.reveal(), snjwt_grant_app.user_password.reveal(),
                           snjwt_password_token["access_token"], snjwt_password_token["refresh_token"]], f)
            print(snjwt_grant_app, snjwt_password_token, snjwt_chain)
            assert snjwt_password_token == {}
    ''')
    out = os.path.join(str(tmp_path), "secrets.json")
    os.environ["SECRETS_OUT"] = out
    try:
        result = pytester.runpytest("-p", "no:cacheprovider", "-l", "-vv")
    finally:
        del os.environ["SECRETS_OUT"]
    result.assert_outcomes(failed=1)
    text = result.stdout.str() + result.stderr.str()
    with open(out) as f:
        for secret in json.load(f):
            assert secret not in text, f"a secret leaked: {secret[:6]}..."


# -- live ----------------------------------------------------------------------------------


def live_state(api: TableClient) -> dict[str, int]:
    return {table: len(api.query(table, "", "sys_id")) for table in ("oauth_entity", "oauth_credential", "sys_user",
                                                                     "sys_properties")}


def test_live_provisions_the_grants_and_cleans_up(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
                                                  live_url: str, admin_api: TableClient) -> None:
    before = live_state(admin_api)
    monkeypatch.setenv("SNJWT_ADMIN_USER", "admin")
    monkeypatch.setenv("SNJWT_ADMIN_PASSWORD", "admin")
    pytester.makepyfile(test_grants=GRANT_TESTS)
    result = pytester.runpytest("--snjwt-live", "--snjwt-instance", live_url, "-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)
    assert live_state(admin_api) == before  # the apps, users, tokens and the property are gone
    assert admin_api.query("sys_properties", f"name={CLIENT_CREDENTIALS_PROPERTY}", "sys_id") == []


def test_live_leaves_an_admin_s_property_alone(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
                                               live_url: str, admin_api: TableClient) -> None:
    row = admin_api.create("sys_properties", {"name": CLIENT_CREDENTIALS_PROPERTY, "value": "false"})
    try:
        monkeypatch.setenv("SNJWT_ADMIN_USER", "admin")
        monkeypatch.setenv("SNJWT_ADMIN_PASSWORD", "admin")
        pytester.makepyfile('''
            def test_cc(snjwt_client_credentials_token):
                pass
        ''')
        result = pytester.runpytest("--snjwt-live", "--snjwt-instance", live_url, "-p", "no:cacheprovider", "-rs")
        result.assert_outcomes(skipped=1)
        result.stdout.fnmatch_lines(["*turned client credentials off*"])  # "admin" is the password here: masked
        (kept,) = admin_api.query("sys_properties", f"name={CLIENT_CREDENTIALS_PROPERTY}", "sys_id,value")
        assert kept == {"sys_id": row["sys_id"], "value": "false"}
    finally:
        admin_api.delete("sys_properties", row["sys_id"])


def test_a_preprovisioned_chain_skips_the_grants(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
                                                 live_url: str, rsa_keystore: Keystore,
                                                 admin_api: TableClient) -> None:
    # A working chain: the preflight checks that it gets a token before any test runs.
    provisioner = Provisioner(admin_api, "pre-", lambda _alg: rsa_keystore)
    chain = provisioner.provision(Variant())
    key_file = pytester.path / "k.pem"
    key_file.write_bytes(rsa_keystore.private_key_pem)
    for name, value in {"SNJWT_CLIENT_ID": chain.client_id, "SNJWT_CLIENT_SECRET": chain.client_secret.reveal(),
                        "SNJWT_KEY_FILE": str(key_file), "SNJWT_KID": chain.kid or "", "SNJWT_USER": chain.user}.items():
        monkeypatch.setenv(name, value)
    pytester.makepyfile('''
        def test_password(snjwt_password_token):
            pass
    ''')
    result = pytester.runpytest("--snjwt-live", "--snjwt-instance", live_url, "-p", "no:cacheprovider", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*the other grants need an OAuth API endpoint app*"])
    assert provisioner.teardown() == []


def test_grant_fixtures_are_documented(pytester: pytest.Pytester) -> None:
    text = pytester.runpytest("--fixtures", "-p", "no:cacheprovider").stdout.str()
    for name in ("snjwt_grant_app", "snjwt_password_token", "snjwt_client_credentials",
                 "snjwt_client_credentials_token"):
        block = text.split(f"{name} -- ", 1)[1].split("\n\n", 1)[0]
        assert len(block.strip().splitlines()) >= 2, f"{name} has no docstring"
