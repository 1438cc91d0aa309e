"""The plugin as users meet it, through pytester."""

from __future__ import annotations

import pytest

EVERY_FIXTURE = '''
import json, urllib.request, ssl
import jwt, pytest, requests

def test_instance(snjwt_instance):
    assert snjwt_instance.url == "https://snjwt.test" and not snjwt_instance.live
    assert snjwt_instance.token_url == "https://snjwt.test/oauth_token.do"
    assert snjwt_instance.mock is not None

def test_keystore(snjwt_keystore):
    assert snjwt_keystore.alias == "snclient" and snjwt_keystore.pkcs12
    assert b"BEGIN PRIVATE KEY" in snjwt_keystore.private_key_pem

def test_chain(snjwt_chain, snjwt_mock):
    assert snjwt_chain.user_field == "email" and snjwt_chain.user.endswith("@snjwt.invalid")
    app = snjwt_mock.get("oauth_jwt", snjwt_chain.sys_ids["oauth_jwt"])
    assert app["client_id"] == snjwt_chain.client_id

def test_jwt(snjwt_jwt, snjwt_chain):
    header = jwt.get_unverified_header(snjwt_jwt)
    claims = jwt.decode(snjwt_jwt, options={"verify_signature": False})
    assert header["kid"] == snjwt_chain.kid and claims["aud"] == claims["iss"] == snjwt_chain.client_id
    assert claims["sub"] == snjwt_chain.user and claims["jti"]

def test_assertion_factory(snjwt_assertion, snjwt_instance):
    bad = snjwt_assertion(aud="wrong", jti=None)
    claims = jwt.decode(bad, options={"verify_signature": False})
    assert claims["aud"] == "wrong" and "jti" not in claims
    response = requests.post(snjwt_instance.token_url, data={"grant_type": "x"})
    assert response.status_code == 401

def test_token(snjwt_token):
    assert list(snjwt_token) == ["access_token", "scope", "token_type", "expires_in"]
    assert snjwt_token["expires_in"] == 1799

def test_access_token(snjwt_access_token, snjwt_instance):
    assert isinstance(snjwt_access_token, str) and len(snjwt_access_token) == 86
    response = requests.get(snjwt_instance.url + "/api/now/table/incident",
                            headers={"Authorization": "Bearer " + snjwt_access_token})
    assert response.status_code == 200

def test_session(snjwt_session, snjwt_chain):
    created = snjwt_session.post("/api/now/table/incident", json={"short_description": "hi"})
    assert created.status_code == 201
    assert created.json()["result"]["sys_created_by"] == snjwt_chain.user_name
    assert snjwt_session.get("api/now/table/incident").json()["result"][0]["short_description"] == "hi"

def test_each_test_starts_clean(snjwt_session):
    assert snjwt_session.get("/api/now/table/incident").json()["result"] == []

def test_mock_clock(snjwt_mock, snjwt_assertion, snjwt_instance, snjwt_chain):
    snjwt_mock.clock.freeze()
    old = snjwt_assertion()
    snjwt_mock.clock.advance(3600)
    form = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "client_id": snjwt_chain.client_id,
            "client_secret": snjwt_chain.client_secret.reveal(), "assertion": old}
    assert requests.post(snjwt_instance.token_url, data=form).status_code == 401
    assert snjwt_mock.refusals[-1].code == "token_expired"

def test_server(snjwt_server, snjwt_jwt, snjwt_chain):
    form = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "client_id": snjwt_chain.client_id,
            "client_secret": snjwt_chain.client_secret.reveal(), "assertion": snjwt_jwt}
    context = ssl.create_default_context(cafile=snjwt_server.ca_file)
    request = urllib.request.Request(snjwt_server.token_url, data=urllib.parse.urlencode(form).encode())
    with urllib.request.urlopen(request, context=context) as response:
        assert json.load(response)["token_type"] == "Bearer"
'''


def test_every_fixture_with_no_configuration(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=EVERY_FIXTURE)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=11)
    result.stdout.fnmatch_lines(["snjwt: mock at https://snjwt.test"])


