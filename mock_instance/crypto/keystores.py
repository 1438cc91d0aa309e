"""Read certificates, keystores and private keys the way the instance does.

docs/platform.md §7: the instance must take what the setup article's real tools
produce: PEM (wrapped, unwrapped, on one line), DER (raw or base64), PKCS12
keystores (keytool's default since Java 9) and JKS keystores (``-storetype
JKS``; read through the optional ``pyjks`` package, extra ``jks``).
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from .jose import PrivateKey

#: RFC 7468 §2: PEM base64 lines are at most 64 characters.
PEM_LINE_LENGTH = 64
_PEM_CERT = re.compile(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", re.DOTALL)
JKS_MAGIC = b"\xfe\xed\xfe\xed"
JCEKS_MAGIC = b"\xce\xce\xce\xce"


class KeyMaterialError(ValueError):
    """The bytes are not the certificate, keystore or key they were meant to be."""


class MissingExtraError(KeyMaterialError):
    """Reading this needs an optional dependency."""


@dataclass(frozen=True)
class ParsedCertificate:
    """A certificate and how it was written."""

    certificate: x509.Certificate
    #: True when a PEM was not wrapped at 64 columns (one line, or long lines).
    unwrapped: bool = False


@dataclass(frozen=True)
class KeyEntry:
    """A private key with its certificate, from a keystore or a key file."""

    private_key: PrivateKey = field(repr=False)
    certificate: x509.Certificate | None
    alias: str | None = None


@functools.lru_cache(maxsize=256)
def load_certificate(data: bytes | str) -> ParsedCertificate:
    """Read a certificate: PEM (wrapped or not), base64 DER, or raw DER.

    Raises :class:`KeyMaterialError` with the reason when it is none of these.
    Cached by content: the token endpoint reads the same certificate on every
    exchange, and certificate objects are immutable.
    """
    if isinstance(data, bytes):
        if data.lstrip().startswith(b"-----BEGIN"):
            data = data.decode("ascii", errors="replace")
        else:
            try:
                return ParsedCertificate(x509.load_der_x509_certificate(data))
            except ValueError:
                try:
                    data = data.decode("ascii")
                except UnicodeDecodeError:
                    raise KeyMaterialError("not a DER certificate, and not text") from None
    text = data.strip()
    unwrapped = False
    if "-----BEGIN" in text:
        match = _PEM_CERT.search(text)
        if match is None:
            kind = re.search(r"-----BEGIN ([A-Z0-9 ]+)-----", text)
            found = kind.group(1) if kind else "malformed PEM"
            raise KeyMaterialError(f"expected a PEM CERTIFICATE block, found {found!r}")
        body = match.group(1)
        lines = [line for line in re.split(r"[\r\n]+", body.strip()) if line.strip()]
        unwrapped = len(lines) <= 1 and len(body.strip()) > PEM_LINE_LENGTH or any(
            len(line.strip()) > PEM_LINE_LENGTH for line in lines
        )
    else:
        body = text
    compact = re.sub(r"\s+", "", body)
    try:
        der = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise KeyMaterialError("the certificate text is not valid base64") from None
    try:
        return ParsedCertificate(x509.load_der_x509_certificate(der), unwrapped)
    except ValueError as e:
        raise KeyMaterialError(f"not an X.509 certificate: {e}") from e


def keystore_kind(data: bytes) -> str:
    """``jks``, ``jceks`` or ``pkcs12``, from the bytes whatever the record's type says."""
    if data.startswith(JKS_MAGIC):
        return "jks"
    if data.startswith(JCEKS_MAGIC):
        return "jceks"
    return "pkcs12"


def load_keystore(data: bytes, store_password: str | None, key_password: str | None = None,
                  alias: str | None = None) -> KeyEntry:
    """Open a PKCS12 or JKS keystore and return its (first, or named) private key entry.

    The store opens with ``store_password`` only; a JKS key then decrypts with
    ``key_password`` (keytool's ``-keypass``), or the store password when none is given.
    """
    kind = keystore_kind(data)
    if kind == "pkcs12":
        entry = _load_pkcs12(data, store_password)
        if alias is not None and entry.alias != alias:
            # cryptography reads one key entry of a PKCS12 store (keytool writes one per store by default).
            raise KeyMaterialError(f"the PKCS12 keystore has no key {alias!r}; it has {[entry.alias]}")
        return entry
    return _load_jks(data, store_password, key_password, alias)


def keystore_certificate(data: bytes, store_password: str | None) -> x509.Certificate:
    """The first key entry's certificate: what verifies, no private key password needed."""
    if keystore_kind(data) == "pkcs12":
        entry = _load_pkcs12(data, store_password)
        if entry.certificate is None:
            raise KeyMaterialError("the keystore holds no certificate")
        return entry.certificate
    store = _open_jks(data, store_password)
    for entry in store.private_keys.values():
        if entry.cert_chain:
            return _der_certificate(entry.cert_chain[0][1])
    for entry in store.certs.values():
        return _der_certificate(entry.cert)
    raise KeyMaterialError("the JKS keystore holds no certificate")


