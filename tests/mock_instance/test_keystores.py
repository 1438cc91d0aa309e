"""Reading what users bring: PEM, DER, PKCS12, JKS, including the real keytool's and openssl's output."""

from __future__ import annotations

import builtins
import shutil
import subprocess
from pathlib import Path

import pytest
from werkzeug.test import Client

from mock_instance import KeyMaterialError, MissingExtraError, MockInstance, load_certificate, load_keystore
from mock_instance.client import Keystore, make_keystore
from mock_instance.crypto.keystores import load_private_key

from .chain import build_chain

needs_keytool = pytest.mark.skipif(shutil.which("keytool") is None, reason="Java's keytool is not installed")
needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")

STOREPASS = "abcd1234"


def keytool(folder: Path, *args: str) -> None:
    subprocess.run(["keytool", *args], cwd=folder, check=True, capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def article_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The setup article's step 1, run with the real tools (PKCS12 by default, plus a JKS)."""
    if shutil.which("keytool") is None:
        pytest.skip("Java's keytool is not installed")
    folder = tmp_path_factory.mktemp("keytool")
    keytool(folder, "-genkey", "-alias", "snclient", "-keyalg", "RSA", "-validity", "365", "-keystore",
            "snclient.keystore", "-storepass", STOREPASS, "-keypass", STOREPASS, "-dname", "CN=snclient")
    keytool(folder, "-genkey", "-alias", "snclient", "-keyalg", "RSA", "-validity", "365", "-keystore",
            "snclient.jks", "-storetype", "JKS", "-storepass", STOREPASS, "-keypass", "keypass99",
            "-dname", "CN=snclient")
    keytool(folder, "-exportcert", "-alias", "snclient", "-keystore", "snclient.keystore", "-storepass", STOREPASS,
            "-file", "snclient.cer")
    if shutil.which("openssl"):
        subprocess.run(["openssl", "x509", "-inform", "der", "-in", "snclient.cer", "-out", "certificate.pem"],
                       cwd=folder, check=True, capture_output=True, timeout=60)
    return folder


@needs_keytool
def test_real_keytool_pkcs12(article_files: Path) -> None:
    entry = load_keystore((article_files / "snclient.keystore").read_bytes(), STOREPASS)
    assert entry.alias == "snclient" and entry.certificate is not None
    with pytest.raises(KeyMaterialError, match="wrong password"):
        load_keystore((article_files / "snclient.keystore").read_bytes(), "nope")


@needs_keytool
def test_real_keytool_jks_with_its_own_key_password(article_files: Path) -> None:
    data = (article_files / "snclient.jks").read_bytes()
    entry = load_keystore(data, STOREPASS, "keypass99")
    assert entry.alias == "snclient"
    with pytest.raises(KeyMaterialError, match="wrong key password"):
        load_keystore(data, STOREPASS, "wrong")


@needs_keytool
def test_real_keytool_der_certificate(article_files: Path) -> None:
    assert load_certificate((article_files / "snclient.cer").read_bytes()).certificate.subject.rfc4514_string() == \
        "CN=snclient"


@needs_keytool
@needs_openssl
def test_real_openssl_pem_in_sys_certificate(article_files: Path, instance: MockInstance) -> None:
    pem = (article_files / "certificate.pem").read_text()
    record = instance.insert("sys_certificate", {"name": "snclient", "pem_certificate": pem})
    assert record["subject"] == "CN=snclient"
    assert instance.query("syslog") == []  # properly wrapped: no warning


def point_map_at_keystore(instance: MockInstance, chain: object, data: bytes, kind: str, password: str) -> None:
    """A keystore record with its file attached, made the chain's verifier certificate."""
    cert = instance.insert("sys_certificate", {"name": "ks", "type": kind, "key_store_password": password})
    instance.attach("sys_certificate", cert["sys_id"], "snclient.keystore", data)
    instance.update("jwt_verifier_map", chain.vmap["sys_id"], {"sys_certificate": cert["sys_id"]})  # type: ignore[attr-defined]


@needs_keytool
@pytest.mark.parametrize(("file_name", "kind"), [("snclient.keystore", "pkcs12_key_store"), ("snclient.jks", "key_store")])
def test_keystore_record_as_the_verifier_certificate(article_files: Path, instance: MockInstance, file_name: str,
                                                     kind: str) -> None:
    """A verifier map may point at a keystore record: its certificate verifies."""
    data = (article_files / file_name).read_bytes()
    chain = build_chain(instance, make_keystore())
    point_map_at_keystore(instance, chain, data, kind, STOREPASS)
    key = load_keystore(data, STOREPASS, "keypass99").private_key
    response = Client(instance).post("/oauth_token.do", data=chain.form(chain.jwt(key=key)))
    assert response.status_code == 200, instance.refusals


def test_keystore_detected_by_bytes_whatever_the_type(instance: MockInstance) -> None:
    keystore = make_keystore()
    chain = build_chain(instance, keystore)
    # "Java Key Store" chosen in the form, but keytool wrote PKCS12: the bytes decide.
    point_map_at_keystore(instance, chain, keystore.pkcs12, "key_store", "abcd1234")
    assert Client(instance).post("/oauth_token.do", data=chain.form()).status_code == 200


def test_unreadable_keystore_is_a_refusal(instance: MockInstance) -> None:
    keystore = make_keystore()
    chain = build_chain(instance, keystore)
    point_map_at_keystore(instance, chain, keystore.pkcs12, "pkcs12_key_store", "wrong")
    assert Client(instance).post("/oauth_token.do", data=chain.form()).status_code == 401
    assert instance.refusals[-1].code == "certificate_unreadable"
    assert "wrong password" in instance.refusals[-1].sentence


def test_python_made_jks_round_trip(rsa_keystore: Keystore) -> None:
    entry = load_keystore(rsa_keystore.jks(), "abcd1234")
    assert entry.certificate == rsa_keystore.certificate


def test_jks_without_pyjks_names_the_extra(rsa_keystore: Keystore, monkeypatch: pytest.MonkeyPatch) -> None:
    data = rsa_keystore.jks()
    real_import = builtins.__import__

    def no_jks(name: str, *args: object, **kwargs: object) -> object:
        if name == "jks":
            raise ImportError("No module named 'jks'")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_jks)
    with pytest.raises(MissingExtraError, match=r"pytest-snjwt\[jks\]"):
        load_keystore(data, "abcd1234")


@pytest.mark.parametrize("form", ["pem", "pkcs12", "der_key", "jks"])
def test_client_key_files(rsa_keystore: Keystore, form: str) -> None:
    from cryptography.hazmat.primitives import serialization

    data = {
        "pem": rsa_keystore.private_key_pem,
        "pkcs12": rsa_keystore.pkcs12,
        "jks": rsa_keystore.jks(),
        "der_key": rsa_keystore.private_key.private_bytes(serialization.Encoding.DER,
                                                          serialization.PrivateFormat.PKCS8,
                                                          serialization.NoEncryption()),
    }[form]
    entry = load_private_key(data, "abcd1234")
    assert entry.private_key.public_key() == rsa_keystore.private_key.public_key()


def test_keystore_repr_hides_secrets(rsa_keystore: Keystore) -> None:
    shown = repr(rsa_keystore) + str(rsa_keystore)
    assert "abcd1234" not in shown and "PRIVATE KEY" not in shown


@pytest.mark.parametrize("junk", [b"", b"\x00\x01garbage", b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"])
def test_junk_key_files(junk: bytes) -> None:
    with pytest.raises(KeyMaterialError):
        load_private_key(junk, "x")