VARIANTS = '''
import jwt, pytest, requests

GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"

def exchange(instance, chain, assertion, secret=True):
    form = {"grant_type": GRANT, "client_id": chain.client_id, "assertion": assertion}
    if secret:
        form["client_secret"] = chain.client_secret.reveal()
    return requests.post(instance.token_url, data=form)

@pytest.mark.snjwt(user_field="user_name")
def test_user_field(snjwt_chain, snjwt_token):
    assert snjwt_chain.user == snjwt_chain.user_name

@pytest.mark.parametrize("algorithm", ["RS384", "RS512", "ES256", "ES384", "ES512", "HS256", "HS384", "HS512"])
def test_algorithms(algorithm, request):
    request.applymarker(pytest.mark.snjwt(algorithm=algorithm))
    chain = request.getfixturevalue("snjwt_chain")
    token = request.getfixturevalue("snjwt_token")
    assert chain.algorithm == algorithm and token["token_type"] == "Bearer"
    assert jwt.get_unverified_header(request.getfixturevalue("snjwt_jwt"))["alg"] == algorithm

@pytest.mark.snjwt(jti_verification=False)
def test_jti_off(snjwt_instance, snjwt_chain, snjwt_jwt):
    assert [exchange(snjwt_instance, snjwt_chain, snjwt_jwt).status_code for _ in range(2)] == [200, 200]

def test_jti_on(snjwt_instance, snjwt_chain, snjwt_jwt):
    assert [exchange(snjwt_instance, snjwt_chain, snjwt_jwt).status_code for _ in range(2)] == [200, 401]

@pytest.mark.snjwt(clock_skew=0)
def test_clock_skew(snjwt_instance, snjwt_chain, snjwt_assertion, snjwt_mock):
    snjwt_mock.clock.freeze()
    assert exchange(snjwt_instance, snjwt_chain, snjwt_assertion(exp=snjwt_mock.clock.time() - 1)).status_code == 401

@pytest.mark.snjwt(public_client=True)
def test_public_client(snjwt_instance, snjwt_chain, snjwt_jwt):
    assert exchange(snjwt_instance, snjwt_chain, snjwt_jwt, secret=False).status_code == 200

@pytest.mark.snjwt(access_token_lifespan=600)
def test_lifespan(snjwt_token):
    assert snjwt_token["expires_in"] == 599

@pytest.mark.parametrize(("variant", "code"), [({"active": False}, "user_inactive"),
                                               ({"locked_out": True}, "user_locked_out"),
                                               ({"roles": ["admin"]}, "user_is_admin")])
def test_refused_users(variant, code, request):
    request.applymarker(pytest.mark.snjwt(**variant))
    instance, chain = request.getfixturevalue("snjwt_instance"), request.getfixturevalue("snjwt_chain")
    assert exchange(instance, chain, request.getfixturevalue("snjwt_jwt")).status_code == 401
    assert instance.mock.refusals[-1].code == code

@pytest.mark.snjwt(roles=["itil"])
def test_roles(snjwt_session, snjwt_chain, snjwt_mock):
    assert snjwt_session.get("/api/now/table/incident").status_code == 200
    links = snjwt_mock.query("sys_user_has_role", "user=" + snjwt_chain.sys_ids["sys_user"])
    assert [snjwt_mock.get("sys_user_role", link["role"])["name"] for link in links] == ["itil"]

@pytest.mark.snjwt(nonsense=1)
def test_bad_marker(snjwt_chain):
    pass
'''


def test_marker_variants(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_variants=VARIANTS)
    result = pytester.runpytest("-p", "no:cacheprovider", "--strict-markers")
    result.assert_outcomes(passed=18, errors=1)
    assert "@pytest.mark.snjwt: unknown key(s) ['nonsense']; known: " in result.stdout.str()
    assert "During handling" not in result.stdout.str()