def _der_certificate(der: bytes) -> x509.Certificate:
    try:
        return x509.load_der_x509_certificate(der)
    except ValueError as e:
        raise KeyMaterialError(f"the keystore's certificate cannot be read: {e}") from e


#: Opened PKCS12 stores by (content, password), most recent last: each open costs tens of ms (PBKDF2
#: as keytool's own stores do, and cryptography's RSA key check), and the instance reads the same
#: keystore on every exchange.
_OPENED: dict[tuple[bytes, str | None], KeyEntry] = {}
_OPENED_MAX = 64


def remember_pkcs12(data: bytes, store_password: str | None, entry: KeyEntry) -> None:
    """What opening ``data`` with ``store_password`` gives, known without opening it (its writer knows)."""
    _OPENED.pop((data, store_password), None)
    while len(_OPENED) >= _OPENED_MAX:
        del _OPENED[next(iter(_OPENED))]
    _OPENED[(data, store_password)] = entry


def _load_pkcs12(data: bytes, store_password: str | None) -> KeyEntry:
    known = _OPENED.get((data, store_password))
    if known is None:
        known = _open_pkcs12(data, store_password)
        remember_pkcs12(data, store_password, known)
    return known


def _open_pkcs12(data: bytes, store_password: str | None) -> KeyEntry:
    try:
        loaded = pkcs12.load_pkcs12(data, store_password.encode() if store_password else None)
    except ValueError as e:
        raise KeyMaterialError("cannot open the PKCS12 keystore: wrong password or not a keystore") from e
    if loaded.key is None:
        raise KeyMaterialError("the PKCS12 keystore holds no private key")
    if not isinstance(loaded.key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise KeyMaterialError(f"unsupported key type {type(loaded.key).__name__}")
    cert = loaded.cert.certificate if loaded.cert else None
    name = loaded.cert.friendly_name.decode() if loaded.cert and loaded.cert.friendly_name else None
    return KeyEntry(loaded.key, cert, name)


def _open_jks(data: bytes, store_password: str | None) -> Any:
    try:
        import jks  # type: ignore[import-untyped]
    except ImportError:
        raise MissingExtraError(
            "reading a JKS keystore needs the optional pyjks package: pip install 'pytest-snjwt[jks]'"
        ) from None
    try:
        return jks.KeyStore.loads(data, store_password or "", try_decrypt_keys=False)
    except Exception as e:  # pyjks raises its own hierarchy plus struct/value errors
        raise KeyMaterialError(f"cannot open the JKS keystore: wrong password or corrupt ({type(e).__name__})") from e


def _load_jks(data: bytes, store_password: str | None, key_password: str | None,
              alias: str | None) -> KeyEntry:
    entries = _open_jks(data, store_password).private_keys
    if not entries:
        raise KeyMaterialError("the JKS keystore holds no private key")
    if alias is not None and alias not in entries:
        raise KeyMaterialError(f"the JKS keystore has no key {alias!r}; it has {sorted(entries)}")
    name = alias if alias is not None else next(iter(entries))
    entry = entries[name]
    try:
        entry.decrypt(key_password if key_password is not None else store_password or "")
    except Exception as e:  # pyjks: DecryptionFailureException and friends
        raise KeyMaterialError(f"cannot decrypt JKS key {name!r}: wrong key password") from e
    try:
        key = serialization.load_der_private_key(entry.pkey_pkcs8, None)
        cert = x509.load_der_x509_certificate(entry.cert_chain[0][1]) if entry.cert_chain else None
    except ValueError as e:
        raise KeyMaterialError(f"JKS key {name!r} cannot be read: {e}") from e
    return KeyEntry(key, cert, name)  # type: ignore[arg-type]


def load_private_key(data: bytes, password: str | None = None) -> KeyEntry:
    """Read what a client holds: a PEM or DER private key, or a PKCS12/JKS keystore."""
    stripped = data.lstrip()
    if stripped.startswith(b"-----BEGIN"):
        key = _read_key(serialization.load_pem_private_key, stripped, password, "PEM")
        cert = None
        if b"-----BEGIN CERTIFICATE-----" in stripped:
            cert = load_certificate(stripped[stripped.index(b"-----BEGIN CERTIFICATE-----"):].decode()).certificate
        if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise KeyMaterialError(f"unsupported key type {type(key).__name__}")
        return KeyEntry(key, cert)
    if keystore_kind(data) in ("jks", "jceks"):
        return load_keystore(data, password)
    try:
        key = _read_key(serialization.load_der_private_key, data, password, "DER")
    except KeyMaterialError:
        return load_keystore(data, password)
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise KeyMaterialError(f"unsupported key type {type(key).__name__}")
    return KeyEntry(key, None)


def _read_key(loader: Any, data: bytes, password: str | None, form: str) -> Any:
    # A password given for an unencrypted key is not an error: the key is simply read.
    for attempt in dict.fromkeys([password.encode() if password else None, None]):
        try:
            return loader(data, attempt)
        except TypeError:  # cryptography: password given for a plain key, or missing for an encrypted one
            continue
        except ValueError as e:
            raise KeyMaterialError(f"cannot read the {form} private key: {e}") from e
    raise KeyMaterialError(f"the {form} private key is encrypted and no password was given")


