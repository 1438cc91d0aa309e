"""sys_certificate: the PEM is parsed on write, in every shape users paste it."""

from __future__ import annotations

import base64
import textwrap

import pytest

from mock_instance import MockInstance
from mock_instance.client import Keystore
from mock_instance.tables.errors import InvalidCertificate


def _body(keystore: Keystore) -> str:
    return "".join(keystore.certificate_pem.strip().splitlines()[1:-1])


def shapes(keystore: Keystore) -> dict[str, str]:
    body = _body(keystore)
    return {
        "wrapped": keystore.certificate_pem,
        "one line": f"-----BEGIN CERTIFICATE-----{body}-----END CERTIFICATE-----",
        "unwrapped lines": f"-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n",
        "crlf": keystore.certificate_pem.replace("\n", "\r\n"),
        "bare base64 DER": base64.b64encode(keystore.certificate_der).decode(),
        "bare base64 wrapped": "\n".join(textwrap.wrap(body, 64)),
    }


@pytest.mark.parametrize("shape", ["wrapped", "one line", "unwrapped lines", "crlf", "bare base64 DER",
                                   "bare base64 wrapped"])
def test_pem_shapes_fill_the_certificate_fields(instance: MockInstance, rsa_keystore: Keystore, shape: str) -> None:
    record = instance.insert("sys_certificate", {"name": "c", "pem_certificate": shapes(rsa_keystore)[shape]})
    cert = rsa_keystore.certificate
    assert record["subject"] == record["issuer"] == "CN=snclient"
    assert record["valid_from"] == cert.not_valid_before_utc.strftime("%Y-%m-%d %H:%M:%S")
    assert record["expires"] == cert.not_valid_after_utc.strftime("%Y-%m-%d %H:%M:%S")
    assert record["expires_in_days"] in ("364", "365")


@pytest.mark.parametrize(("shape", "warned"), [("wrapped", False), ("one line", True), ("unwrapped lines", True),
                                               ("bare base64 DER", False)])
def test_unwrapped_pem_writes_a_warning(instance: MockInstance, rsa_keystore: Keystore, shape: str,
                                        warned: bool) -> None:
    instance.insert("sys_certificate", {"name": "c", "pem_certificate": shapes(rsa_keystore)[shape]})
    warnings = [r["message"] for r in instance.query("syslog", "level=warning")]
    assert bool(warnings) is warned
    if warned:
        assert "64 columns" in warnings[0]


def test_unwrapped_pem_refused_when_the_setting_is_off(rsa_keystore: Keystore) -> None:
    instance = MockInstance(accept_unwrapped_pem=False)
    with pytest.raises(InvalidCertificate, match="64 columns"):
        instance.insert("sys_certificate", {"name": "c", "pem_certificate": shapes(rsa_keystore)["one line"]})
    assert instance.query("sys_certificate") == []


@pytest.mark.parametrize("junk", ["hello", "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----",
                                  "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
                                  base64.b64encode(b"not DER at all").decode()])
def test_not_a_certificate_is_refused_and_stores_nothing(instance: MockInstance, junk: str) -> None:
    with pytest.raises(InvalidCertificate):
        instance.insert("sys_certificate", {"name": "c", "pem_certificate": junk})
    assert instance.query("sys_certificate") == []


def test_update_with_junk_keeps_the_old_certificate(instance: MockInstance, rsa_keystore: Keystore) -> None:
    record = instance.insert("sys_certificate", {"name": "c", "pem_certificate": rsa_keystore.certificate_pem})
    with pytest.raises(InvalidCertificate):
        instance.update("sys_certificate", record["sys_id"], {"pem_certificate": "junk"})
    assert instance.get("sys_certificate", record["sys_id"])["pem_certificate"] == rsa_keystore.certificate_pem


def test_der_attachment_on_a_der_record_is_read(instance: MockInstance, rsa_keystore: Keystore) -> None:
    record = instance.insert("sys_certificate", {"name": "c", "format": "der"})
    assert record["subject"] == ""
    instance.attach("sys_certificate", record["sys_id"], "snclient.cer", rsa_keystore.certificate_der)
    assert instance.get("sys_certificate", record["sys_id"])["subject"] == "CN=snclient"


def test_junk_attachment_on_a_der_record_is_refused(instance: MockInstance) -> None:
    record = instance.insert("sys_certificate", {"name": "c", "format": "der"})
    with pytest.raises(InvalidCertificate):
        instance.attach("sys_certificate", record["sys_id"], "x.cer", b"\x00junk")
    assert instance.query("sys_attachment") == []


def test_keystore_attachment_is_opened_only_when_used(instance: MockInstance, rsa_keystore: Keystore) -> None:
    record = instance.insert("sys_certificate", {"name": "ks", "type": "pkcs12_key_store",
                                                 "key_store_password": "not yet known"})
    instance.attach("sys_certificate", record["sys_id"], "snclient.keystore", rsa_keystore.pkcs12)
    assert instance.get("sys_certificate", record["sys_id"])["subject"] == ""
    assert len(instance.query("sys_attachment")) == 1


def test_not_a_certificate_through_the_table_api(instance: MockInstance) -> None:
    from werkzeug.test import Client

    from conftest import basic

    client = Client(instance)
    response = client.post("/api/now/table/sys_certificate", json={"name": "c", "pem_certificate": "not a cert"},
                           headers=basic())
    assert response.status_code == 400
    body = response.get_json()
    assert body["status"] == "failure" and body["error"]["message"] == "Invalid certificate"
    assert "pem_certificate" in body["error"]["detail"]
    assert instance.query("sys_certificate") == []
