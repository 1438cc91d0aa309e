"""Business rules: what the platform does by itself when certain records are written or deleted.

- ``sys_certificate``: writing ``pem_certificate`` parses it and fills
  ``valid_from``, ``expires``, ``expires_in_days``, ``issuer``, ``subject``
  (docs/platform.md §1); a value that is not a certificate is refused.
- ``jwt_provider``: a new provider gets the standard claims ``aud``, ``iss``,
  ``sub`` with empty values (the setup article, step 3), and its
  ``expiry_interval`` defaults to a setting.
- every table: deleting a record deletes its attachments, and deleting an
  attachment its bytes.
"""

from __future__ import annotations

from collections.abc import Callable

from cryptography import x509

from ..crypto.keystores import KeyMaterialError, load_certificate
from ..tables.clock import format_glide
from ..tables.errors import InvalidCertificate
from ..tables.store import BusinessRule, Record, Store
from .definitions import write_syslog
from .settings import Settings

STANDARD_CLAIMS = ("aud", "iss", "sub")
#: docs/platform.md §7: the warning written when a PEM is not wrapped at 64 columns.
UNWRAPPED_PEM_WARNING = (
    "[pem_unwrapped] sys_certificate {sys_id}: the PEM is not wrapped at 64 columns "
    "(RFC 7468); accepted, but some platform features reject it"
)


def certificate_fields(cert: x509.Certificate, now: float) -> dict[str, str]:
    """The fields the platform fills from a certificate."""
    valid_from = cert.not_valid_before_utc.timestamp()
    expires = cert.not_valid_after_utc.timestamp()
    return {
        "valid_from": format_glide(valid_from),
        "expires": format_glide(expires),
        "expires_in_days": str(int((expires - now) // 86400)),
        "issuer": cert.issuer.rfc4514_string(),
        "subject": cert.subject.rfc4514_string(),
    }


class CertificateRule(BusinessRule):
    """Parse ``pem_certificate`` on write and fill the certificate's fields."""

    table = "sys_certificate"

    def __init__(self, settings: Callable[[], Settings]) -> None:
        self._settings = settings

    def before_write(self, store: Store, record: Record, changed: set[str], inserting: bool) -> None:
        if "pem_certificate" not in changed or not record["pem_certificate"].strip():
            return
        try:
            parsed = load_certificate(record["pem_certificate"])
        except KeyMaterialError as e:
            raise InvalidCertificate(f"pem_certificate: {e}") from e
        if parsed.unwrapped:
            if not self._settings().accept_unwrapped_pem:
                raise InvalidCertificate("pem_certificate: the PEM is not wrapped at 64 columns (RFC 7468)")
            write_syslog(store, "warning", "sys_certificate", UNWRAPPED_PEM_WARNING.format(sys_id=record["sys_id"]))
        record.update(certificate_fields(parsed.certificate, store.clock.time()))


class ProviderRule(BusinessRule):
    """A new JWT provider: ``expiry_interval`` from the settings when not given, and its three standard claims."""

    table = "jwt_provider"

    def __init__(self, settings: Callable[[], Settings]) -> None:
        self._settings = settings

    def before_write(self, store: Store, record: Record, changed: set[str], inserting: bool) -> None:
        if inserting and "expiry_interval" not in changed:
            record["expiry_interval"] = str(self._settings().expiry_interval_default)

    def after_insert(self, store: Store, record: Record) -> None:
        for name in STANDARD_CLAIMS:
            store.insert("jwt_claim_validation", {
                "name": name, "is_standard": "true", "data_type": "string", "value": "",
                "jwt_provider": record["sys_id"],
            }, actor=record["sys_created_by"])


class AttachmentCascade(BusinessRule):
    """Deleting a record deletes its attachments (matched by table *and* sys_id); an attachment takes its bytes."""

    table = None

    def after_delete(self, store: Store, record: Record) -> None:
        if record["sys_class_name"] == "sys_attachment":
            store.drop_file(record["sys_id"])
            return
        lineage = store.lineage(record["sys_class_name"])
        for attachment in store.find("sys_attachment", "table_sys_id", record["sys_id"]):
            if attachment["table_name"] in lineage:
                store.delete("sys_attachment", attachment["sys_id"])


def platform_rules(settings: Callable[[], Settings]) -> list[BusinessRule]:
    """The platform's business rules the mock runs; ``settings`` reads the instance's current settings."""
    return [CertificateRule(settings), ProviderRule(settings), AttachmentCascade()]
