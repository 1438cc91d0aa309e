"""The store: tables, defaults, generated values, inheritance, passwords, snapshots, threads."""

from __future__ import annotations

import re
import threading

import pytest

from mock_instance import ADMIN_SYS_ID, MockInstance, flag
from mock_instance.crypto.secret import Secret
from mock_instance.tables.errors import BadRequest, InvalidTable

HEX32 = re.compile(r"[0-9a-f]{32}")
DATETIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")


def test_seeded_admin(instance: MockInstance) -> None:
    admin = instance.get("sys_user", ADMIN_SYS_ID)
    assert admin is not None
    assert admin["user_name"] == "admin"
    assert admin["user_password"] == ""  # stored, never returned
    roles = instance.query("sys_user_has_role", f"user={ADMIN_SYS_ID}")
    assert [instance.get("sys_user_role", r["role"])["name"] for r in roles] == ["admin"]


def test_every_platform_table_exists(instance: MockInstance) -> None:
    expected = {"sys_user", "sys_user_role", "sys_user_has_role", "sys_certificate", "sys_attachment",
                "jwt_keystore_aliases", "jwt_provider", "jwt_claim_validation", "oauth_entity", "oauth_jwt",
                "jwt_verifier_map", "oauth_jwt_claim_validation", "oauth_credential", "syslog", "incident"}
    assert expected <= set(instance.store.tables())


def test_incident_has_exactly_the_spec_fields(instance: MockInstance) -> None:
    """docs/platform.md §12.1: incident's own columns; number, state, priority... are task's."""
    own = {f.name for f in instance.store.table("incident").fields}
    assert own == {"category", "subcategory", "incident_state", "severity", "close_code", "resolved_at", "notify",
                   "reopen_count", "child_incidents", "business_stc", "calendar_stc", "caller_id", "problem_id",
                   "resolved_by", "parent_incident", "rfc", "caused_by"}
    assert {"number", "short_description", "state", "priority", "opened_by"} <= set(instance.store.fields("incident"))


def test_system_fields_and_defaults(instance: MockInstance) -> None:
    record = instance.insert("sys_user", {"user_name": "abel"}, actor="admin")
    assert HEX32.fullmatch(record["sys_id"])
    assert DATETIME.fullmatch(record["sys_created_on"]) and record["sys_created_on"] == record["sys_updated_on"]
    assert (record["sys_created_by"], record["sys_mod_count"], record["sys_class_name"]) == ("admin", "0", "sys_user")
    assert (record["active"], record["locked_out"]) == ("true", "false")


def test_oauth_jwt_defaults_and_generated_values(instance: MockInstance) -> None:
    app = instance.insert("oauth_jwt", {"name": "app"})
    assert HEX32.fullmatch(app["client_id"])
    assert app["client_secret"] == ""  # generated, but never shown
    assert instance.store.get("oauth_jwt", app["sys_id"])["client_secret"].reveal() != ""
    assert (app["user_field"], app["enable_jti_verification"], app["clock_skew"], app["jti_claim"]) == (
        "email", "true", "300", "jti")
    assert (app["active"], app["public_client"], app["access_token_lifespan"], app["type"]) == (
        "true", "false", "1800", "client")


def test_verifier_map_kid_and_shared_key_are_filled_when_blank(instance: MockInstance) -> None:
    vmap = instance.insert("jwt_verifier_map", {"name": "m"})
    assert HEX32.fullmatch(vmap["kid"])
    assert instance.store.get("jwt_verifier_map", vmap["sys_id"])["shared_key"].reveal()
    given = instance.insert("jwt_verifier_map", {"name": "m2", "kid": "my-kid", "shared_key": "s3cret"})
    assert given["kid"] == "my-kid"
    assert instance.store.get("jwt_verifier_map", given["sys_id"])["shared_key"].matches("s3cret")


def test_given_client_secret_is_kept(instance: MockInstance) -> None:
    app = instance.insert("oauth_jwt", {"name": "app", "client_secret": "chosen"})
    assert instance.store.get("oauth_entity", app["sys_id"])["client_secret"].matches("chosen")


def test_child_records_appear_in_parent_queries(instance: MockInstance) -> None:
    plain = instance.insert("oauth_entity", {"name": "plain"})
    jwt_app = instance.insert("oauth_jwt", {"name": "jwt"})
    parents = instance.query("oauth_entity")
    assert [(r["name"], r["sys_class_name"]) for r in parents] == [("plain", "oauth_entity"), ("jwt", "oauth_jwt")]
    assert [r["name"] for r in instance.query("oauth_jwt")] == ["jwt"]
    assert instance.get("oauth_jwt", plain["sys_id"]) is None
    assert instance.get("oauth_entity", jwt_app["sys_id"])["sys_class_name"] == "oauth_jwt"


def test_incident_numbers_count_up(instance: MockInstance) -> None:
    numbers = [instance.insert("incident", {})["number"] for _ in range(3)]
    assert numbers == ["INC0010001", "INC0010002", "INC0010003"]


@pytest.mark.parametrize(("given", "stored"), [(2, "2"), (True, "true"), (False, "false"), (None, ""),
                                               (1.5, "1.5"), ({"value": "abc"}, "abc"), ([1, 2], "[1,2]")])
