"""Files on records, and the key material a certificate record holds (docs/platform.md §1, §3, §7).

A keystore's bytes are an attachment on its ``sys_certificate`` record,
unlocked by ``key_store_password``; a DER certificate may be one too.
"""

from __future__ import annotations

import hashlib

from cryptography import x509

from ..crypto.keystores import (
    KeyEntry,
    KeyMaterialError,
    keystore_certificate,
    keystore_kind,
    load_certificate,
    load_keystore,
)
from ..tables.errors import InvalidCertificate
from ..tables.store import Record, Store
from .rules import certificate_fields

KEYSTORE_TYPES = frozenset({"key_store", "pkcs12_key_store"})


def attachments_of(store: Store, table: str, sys_id: str) -> list[Record]:
    """The ``sys_attachment`` records on a record, oldest first."""
    return [a for a in store.find("sys_attachment", "table_sys_id", sys_id) if a["table_name"] == table]


def attach(store: Store, parent: Record, file_name: str, content_type: str, content: bytes, *,
           actor: str) -> Record:
    """Store a file on ``parent`` (no ACL check: callers do that). Returns the sys_attachment record."""
    table = parent["sys_class_name"]
    with store.lock:
        is_certificate = "sys_certificate" in store.lineage(table)
        if is_certificate and parent.get("format") == "der" and not is_keystore(parent, content):
            # A DER file on a format=der certificate is the certificate itself: refuse garbage.
            try:
                load_certificate(content)
            except KeyMaterialError as e:
                raise InvalidCertificate(f"{file_name}: {e}") from e
        record = store.insert("sys_attachment", {
            "file_name": file_name, "table_name": table, "table_sys_id": parent["sys_id"],
            "content_type": content_type, "size_bytes": str(len(content)),
            "hash": hashlib.sha256(content).hexdigest(),
        }, actor=actor)
        store.put_file(record["sys_id"], content)
        if is_certificate:
            refresh_certificate_fields(store, parent)
        return record


def attached_bytes(store: Store, record: Record) -> bytes | None:
    """The newest attachment's bytes on a ``sys_certificate`` record, if any."""
    attachments = attachments_of(store, "sys_certificate", record["sys_id"])
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
    ``pem_certificate`` (docs/platform.md §1). Keystores are opened only when used
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
