"""keytool's jobs in Python: key pairs, self-signed certificates, PKCS12/JKS, PEM export.

:func:`make_keystore` makes what the setup article's ``keytool -genkey -alias
snclient -keyalg RSA -validity 365 -keystore snclient.keystore -storepass
abcd1234 -keypass abcd1234`` makes (a PKCS12 keystore, keytool's default
since Java 9), and exports the certificate as ``keytool -exportcert`` (DER)
and ``openssl x509 -inform der`` (PEM) do. Nothing is committed: keys are made
fresh for each run.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from ..crypto.certs import generate_private_key, pkcs12_keystore, private_key_pem, self_signed_certificate
from ..crypto.jose import PrivateKey
from ..crypto.keystores import MissingExtraError
from ..crypto.secret import Secret

_DEFAULT_PASSWORD = "abcd1234"


@dataclass(frozen=True, repr=False)
class Keystore:
    """A key pair with its certificate and passwords; every printable form is masked.

    ``pkcs12`` is the keystore file's bytes, ``private_key_pem`` the client's
    signing key, ``certificate_pem`` what goes into ``sys_certificate``.
    """

    alias: str
    private_key: PrivateKey = field(compare=False)
    certificate: x509.Certificate
    store_password: Secret = field(compare=False)
    key_password: Secret = field(compare=False)

    @property
    def algorithm_family(self) -> str:
        return "ES" if isinstance(self.private_key, ec.EllipticCurvePrivateKey) else "RS"

    @cached_property
    def pkcs12(self) -> bytes:
        """The keystore as keytool writes it by default (PKCS12), one password for store and key.

        AES-256 with PBKDF2-SHA256 at 10,000 rounds: keytool's own defaults.
        """
        return pkcs12_keystore(self.alias, self.private_key, self.certificate, self.store_password.reveal())

    @cached_property
    def private_key_pem(self) -> bytes:
        """The private key as unencrypted PKCS8 PEM (what a client signs with)."""
        return private_key_pem(self.private_key)

    @cached_property
    def certificate_pem(self) -> str:
        """``openssl x509 -inform der -in snclient.cer -out certificate.pem``."""
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()

    @cached_property
    def certificate_der(self) -> bytes:
        """``keytool -exportcert -alias snclient ... -file snclient.cer``."""
        return self.certificate.public_bytes(serialization.Encoding.DER)

    def jks(self) -> bytes:
        """The keystore as ``keytool -storetype JKS`` writes it (needs the ``jks`` extra)."""
        try:
            import jks  # type: ignore[import-untyped]
        except ImportError:
            raise MissingExtraError(
                "writing a JKS keystore needs the optional pyjks package: pip install 'pytest-snjwt[jks]'"
            ) from None
        pkcs8 = self.private_key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption())
        entry = jks.PrivateKeyEntry.new(self.alias, [self.certificate_der], pkcs8, "pkcs8")
        entry.encrypt(self.key_password.reveal())
        return jks.KeyStore.new("jks", [entry]).saves(self.store_password.reveal())

    def __repr__(self) -> str:
        return (f"Keystore(alias={self.alias!r}, key={self.algorithm_family}, "
                f"subject={self.certificate.subject.rfc4514_string()!r}, passwords=***, private_key=***)")


def load_or_make_keystore(folder: Path | None, **options: Any) -> Keystore:
    """:func:`make_keystore`, reusing a key pair saved in ``folder`` by an earlier run.

    RSA key generation costs ~100 ms; pytest's cache folder (``.pytest_cache``,
    which pytest itself keeps out of git) saves it on every later run. A saved
    pair is ignored when unreadable or when its certificate expires within 30 days.
    """
    if folder is None:
        return make_keystore(**options)
    key_path, cert_path = folder / "client-key.pem", folder / "client-cert.pem"
    try:
        # Our own file (0600, written below): the RSA consistency check costs more than the rest of set-up.
        key = serialization.load_pem_private_key(key_path.read_bytes(), None, unsafe_skip_rsa_key_validation=True)
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        fresh = cert.not_valid_after_utc - datetime.datetime.now(datetime.UTC) > datetime.timedelta(days=30)
        if fresh and isinstance(key, rsa.RSAPrivateKey) and cert.public_key() == key.public_key():
            password = options.get("password", _DEFAULT_PASSWORD)
            return Keystore(options.get("alias", "snclient"), key, cert, Secret(password), Secret(password))
    except (OSError, ValueError):
        pass
    keystore = make_keystore(**options)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        key_path.touch(mode=0o600)
        key_path.write_bytes(keystore.private_key_pem)
        cert_path.write_text(keystore.certificate_pem)
    except OSError:
        pass  # a read-only cache only costs the next run a new key
    return keystore


def make_keystore(alias: str = "snclient", algorithm: str = "RS256", password: str = _DEFAULT_PASSWORD,
                  key_password: str | None = None, validity_days: int = 365,
                  common_name: str | None = None) -> Keystore:
    """Make a key pair and self-signed certificate as the setup article's keytool command does."""
    key = generate_private_key(algorithm)
    cert = self_signed_certificate(key, common_name or alias, validity_days)
    return Keystore(alias, key, cert, Secret(password), Secret(key_password if key_password is not None else password))