def test_json_values_are_stored_as_strings(instance: MockInstance, given: object, stored: str) -> None:
    assert instance.insert("incident", {"short_description": given})["short_description"] == stored


def test_update_counts_and_stamps(instance: MockInstance) -> None:
    record = instance.insert("incident", {"short_description": "a"})
    instance.clock.advance(5)
    updated = instance.update("incident", record["sys_id"], {"short_description": "b", "sys_created_by": "x",
                                                              "bogus": 1}, actor="abel")
    assert (updated["short_description"], updated["sys_mod_count"], updated["sys_updated_by"]) == ("b", "1", "abel")
    assert updated["sys_created_by"] == "admin"
    assert updated["sys_updated_on"] > updated["sys_created_on"]
    assert "bogus" not in updated


def test_client_supplied_sys_id(instance: MockInstance) -> None:
    sys_id = "0" * 31 + "1"
    assert instance.insert("incident", {"sys_id": sys_id})["sys_id"] == sys_id
    with pytest.raises(BadRequest):
        instance.insert("incident", {"sys_id": sys_id})
    with pytest.raises(BadRequest):
        instance.insert("incident", {"sys_id": "not-a-sys-id"})
    assert instance.store.count("incident") == 1


def test_unknown_table(instance: MockInstance) -> None:
    with pytest.raises(InvalidTable):
        instance.insert("nope", {})


def test_register_table_and_seed_records(instance: MockInstance) -> None:
    instance.register_table("u_widget", ["u_name", flag("u_shiny", True)])
    instance.insert("u_widget", {"u_name": "gear"})
    assert [(w["u_name"], w["u_shiny"]) for w in instance.query("u_widget")] == [("gear", "true")]
    with pytest.raises(ValueError, match="already exists"):
        instance.register_table("u_widget", ["u_name"])
    with pytest.raises(ValueError, match="reserved"):
        instance.register_table("u_bad", ["sys_id"])


def test_reset_returns_to_seeded_state(instance: MockInstance) -> None:
    instance.register_table("u_widget", ["u_name"])
    instance.insert("u_widget", {"u_name": "gear"})
    instance.insert("incident", {})
    instance.configure(accept_pysnc_header=True)
    instance.clock.advance(3600)
    instance.reset()
    assert instance.query("u_widget") == [] and instance.query("incident") == []
    assert [u["user_name"] for u in instance.query("sys_user")] == ["admin"]
    assert instance.settings.accept_pysnc_header is False
    assert not instance.clock.frozen
    assert instance.insert("incident", {})["number"] == "INC0010001"


def test_snapshot_and_restore(instance: MockInstance) -> None:
    instance.insert("incident", {"short_description": "kept"})
    state = instance.snapshot()
    instance.insert("incident", {"short_description": "dropped"})
    instance.restore(state)
    assert [i["short_description"] for i in instance.query("incident")] == ["kept"]
    # the index follows the restored rows
    assert len(instance.store.find("sys_user", "user_name", "admin")) == 1


def test_secrets_are_masked_everywhere(instance: MockInstance) -> None:
    app = instance.insert("oauth_jwt", {"name": "app", "client_secret": "hunter2"})
    raw = instance.store.get("oauth_jwt", app["sys_id"])
    assert "hunter2" not in repr(raw) and "hunter2" not in str(raw) and "hunter2" not in f"{raw}"
    assert isinstance(raw["client_secret"], Secret)


def test_user_password_is_hashed(instance: MockInstance) -> None:
    user = instance.insert("sys_user", {"user_name": "abel", "user_password": "pw"})
    stored = instance.store.get("sys_user", user["sys_id"])["user_password"]
    assert stored.matches("pw") and not stored.matches("PW")
    assert "pw" not in stored.reveal()


def test_concurrent_inserts_are_safe(instance: MockInstance) -> None:
    def work() -> None:
        for _ in range(50):
            instance.insert("incident", {})

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    numbers = [i["number"] for i in instance.query("incident")]
    assert len(numbers) == 400 == len(set(numbers))


def test_delete_removes_attachments(instance: MockInstance) -> None:
    incident = instance.insert("incident", {})
    attachment = instance.attach("incident", incident["sys_id"], "a.txt", b"hello")
    assert instance.delete("incident", incident["sys_id"])
    assert instance.get("sys_attachment", attachment["sys_id"]) is None
    assert instance.store.file(attachment["sys_id"]) is None
    assert not instance.delete("incident", incident["sys_id"])


@pytest.mark.parametrize(("text", "epoch"), [("2026-11-28 05:00:00", 1795842000.0), ("1970-01-01 00:00:00", 0.0)])
def test_parse_glide(text: str, epoch: float) -> None:
    from mock_instance.tables.clock import format_glide, parse_glide

    assert parse_glide(text) == epoch and format_glide(epoch) == text


@pytest.mark.parametrize("text", ["", "2026-13-01 00:00:00", "2026-02-30 00:00:00", "2026-11-28T05:00:00",
                                  "2026-11-28 05:00", "abcd-ef-gh ij:kl:mn", "2026-11-28 24:00:00"])
def test_parse_glide_refuses_what_is_not_a_date(text: str) -> None:
    from mock_instance.tables.clock import parse_glide

    assert parse_glide(text) is None
