"""Making keys and certificates: what keytool does, and the HTTPS server's throwaway certificate.

The client side's keystores, the demo and the HTTPS server's certificate
all make their key material here.
"""

from __future__ import annotations

import datetime
import ipaddress
from collections.abc import Iterable

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from .jose import EC_CURVES, PrivateKey, key_family
from .keystores import KeyEntry, remember_pkcs12

#: keytool's default RSA size for -keyalg RSA.
RSA_KEY_SIZE = 2048
#: keytool's default PBKDF2 iteration count for PKCS12 keystores (JDK 12+).
KEYTOOL_PBE_ITERATIONS = 10000


def generate_private_key(algorithm: str = "RS256") -> PrivateKey:
    """A fresh key for an RS* (RSA 2048) or ES* (the alg's curve) algorithm."""
    family = key_family(algorithm)
    if family == "RS":
        return rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_SIZE)
    if family == "ES":
        return ec.generate_private_key(EC_CURVES[algorithm.upper()]())
    raise ValueError("HS algorithms use the verifier map's shared key, not a key pair")


def self_signed_certificate(key: PrivateKey, common_name: str = "snclient", validity_days: int = 365, *,
                            not_before: datetime.datetime | None = None, hosts: Iterable[str] = (),
                            ca: bool = False) -> x509.Certificate:
    """A self-signed certificate, as ``keytool -genkey`` makes one; ``hosts`` become its SAN."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    start = not_before or datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(start + datetime.timedelta(days=validity_days))
    )
    names: list[x509.GeneralName] = []
    for host in dict.fromkeys(hosts):
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    if ca:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    return builder.sign(key, hashes.SHA256())


def pkcs12_keystore(alias: str, key: PrivateKey, certificate: x509.Certificate, password: str) -> bytes:
    """A PKCS12 keystore with keytool's own parameters: PBKDF2-SHA256, AES-256-CBC, 10,000 rounds."""
    encryption = (serialization.PrivateFormat.PKCS12.encryption_builder()
                  .kdf_rounds(KEYTOOL_PBE_ITERATIONS)
                  .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
                  .hmac_hash(hashes.SHA256())
                  .build(password.encode()))
    data = pkcs12.serialize_key_and_certificates(alias.encode(), key, certificate, None, encryption)
    # Reading it back in this process (the mock, handed this store) needs no PBKDF2 and no RSA key check.
    remember_pkcs12(data, password, KeyEntry(key, certificate, alias))
    return data


def private_key_pem(key: PrivateKey) -> bytes:
    """Unencrypted PKCS8 PEM."""
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())
