"""Every behaviour of docs/platform.md §9 is a setting with the spec's default."""

from __future__ import annotations

import base64
import dataclasses

import pytest
from werkzeug.test import Client

from mock_instance import MockInstance, RecordedReply, Settings
from mock_instance.client import Keystore
from mock_instance.platform.settings import Reply, parse_setting, setting_text

from .chain import Chain, build_chain


def test_defaults_are_the_spec_s() -> None:
    s = Settings()
    assert (s.accept_kidless_single_map, s.accept_aud_list, s.accept_token_url_aud) == (True, True, False)
    assert (s.user_lookup_case_sensitive, s.refuse_duplicate_users, s.refuse_admin_subjects) == (True, True, True)
    assert (s.accept_pysnc_header, s.accept_missing_jti) == (False, True)
    assert (s.check_iat, s.refuse_inactive_or_expired_certificate, s.allow_hs_with_certificate) == (False, True, False)
    assert (s.accept_unwrapped_pem, s.public_client_lookup_by_aud) == (True, True)
    assert (s.expiry_interval_default, s.upload_size_limit, s.rest_body_limit) == (3600, 1024 ** 3, 10 * 1024 ** 2)
    # docs/platform.md §9, changed in this revision: the user grants accept Basic and re-use live tokens;
    # jwt-bearer keeps its old defaults under new names.
    assert (s.accept_basic_client_auth, s.accept_basic_client_auth_client_credentials,
            s.accept_basic_client_auth_jwt_bearer) == (True, True, False)
    assert (s.reuse_live_access_token, s.reuse_live_access_token_jwt_bearer,
            s.reuse_live_access_token_client_credentials) == (True, False, False)
    assert (s.rotate_refresh_token, s.refresh_expires_previous_access_token, s.ropc_refuse_web_service_only_users,
            s.token_scope_from_app_mapping, s.authorize_returns_pending_code,
            s.revoke_expires_sibling_refresh_tokens, s.www_authenticate_bearer_on_bad_token) == (False,) * 7
    assert s.auth_code_lifespan_default == 60
    assert dict(s.revoke_responses) == {"known": Reply(200), "unknown": Reply(200)}
    assert dict(s.refusal_bodies) == {}
    assert (s.www_authenticate_bearer_on_bad_token, s.system_time_zone, s.strict_custom_sys_id) == (
        False, "America/Los_Angeles", False)
    assert (s.attachment_location_keeps_version, s.request_line_limit) == (True, 16384)
    assert s.request_line_refusal == RecordedReply(414, "text/html",
                                                   b"<html><body><h1>414 Request-URI Too Long</h1></body></html>")


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="unknown setting"):
        MockInstance(no_such_setting=True)
    with pytest.raises(TypeError, match="True or False"):
        MockInstance(check_iat="yes")
    with pytest.raises(TypeError, match="whole number"):
        Settings().replace(cleanup_interval=True)
    assert parse_setting("check-iat=on") == ("check_iat", True)
    assert parse_setting("cleanup_interval=60") == ("cleanup_interval", 60)
    with pytest.raises(ValueError):
        parse_setting("check_iat=maybe")


def test_every_setting_parses_from_the_command_line() -> None:
    samples = {"bool": "true", "int": "7", "str": "Europe/Paris", "Reply": "400,text/html,<html></html>"}
    for f in dataclasses.fields(Settings):
        value = samples.get(str(f.type), "{}")  # the reply mappings take a JSON object
        assert parse_setting(f"{f.name}={value}")[0] == f.name


def test_recorded_replies_parse_from_their_text() -> None:
    name, reply = parse_setting("request_line_refusal=400, text/html;charset=UTF-8,<html>a, b</html>")
    assert (name, reply) == ("request_line_refusal", RecordedReply(400, "text/html;charset=UTF-8", b"<html>a, b</html>"))
    text = setting_text(Settings().request_line_refusal)
    assert parse_setting(f"request_line_refusal={text}")[1] == Settings().request_line_refusal
    for bad in ("414", "414,text/html", "abc,text/html,x", "999,text/html,x", "400,,x"):
        with pytest.raises(ValueError, match="a recorded reply is <status>,<content type>,<body>"):
            parse_setting(f"request_line_refusal={bad}")


