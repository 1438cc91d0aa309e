"""Preflight: one message naming the setting to fix, and no trust in a query the instance may ignore."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
import requests
import responses

from mock_instance import Interception, MockInstance
from mock_instance.client import make_keystore
from mock_instance.client.http import admin_session, token_session
from mock_instance.client.preflight import PreflightError, check_chain, preflight, reference
from tests.mock_instance.chain import build_chain
from tests.pytest_snjwt.standin import IgnoredFields

URL = "https://snjwt.test"


@pytest.fixture
def instance() -> Iterator[MockInstance]:
    instance = MockInstance()
    with instance.intercept(URL):
        yield instance


def add_user(instance: MockInstance, name: str, password: str, *roles: str) -> str:
    user = instance.insert("sys_user", {"user_name": name, "user_password": password, "email": f"{name}@x.test"})
    for role in roles:
        found = instance.query("sys_user_role", f"name={role}")
        role_id = found[0]["sys_id"] if found else instance.insert("sys_user_role", {"name": role})["sys_id"]
        instance.insert("sys_user_has_role", {"user": user["sys_id"], "role": role_id})
    return user["sys_id"]


def failure(session: requests.Session, url: str = URL) -> PreflightError:
    with pytest.raises(PreflightError) as caught:
        preflight(session, url)
    return caught.value


def test_an_admin_passes(instance: MockInstance) -> None:
    preflight(admin_session(URL, "admin", "admin"), URL)
    add_user(instance, "ops.admin", "ops-password-1", "admin")
    preflight(admin_session(URL, "ops.admin", "ops-password-1"), URL)
    plain = requests.Session()
    plain.auth = ("admin", "admin")
    preflight(plain, URL)  # a (user, password) tuple names the user too
    preflight(plain, URL, user="ops.admin")  # user= names who to check


def test_bad_credentials_name_both_variables(instance: MockInstance) -> None:
    error = failure(admin_session(URL, "admin", "wrong"))
    assert error.variables == ("SNJWT_ADMIN_USER", "SNJWT_ADMIN_PASSWORD")
    assert "HTTP 401" in str(error) and "SNJWT_ADMIN_USER and SNJWT_ADMIN_PASSWORD" in str(error)
    assert "wrong" not in str(error)


def test_a_user_without_the_admin_role(instance: MockInstance) -> None:
    add_user(instance, "itil.person", "itil-password-1", "itil")
    error = failure(admin_session(URL, "itil.person", "itil-password-1"))
    assert error.variables == ("SNJWT_ADMIN_USER",)
    assert "does not hold the 'admin' role" in str(error)


def test_unreachable_instance() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    url = f"http://127.0.0.1:{port}"
    error = failure(admin_session(url, "admin", "admin"), url)
    assert error.variables == ("SNJWT_INSTANCE",) and "cannot reach 127.0.0.1" in str(error)


def test_a_silent_instance_times_out() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        url = f"http://127.0.0.1:{server.getsockname()[1]}"
        error = failure(admin_session(url, "admin", "admin", read_timeout=0.2), url)
    assert error.variables == ("SNJWT_INSTANCE",) and "did not answer in time" in str(error)


def test_tls_that_does_not_verify() -> None:
    with MockInstance().serve(tls=True) as server:
        error = failure(admin_session(server.url, "admin", "admin"), server.url)
    assert error.variables == ("SNJWT_INSTANCE",) and "TLS verification" in str(error)
    assert "REQUESTS_CA_BUNDLE" in str(error)


@pytest.mark.parametrize("status", [200, 503])
def test_an_html_page_is_a_login_or_hibernation_page(status: int) -> None:
    with responses.RequestsMock() as mocked:
        mocked.get(f"{URL}/api/now/table/sys_user", status=status, body="<html>Your instance is hibernating</html>",
                   content_type="text/html")
        error = failure(admin_session(URL, "admin", "admin"))
    assert error.variables == ("SNJWT_INSTANCE",)
    assert f"an HTML page (HTTP {status}), not JSON" in str(error) and "hibernating" in str(error)


def test_a_redirect_to_a_login_host() -> None:
    with responses.RequestsMock() as mocked:
        mocked.get(f"{URL}/api/now/table/sys_user", status=302, headers={"Location": "https://sso.corp.test/saml"})
        error = failure(admin_session(URL, "admin", "admin"))
    assert error.variables == ("SNJWT_INSTANCE",) and "redirected to another host, sso.corp.test" in str(error)


def test_an_ignored_role_query_fails_closed() -> None:
    """Another admin's role rows come back for an ignored `user` condition: never read as ours."""
    instance = MockInstance()
    add_user(instance, "other.admin", "other-password-1", "admin")
    standin = IgnoredFields(instance, {("sys_user_has_role", "user")})
    with Interception(standin, URL):  # type: ignore[arg-type]
        error = failure(admin_session(URL, "admin", "admin"))
    assert "ignored the condition" in str(error) and error.variables == ("SNJWT_INSTANCE",)
    assert standin.seen[-1] == ("sys_user_has_role", "role.name=admin")


def test_a_non_admin_is_not_taken_for_an_admin_when_the_query_is_ignored() -> None:
    """The instance lets the user read roles but ignores `user=`: the admin's row must not count."""
    instance = MockInstance()
    admin_role = instance.query("sys_user_role", "name=admin")[0]["sys_id"]
    me = instance.insert("sys_user", {"user_name": "reader"})["sys_id"]
    admins_link = instance.query("sys_user_has_role", f"role={admin_role}")[0]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        mocked.get(f"{URL}/api/now/table/sys_user", json={"result": [{"sys_id": me, "user_name": "reader"}]})
        mocked.get(f"{URL}/api/now/table/sys_user_has_role",
                   json={"result": [{"user": admins_link["user"], "role": admin_role}]})
        mocked.get(f"{URL}/api/now/table/sys_user_role", json={"result": [{"sys_id": admin_role, "name": "admin"}]})
        error = failure(admin_session(URL, "reader", "pw"))
    assert "ignored the condition" in str(error)


def test_an_ignored_user_query_fails_closed() -> None:
    instance = MockInstance()
    add_user(instance, "someone.else", "pw-someone-1")
    standin = IgnoredFields(instance, {("sys_user", "user_name")})
    with Interception(standin, URL):  # type: ignore[arg-type]
        assert "sys_user rows came back that do not match" in str(failure(admin_session(URL, "admin", "admin")))


def test_json_that_is_not_the_table_api() -> None:
    with responses.RequestsMock() as mocked:
        mocked.get(f"{URL}/api/now/table/sys_user", json={"hello": "world"})
        error = failure(admin_session(URL, "admin", "admin"))
    assert "not a Table API list" in str(error)


def test_reference_values() -> None:
    assert reference({"link": "https://x/api/now/table/sys_user/1", "value": "1"}) == "1"
    assert reference("2") == "2" and reference("") == "" and reference(None) == ""


def test_a_pre_provisioned_chain(instance: MockInstance) -> None:
    chain = build_chain(instance, make_keystore())
    check_chain(token_session(URL), URL, chain.form())
    with pytest.raises(PreflightError) as caught:
        check_chain(token_session(URL), URL, chain.form(client_secret="Sentinel-wrong-secret"))
    message = str(caught.value)
    assert "refused the pre-provisioned chain: HTTP 401" in message and "System Log" in message
    for variable in ("SNJWT_CLIENT_ID", "SNJWT_KID", "SNJWT_KEY_FILE", "SNJWT_USER", "clock"):
        assert variable in message
    assert "Sentinel" not in message and chain.client_secret not in message
    assert "SNJWT_CLIENT_SECRET" in caught.value.variables
