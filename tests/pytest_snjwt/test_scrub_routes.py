"""No secret of the run in any pytest output, whatever the options: each route driven with pytester.

Every run's whole output is searched for every secret the inner tests saw, and for any
FRAGMENT-long piece of one. A control run without the scrubber (``-p no:snjwt-scrub``)
shows the same tests do print them.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from mock_instance.client import make_keystore
from pytest_snjwt.scrub import FRAGMENT

ADMIN_USER = "ops-admin"
ADMIN_PASSWORD = "Sentinel-admin-password-51c2"
CLIENT_SECRET = "Sentinel-client-secret-7f3a9"
KEY_PASSWORD = "Sentinel-key-password-0b4"

CONFTEST = '''
import json, pytest

@pytest.fixture
def seen():
    """Write down secrets the test holds, for the outer test to search the output for."""
    def seen(*values):
        with open({out!r}, "a") as f:
            for value in values:
                f.write(json.dumps(value) + "\\n")
    return seen
'''

ROUTES = '''
import logging, os, warnings
import pytest, requests
from mock_instance import load_keystore, load_private_key

GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def test_basic_header_inside_requests():
    session = requests.Session()
    session.auth = (os.environ["SNJWT_ADMIN_USER"], os.environ["SNJWT_ADMIN_PASSWORD"])
    session.get("http://127.0.0.1:9/api/now/table/sys_user", timeout=5)  # fails deep in urllib3


def test_form_body_inside_requests(snjwt_chain, snjwt_jwt, seen):
    seen(snjwt_chain.client_secret.reveal(), str(snjwt_jwt))
    form = {"grant_type": GRANT, "client_id": snjwt_chain.client_id,
            "client_secret": snjwt_chain.client_secret.reveal(), "assertion": str(snjwt_jwt)}
    requests.post("http://127.0.0.1:9/oauth_token.do", data=form, timeout=5)


def test_token_dict_diff(snjwt_token, seen):
    seen(snjwt_token["access_token"])
    assert dict(snjwt_token) == {"access_token": "expected-other", "scope": "useraccount"}


def test_plain_token_dict_diff(snjwt_instance, snjwt_chain, snjwt_assertion, seen):
    form = {"grant_type": GRANT, "client_id": snjwt_chain.client_id,
            "client_secret": snjwt_chain.client_secret.reveal(), "assertion": snjwt_assertion()}
    body = requests.post(snjwt_instance.token_url, data=form).json()
    seen(body["access_token"], form["assertion"])
    assert body == {"access_token": "expected-other"}


def test_session_headers_diff(snjwt_session, snjwt_access_token, seen):
    seen(str(snjwt_access_token))
    assert snjwt_session.headers == {"Authorization": "Bearer expected-other"}


def test_private_key(snjwt_keystore, seen):
    pem = snjwt_keystore.private_key_pem
    seen(pem.decode(), snjwt_keystore.store_password.reveal())
    assert pem.decode() == "not this key"


def test_captured_output_and_log(snjwt_chain, snjwt_access_token, seen):
    seen(snjwt_chain.client_secret.reveal(), str(snjwt_access_token))
    print("stdout", snjwt_chain.client_secret.reveal())
    logging.getLogger("mine").warning("token %s", str(snjwt_access_token))
    assert False


def test_provisioning_traceback(snjwt_keystore, monkeypatch, seen):
    from mock_instance import MockInstance
    from mock_instance.client import Provisioner, ProvisioningError, TableClient, Variant

    instance = MockInstance(admin_password=os.environ["SNJWT_ADMIN_PASSWORD"])
    create = TableClient.create

    def failing(self, table, values):
        if table == "jwt_verifier_map":
            raise ProvisioningError("creating a jwt_verifier_map record failed with HTTP 500")
        return create(self, table, values)

    monkeypatch.setattr(TableClient, "create", failing)
    with instance.intercept("https://prod.test"):
        session = requests.Session()
        session.auth = ("admin", os.environ["SNJWT_ADMIN_PASSWORD"])
        provisioner = Provisioner(TableClient(session, "https://prod.test"), "leak-", lambda alg: snjwt_keystore)
        provisioner.provision(Variant())


def test_key_loading(seen):
    with open(os.environ["SNJWT_KEY_FILE"], "rb") as f:
        data = f.read()
    entry = load_private_key(data, os.environ["SNJWT_KEY_PASSWORD"])
    load_keystore(data, os.environ["SNJWT_KEY_PASSWORD"])  # a PEM is no keystore: raises


def test_skip_reason():
    pytest.skip("cannot use " + os.environ["SNJWT_ADMIN_PASSWORD"])


def test_warning():
    warnings.warn("leaky " + os.environ["SNJWT_CLIENT_SECRET"])


def test_fail_message():
    pytest.fail("secret " + os.environ["SNJWT_CLIENT_SECRET"], pytrace=False)


@pytest.fixture
def leaky_teardown():
    yield
    raise RuntimeError("teardown " + os.environ["SNJWT_ADMIN_PASSWORD"])


def test_teardown_error(leaky_teardown):
    pass
'''


@pytest.fixture
def secrets_env(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """The environment a live run would have, an encrypted key file, and the inner conftest."""
    keystore = make_keystore()
    key_file = tmp_path / "client-key.pem"
    key_file.write_bytes(keystore.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(KEY_PASSWORD.encode())))
    for name, value in {"SNJWT_ADMIN_USER": ADMIN_USER, "SNJWT_ADMIN_PASSWORD": ADMIN_PASSWORD,
                        "SNJWT_CLIENT_SECRET": CLIENT_SECRET, "SNJWT_KEY_PASSWORD": KEY_PASSWORD,
                        "SNJWT_KEY_FILE": str(key_file)}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SNJWT_LIVE", raising=False)
    pytester.makeconftest(CONFTEST.format(out=str(tmp_path / "seen.jsonl")))
    basic = base64.b64encode(f"{ADMIN_USER}:{ADMIN_PASSWORD}".encode()).decode()
    return [ADMIN_PASSWORD, basic, CLIENT_SECRET, KEY_PASSWORD, keystore.private_key_pem.decode(),
            repr(key_file.read_bytes())[2:-1], str(tmp_path / "seen.jsonl")]


def secrets_of(fixed: list[str]) -> list[str]:
    *values, seen = fixed
    path = Path(seen)
    lines = path.read_text().splitlines() if path.exists() else []
    path.unlink(missing_ok=True)
    return values + [json.loads(line) for line in lines]


def leaks(text: str, secrets: list[str]) -> list[str]:
    """Each secret of which FRAGMENT consecutive characters (or the whole, if shorter) appear in text,
    named by its position in ``secrets`` and first characters (never printed whole)."""
    names = [f"#{n} {secret[:6]}..." for n, secret in enumerate(secrets)]
    leaked = {names[n] for n, secret in enumerate(secrets) if len(secret) < FRAGMENT and secret in text}
    pieces = {secret[i:i + FRAGMENT]: names[n] for n, secret in enumerate(secrets)
              for i in range(len(secret) - FRAGMENT + 1)}
    leaked |= {pieces[text[i:i + FRAGMENT]] for i in range(len(text) - FRAGMENT + 1) if text[i:i + FRAGMENT] in pieces}
    return sorted(leaked)


def output(result: pytest.RunResult) -> str:
    return result.stdout.str() + "\n" + result.stderr.str()


@pytest.mark.parametrize("options", [
    ["-l"], ["--showlocals"], ["-vv"], ["--full-trace"], ["--tb=native"], ["--tb=line", "-rA"],
    ["-l", "-vv", "--tb=long", "-rA", "--full-trace"],
], ids=" ".join)
def test_every_route_of_a_test_report(pytester: pytest.Pytester, secrets_env: list[str], options: list[str]) -> None:
    pytester.makepyfile(test_routes=ROUTES)
    result = pytester.runpytest("-p", "no:cacheprovider", "-W", "always", *options)
    result.assert_outcomes(failed=10, passed=2, skipped=1, errors=1, warnings=1)
    text = output(result)
    assert not leaks(text, secrets_of(secrets_env))
    assert "***" in text
    if "-l" in options or "--showlocals" in options:
        assert "'Authorization': 'Basic ***'" in text and "'client_secret': '***'" in text
        assert "client_secret = '***'" in text  # the Provisioner's own frame
    if "-vv" in options:
        assert "'access_token': '***'" in text and "'Authorization': 'Bearer ***'" in text
    if "-rA" in options:
        assert "stdout ***" in text and "token ***" in text  # captured output and log sections


def test_the_control_run_without_the_scrubber_does_leak(pytester: pytest.Pytester, secrets_env: list[str]) -> None:
    pytester.makepyfile(test_routes=ROUTES)
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:snjwt-scrub", "-l", "-vv", "-rA", "-W", "always")
    result.assert_outcomes(failed=10, passed=2, skipped=1, errors=1, warnings=1)
    secrets = secrets_of(secrets_env)
    leaked = {name.split()[0] for name in leaks(output(result), secrets)}
    # The admin password, its Basic form, the client secret, the key password and the key file all
    # show; so do the tokens and assertions the tests saw (the keystore's passwords stay masked).
    assert {"#0", "#1", "#2", "#3", "#5"} <= leaked and len(leaked) >= 10


def test_junitxml(pytester: pytest.Pytester, secrets_env: list[str], tmp_path: Path) -> None:
    pytester.makepyfile(test_routes=ROUTES)
    xml = tmp_path / "report.xml"
    result = pytester.runpytest("-p", "no:cacheprovider", "-W", "always", "-l", f"--junitxml={xml}",
                                "-o", "junit_logging=all")
    result.assert_outcomes(failed=10, passed=2, skipped=1, errors=1, warnings=1)
    text = xml.read_text()
    assert "stdout ***" in text
    assert not leaks(text, secrets_of(secrets_env))


def test_collection_errors(pytester: pytest.Pytester, secrets_env: list[str]) -> None:
    pytester.makepyfile(test_broken='''
        import os
        password = os.environ["SNJWT_ADMIN_PASSWORD"]
        raise ImportError("cannot import with " + password)
    ''')
    result = pytester.runpytest("-p", "no:cacheprovider", "-l", "--full-trace")
    result.assert_outcomes(errors=1)
    assert "cannot import with ***" in output(result)
    assert not leaks(output(result), secrets_of(secrets_env))


def test_internal_errors(pytester: pytest.Pytester, secrets_env: list[str]) -> None:
    pytester.makeconftest(pytester.path.joinpath("conftest.py").read_text() + '''
import os
def pytest_collection_modifyitems(items):
    password = os.environ["SNJWT_ADMIN_PASSWORD"]
    raise RuntimeError("hook failed")
''')
    pytester.makepyfile(test_one="def test_one(): pass")
    result = pytester.runpytest("-p", "no:cacheprovider", "-l", "--full-trace")
    assert result.ret == pytest.ExitCode.INTERNAL_ERROR
    assert "INTERNALERROR>" in output(result) and "password   = '***'" in output(result)
    assert not leaks(output(result), secrets_of(secrets_env))


def test_keyboard_interrupt_with_full_trace(pytester: pytest.Pytester, secrets_env: list[str]) -> None:
    pytester.makepyfile(test_interrupted='''
        import os

        def stop(password, token):
            raise KeyboardInterrupt

        def test_interrupted(snjwt_access_token, seen):
            seen(str(snjwt_access_token))
            stop(os.environ["SNJWT_ADMIN_PASSWORD"], str(snjwt_access_token))
    ''')
    # A subprocess: an in-process run re-raises the interrupt into this one.
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--full-trace")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    text = output(result)
    assert "password = '***'" in text
    assert not leaks(text, secrets_of(secrets_env))


def test_xdist_workers_scrub_before_sending(pytester: pytest.Pytester, secrets_env: list[str]) -> None:
    pytester.makepyfile(test_routes=ROUTES)
    result = pytester.runpytest("-p", "no:cacheprovider", "-W", "always", "-n", "1", "-l", "-vv", "-rA")
    result.assert_outcomes(failed=10, passed=2, skipped=1, errors=1, warnings=1)
    assert "'Authorization': 'Basic ***'" in output(result)
    assert not leaks(output(result), secrets_of(secrets_env))