def test_text_settings_are_checked() -> None:
    assert parse_setting("system_time_zone= Asia/Tokyo ") == ("system_time_zone", "Asia/Tokyo")
    assert MockInstance(system_time_zone="UTC").settings.system_time_zone == "UTC"
    for bad in ("Mars/Olympus", "", "../etc"):
        with pytest.raises(ValueError, match="IANA time zone name"):
            parse_setting(f"system_time_zone={bad}")
        with pytest.raises(ValueError, match="IANA time zone name"):
            Settings().replace(system_time_zone=bad)
    with pytest.raises(TypeError, match="a string"):
        Settings().replace(system_time_zone=7)


def test_recorded_replies_are_checked() -> None:
    name, replies = parse_setting('refusal_bodies={"password_invalid": {"status": 400, '
                                  '"content_type": "application/json", "body": "{}"}}')
    assert (name, dict(replies)) == ("refusal_bodies", {"password_invalid": Reply(400, "application/json", b"{}")})
    assert dict(parse_setting('revoke_responses={"unknown": {"status": 404}}')[1]) == {
        "known": Reply(200), "unknown": Reply(404)}
    for bad in ('refusal_bodies={"no_such_reason": {"status": 400}}', 'revoke_responses={"known": {"status": 99}}',
                "refusal_bodies=[1]", 'refusal_bodies={"password_invalid": {"status": 401, "x": 1}}'):
        with pytest.raises(ValueError):
            parse_setting(bad)
    with pytest.raises(TypeError):
        Settings().replace(refusal_bodies={"password_invalid": "401"})


@pytest.fixture
def chain(instance: MockInstance, rsa_keystore: Keystore) -> Chain:
    return build_chain(instance, rsa_keystore)


def post(instance: MockInstance, form: dict[str, str], **kwargs: object) -> int:
    return Client(instance).post("/oauth_token.do", data=form, **kwargs).status_code


def test_aud_list(instance: MockInstance, chain: Chain) -> None:
    form = chain.form(chain.jwt(aud=["other", chain.client_id]))
    assert post(instance, form) == 200
    instance.configure(accept_aud_list=False)
    assert post(instance, chain.form(chain.jwt(aud=[chain.client_id]))) == 401


def test_token_url_as_aud(instance: MockInstance, chain: Chain) -> None:
    with instance.intercept("https://snjwt.test"):  # the instance's base URL, whatever the request's Host
        form = chain.form(chain.jwt(aud="https://snjwt.test/oauth_token.do"))
        assert post(instance, form) == 401
        instance.configure(accept_token_url_aud=True)
        assert post(instance, chain.form(chain.jwt(aud="https://snjwt.test/oauth_token.do"))) == 200


def test_case_insensitive_user_lookup(instance: MockInstance, chain: Chain) -> None:
    instance.configure(user_lookup_case_sensitive=False)
    assert post(instance, chain.form(chain.jwt(sub="ABEL@EXAMPLE.COM"))) == 200


def test_duplicate_users_allowed(instance: MockInstance, chain: Chain) -> None:
    instance.insert("sys_user", {"user_name": "twin", "email": chain.sub})
    assert post(instance, chain.form()) == 401
    instance.configure(refuse_duplicate_users=False)
    assert post(instance, chain.form()) == 200


def test_admin_subjects_allowed(instance: MockInstance, rsa_keystore: Keystore) -> None:
    chain = build_chain(instance, rsa_keystore, roles=["admin"])
    assert post(instance, chain.form()) == 401
    instance.configure(refuse_admin_subjects=False)
    assert post(instance, chain.form()) == 200


def test_pysnc_header(instance: MockInstance, chain: Chain) -> None:
    instance.configure(accept_pysnc_header=True)
    form = chain.form(assertion="")
    del form["assertion"]
    assert post(instance, form, headers={"Authentication": f"Bearer {chain.jwt()}"}) == 200


