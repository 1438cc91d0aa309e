"""Business rules: what the platform does on its own when certain records are written.

- ``sys_certificate``: writing ``pem_certificate`` parses it and fills
  ``valid_from``, ``expires``, ``expires_in_days``, ``issuer``, ``subject``
  (PLATFORM.md §1); a value that is not a certificate is refused.
- ``jwt_provider``: a new provider gets the standard claims ``aud``, ``iss``,
  ``sub`` with empty values (the setup article, step 3).
"""

from __future__ import annotations

from cryptography import x509

from ..tables.clock import format_glide
from ..tables.errors import InvalidCertificate
from ..crypto.keystores import (
    KeyEntry,
    KeyMaterialError,
    describe_name,
    keystore_certificate,
    keystore_kind,
    load_certificate,
    load_keystore,
)
from ..tables.store import Record, Store

KEYSTORE_TYPES = frozenset({"key_store", "pkcs12_key_store"})
STANDARD_CLAIMS = ("aud", "iss", "sub")
#: PLATFORM.md §7: the warning written when a PEM is not wrapped at 64 columns.
UNWRAPPED_PEM_WARNING = (
    "[pem_unwrapped] sys_certificate {sys_id}: the PEM is not wrapped at 64 columns "
    "(RFC 7468); accepted, but some platform features reject it"
)


def log(store: Store, level: str, source: str, message: str) -> None:
    """Write a ``syslog`` row."""
    store.insert("syslog", {"level": level, "source": source, "message": message})


def certificate_fields(cert: x509.Certificate, now: float) -> dict[str, str]:
    """The fields the platform fills from a certificate."""
    valid_from = cert.not_valid_before_utc.timestamp()
    expires = cert.not_valid_after_utc.timestamp()
    return {
        "valid_from": format_glide(valid_from),
        "expires": format_glide(expires),
        "expires_in_days": str(int((expires - now) // 86400)),
        "issuer": describe_name(cert.issuer),
        "subject": describe_name(cert.subject),
    }


class CertificateRule:
    """Parse ``pem_certificate`` on write and fill the certificate's fields."""

    table = "sys_certificate"

    def before_write(self, store: Store, record: Record, changed: set[str], inserting: bool) -> None:
        if "pem_certificate" not in changed or not record["pem_certificate"].strip():
            return
        try:
            parsed = load_certificate(record["pem_certificate"])
        except KeyMaterialError as e:
            raise InvalidCertificate(f"pem_certificate: {e}") from e
        if parsed.unwrapped:
            if not store.settings.accept_unwrapped_pem:
                raise InvalidCertificate("pem_certificate: the PEM is not wrapped at 64 columns (RFC 7468)")
            log(store, "warning", "sys_certificate", UNWRAPPED_PEM_WARNING.format(sys_id=record["sys_id"]))
        record.update(certificate_fields(parsed.certificate, store.clock.time()))

    def after_insert(self, store: Store, record: Record) -> None:
        pass


class ProviderClaimsRule:
    """A new JWT provider gets its three standard claims."""

    table = "jwt_provider"

    def before_write(self, store: Store, record: Record, changed: set[str], inserting: bool) -> None:
        pass

    def after_insert(self, store: Store, record: Record) -> None:
        for name in STANDARD_CLAIMS:
            store.insert("jwt_claim_validation", {
                "name": name, "is_standard": "true", "data_type": "string", "value": "",
                "jwt_provider": record["sys_id"],
            }, actor=record["sys_created_by"])


def default_rules() -> list:
    """The platform's business rules the mock runs."""
    return [CertificateRule(), ProviderClaimsRule()]


def attached_bytes(store: Store, record: Record) -> bytes | None:
    """The newest attachment's bytes on a ``sys_certificate`` record, if any."""
    attachments = store.attachments("sys_certificate", record["sys_id"])
    return store.file(attachments[-1]["sys_id"]) if attachments else None


def is_keystore(record: Record, content: bytes | None) -> bool:
    """A record holds a keystore by its type, or by its bytes (a JKS is detected whatever the type)."""
    if record.get("type") in KEYSTORE_TYPES:
        return True
    return content is not None and keystore_kind(content) in ("jks", "jceks")


def certificate_of(store: Store, record: Record) -> x509.Certificate:
    """The public certificate of a ``sys_certificate`` record: its PEM, else its attachment.

    Raises :class:`KeyMaterialError` saying what is missing or unreadable.
    """
    if record.get("pem_certificate", "").strip():
        return load_certificate(record["pem_certificate"]).certificate
    content = attached_bytes(store, record)
    if content is None:
        raise KeyMaterialError(f"sys_certificate {record['sys_id']} has no PEM and no attachment")
    if is_keystore(record, content):
        return keystore_certificate(content, record["key_store_password"].reveal())
    return load_certificate(content).certificate


def signing_entry(store: Store, record: Record, key_password: str | None) -> KeyEntry:
    """The private key of a keystore record (attachment opened with ``key_store_password``)."""
    content = attached_bytes(store, record)
    if content is None:
        raise KeyMaterialError(f"sys_certificate {record['sys_id']} has no keystore attached")
    return load_keystore(content, record["key_store_password"].reveal(), key_password)


def refresh_certificate_fields(store: Store, record: Record) -> None:
    """After a file is attached to a certificate record, fill its fields from the file.

    A DER file on a ``format=der`` record is read the same way as
    ``pem_certificate`` (PLATFORM.md §1). Keystores are opened only when used
    (verification, GlideJWTAPI): opening one costs ~40 ms of PBKDF2, and its
    password may come later.
    """
    if record.get("pem_certificate", "").strip():
        return
    content = attached_bytes(store, record)
    if content is None or is_keystore(record, content):
        return
    try:
        cert = load_certificate(content).certificate
    except KeyMaterialError:
        return
    store.update("sys_certificate", record["sys_id"], certificate_fields(cert, store.clock.time()),
                 actor=record["sys_updated_by"])