def test_fixtures_are_documented(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--fixtures", "-p", "no:cacheprovider")
    text = result.stdout.str()
    for name in ("snjwt_instance", "snjwt_mock", "snjwt_keystore", "snjwt_chain", "snjwt_assertion", "snjwt_jwt",
                 "snjwt_token", "snjwt_access_token", "snjwt_session", "snjwt_server"):
        assert name in text
        block = text.split(name, 1)[1].split("\n\n", 1)[0]
        assert len(block.strip().splitlines()) >= 2, f"{name} has no docstring"


def test_marker_is_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.snjwt(**variant)*"])


def test_plugin_can_be_disabled(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(snjwt_chain): pass")
    result = pytester.runpytest("-p", "no:snjwt")
    result.stdout.fnmatch_lines(["*fixture 'snjwt_chain' not found*"])
    assert "snjwt: mock" not in result.stdout.str()


def test_refusal_reason_in_the_report(pytester: pytest.Pytester) -> None:
    pytester.makepyfile('''
        import pytest

        @pytest.mark.snjwt(active=False)
        def test_refused(snjwt_token):
            pass
    ''')
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*- snjwt refusals -*", "user_inactive: user 'snjwt-*' is inactive"])
    result.stdout.fnmatch_lines(["*- snjwt requests -*", "POST /oauth_token.do -> 401 [[]user_inactive[]] (client_id *, * ms)"])


def test_the_schema_ini_key_loads_your_tables(pytester: pytest.Pytester) -> None:
    folder = pytester.mkdir("conf")
    (folder / "mine.json").write_text('''{"tables": [{"name": "u_widget", "fields": [{"name": "u_name"}],
        "choices": {"u_name": [["a", "Alpha"]]}}]}''')
    pytester.makeini("[pytest]\nsnjwt_schema = conf/mine.json\n")
    pytester.makepyfile('''
        def test_widget(snjwt_session, snjwt_mock):
            created = snjwt_session.post("/api/now/table/u_widget", json={"u_name": "a"})
            assert created.status_code == 201
            shown = snjwt_session.get("/api/now/table/u_widget?sysparm_display_value=true").json()["result"]
            assert [w["u_name"] for w in shown] == ["Alpha"]
    ''')
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["snjwt: mock at https://snjwt.test (schema */conf/mine.json)"])
    (folder / "mine.json").unlink()
    missing = pytester.runpytest("-p", "no:cacheprovider")
    missing.stderr.fnmatch_lines(["*snjwt_schema / SNJWT_SCHEMA '*conf/mine.json' is not a readable file*"])


def test_the_demo_data_ini_key(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nsnjwt_demo_data = true\n")
    pytester.makepyfile('''
        def test_demo(snjwt_session):
            users = snjwt_session.get("/api/now/table/sys_user?sysparm_query=user_nameSTARTSWITHsnjwt.demo.").json()
            assert len(users["result"]) == 5

        def test_still_there(snjwt_session):
            assert len(snjwt_session.get("/api/now/table/incident").json()["result"]) == 3
    ''')
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["snjwt: mock at https://snjwt.test (demo data)"])


def test_dropped_query_parts_in_the_report(pytester: pytest.Pytester) -> None:
    pytester.makepyfile('''
        def test_typo(snjwt_session):
            snjwt_session.post("/api/now/table/incident", json={"short_description": "one"})
            found = snjwt_session.get("/api/now/table/incident?sysparm_query=short_descripton=two").json()["result"]
            assert found == []
    ''')
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*- snjwt query warnings -*",
                                 "incident (Table API sysparm_query): dropped 'short_descripton=two': "
                                 "no field short_descripton on incident"])