def test_basic_client_auth_for_jwt_bearer(instance: MockInstance, chain: Chain) -> None:
    instance.configure(accept_basic_client_auth_jwt_bearer=True)
    credentials = base64.b64encode(f"{chain.client_id}:{chain.client_secret}".encode()).decode()
    form = chain.form(client_id=None, client_secret=None)
    assert post(instance, form, headers={"Authorization": f"Basic {credentials}"}) == 200
    wrong = base64.b64encode(f"{chain.client_id}:nope".encode()).decode()
    assert post(instance, chain.form(client_id=None, client_secret=None), headers={"Authorization": f"Basic {wrong}"}) == 401
    assert instance.refusals[-1].code == "client_secret_invalid"


def test_missing_jti(instance: MockInstance, chain: Chain) -> None:
    assert post(instance, chain.form(chain.jwt(jti=None))) == 200
    instance.configure(accept_missing_jti=False)
    assert post(instance, chain.form(chain.jwt(jti=None))) == 401
    assert instance.refusals[-1].code == "jti_missing"


def test_check_iat(instance: MockInstance, chain: Chain) -> None:
    future = chain.form(chain.jwt(iat=instance.clock.time() + 3600))
    assert post(instance, future) == 200
    instance.configure(check_iat=True)
    assert post(instance, chain.form(chain.jwt(iat=instance.clock.time() + 3600))) == 401
    assert instance.refusals[-1].code == "iat_in_future"


def test_inactive_certificate_allowed(instance: MockInstance, chain: Chain) -> None:
    instance.update("sys_certificate", chain.cert["sys_id"], {"active": "false"})  # type: ignore[index]
    assert post(instance, chain.form()) == 401
    instance.configure(refuse_inactive_or_expired_certificate=False)
    assert post(instance, chain.form()) == 200


def test_hs_with_certificate(instance: MockInstance, chain: Chain) -> None:
    assert post(instance, chain.form(chain.jwt(algorithm="HS256"))) == 401
    instance.configure(allow_hs_with_certificate=True)
    assert post(instance, chain.form(chain.jwt(algorithm="HS256"))) == 200
    # still the shared key, never the certificate as a secret
    assert post(instance, chain.form(chain.jwt(algorithm="HS256", key=chain.keystore.certificate_pem))) == 401  # type: ignore[union-attr]
    assert instance.refusals[-1].code == "signature_invalid"


def test_reuse_live_access_token_for_jwt_bearer(instance: MockInstance, chain: Chain) -> None:
    instance.configure(reuse_live_access_token_jwt_bearer=True)
    instance.clock.freeze()
    client = Client(instance)
    first = client.post("/oauth_token.do", data=chain.form()).get_json()
    instance.clock.advance(100)
    second = client.post("/oauth_token.do", data=chain.form()).get_json()
    assert second["access_token"] == first["access_token"]
    assert second["expires_in"] == 1699
    assert instance.store.count("oauth_credential") == 1


def test_public_client_lookup_off(instance: MockInstance, rsa_keystore: Keystore) -> None:
    chain = build_chain(instance, rsa_keystore, public_client="true")
    instance.configure(public_client_lookup_by_aud=False)
    assert post(instance, chain.form(client_id=None, client_secret=None)) == 401
    assert instance.refusals[-1].code == "client_id_missing"


def test_public_client_lookup_finds_none_or_several(instance: MockInstance, rsa_keystore: Keystore) -> None:
    chain = build_chain(instance, rsa_keystore)  # not public
    assert post(instance, chain.form(client_id=None, client_secret=None)) == 401
    assert instance.refusals[-1].code == "public_client_not_found"
    a = build_chain(instance, rsa_keystore, public_client="true", user={"user_name": "a", "email": "a@x.com"})
    b = build_chain(instance, rsa_keystore, public_client="true", user={"user_name": "b", "email": "b@x.com"})
    both = a.form(a.jwt(aud=[a.client_id, b.client_id]), client_id=None, client_secret=None)
    assert post(instance, both) == 401
    assert instance.refusals[-1].code == "public_client_ambiguous"


def test_expiry_interval_default(instance: MockInstance) -> None:
    assert instance.insert("jwt_provider", {"name": "p"})["expiry_interval"] == "3600"
    instance.configure(expiry_interval_default=60)
    assert instance.insert("jwt_provider", {"name": "q"})["expiry_interval"] == "60"