def test_secrets_stay_out_of_reports(pytester: pytest.Pytester, tmp_path: object) -> None:
    pytester.makepyfile('''
        import json, os

        def test_leak(snjwt_chain, snjwt_token, snjwt_access_token, snjwt_keystore, snjwt_jwt, snjwt_session):
            # No local holds the clear values: -l would rightly print them.
            with open(os.environ["SECRETS_OUT"], "w") as f:
                json.dump([snjwt_chain.client_secret.reveal(), snjwt_token["access_token"], str(snjwt_access_token),
                           snjwt_keystore.store_password.reveal(),
                           snjwt_keystore.private_key_pem.decode().splitlines()[1], str(snjwt_jwt)], f)
            print(snjwt_chain, snjwt_token, repr(snjwt_access_token), snjwt_keystore, repr(snjwt_jwt), snjwt_session)
            assert snjwt_access_token == "something else"
    ''')
    import json
    import os

    out = os.path.join(str(tmp_path), "secrets.json")
    os.environ["SECRETS_OUT"] = out
    try:
        result = pytester.runpytest("-p", "no:cacheprovider", "-l", "-vv")
    finally:
        del os.environ["SECRETS_OUT"]
    result.assert_outcomes(failed=1)
    text = result.stdout.str() + result.stderr.str()
    with open(out) as f:
        secrets = json.load(f)
    for secret in secrets:
        assert secret not in text, f"a secret leaked: {secret[:6]}..."
    assert "AccessToken(" in text and "masks access tokens" in text


def test_no_import_time_work_for_tests_that_do_not_use_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile('''
        import sys
        import requests

        def test_untouched():
            heavy = {"mock_instance.instance", "mock_instance.web.app", "jwt", "werkzeug", "responses", "cryptography"}
            assert not heavy & set(sys.modules), heavy & set(sys.modules)
            assert requests.Session.get_adapter.__module__ == "requests.sessions"
    ''')
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize(("args", "env", "message"), [
    (["--snjwt-live"], {}, "needs the instance URL"),
    (["--snjwt-live", "--snjwt-instance", "https://dev1.service-now.com"], {},
     "missing: SNJWT_CLIENT_ID, SNJWT_CLIENT_SECRET, SNJWT_KEY_FILE, SNJWT_USER"),
    (["--snjwt-live", "--snjwt-instance", "https://dev1.service-now.com"], {"SNJWT_ADMIN_USER": "admin"},
     "SNJWT_ADMIN_USER is set but SNJWT_ADMIN_PASSWORD is missing"),
    (["--snjwt-instance", "ftp://x"], {}, "must be an http(s) URL"),
    (["--snjwt-live", "--snjwt-instance", "https://dev1.service-now.com"],
     {"SNJWT_CLIENT_ID": "c", "SNJWT_CLIENT_SECRET": "s", "SNJWT_KEY_FILE": "/nonexistent", "SNJWT_USER": "u"},
     "SNJWT_KEY_FILE '/nonexistent' is not a readable file"),
])
def test_bad_live_settings_stop_the_run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, args: list[str],
                                        env: dict[str, str], message: str) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert message in result.stderr.str()


def test_command_line_beats_environment_beats_ini(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makeini("[pytest]\nsnjwt_instance = https://from-ini.test\n")
    pytester.makepyfile("def test_x(snjwt_instance): print('URL', snjwt_instance.url)")
    assert "URL https://from-ini.test" in pytester.runpytest("-s").stdout.str()
    monkeypatch.setenv("SNJWT_INSTANCE", "https://from-env.test")
    assert "URL https://from-env.test" in pytester.runpytest("-s").stdout.str()
    assert "URL https://from-cli.test" in pytester.runpytest("-s", "--snjwt-instance",
                                                             "https://from-cli.test").stdout.str()


def test_runs_under_xdist(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=EVERY_FIXTURE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    result.assert_outcomes(passed=11)


def test_session_key_is_reused_from_pytest_s_cache(pytester: pytest.Pytester) -> None:
    pytester.makepyfile('''
        def test_key(snjwt_keystore, snjwt_token):
            print("CERT", snjwt_keystore.certificate.serial_number)
    ''')

    def serial(*args: str) -> str:
        result = pytester.runpytest("-s", *args)
        result.assert_outcomes(passed=1)
        return result.stdout.str().split("CERT ", 1)[1].split()[0]

    first = serial()
    assert serial() == first
    assert serial("--cache-clear") != first
    key_file = pytester.path / ".pytest_cache" / "d" / "snjwt" / "client-key.pem"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    (key_file.parent / "client-cert.pem").write_text("not a certificate")
    assert serial() != first  # an unreadable cache is replaced, never fatal
