"""The platform's pinned records, its seed and its system log (docs/platform.md §1, §12.1).

The tables themselves are data (``schema/*.json``, loaded by :mod:`.schema`). Business
rules (certificate parsing, standard claims, cascades) live in :mod:`.rules`.
"""

from __future__ import annotations

from ..tables.store import Store
from .grant_tables import seed_grant_tables
from .metadata import stable_id
from .schema import Schema

#: The OOB admin user [OBS], docs/platform.md §1.
ADMIN_SYS_ID = "6816f79cc0a8016401c5a33be04be441"
ADMIN_USER_NAME = "admin"
ADMIN_ROLE = "admin"
#: The admin role [DOC KB0687701], docs/platform.md §12.1.
ADMIN_ROLE_SYS_ID = "2831a114c611228501d4ea6c309d626d"


def write_syslog(store: Store, level: str, source: str, message: str) -> None:
    """Write a ``syslog`` row: where the platform says what it did and why it refused."""
    store.insert("syslog", {"level": level, "source": source, "message": message})


def seed_records(store: Store, schema: Schema) -> None:
    """A schema's seed rows (roles, properties), with stable sys_ids unless a row gives its own."""
    with store.lock:
        by_table: dict[str, list[dict[str, str]]] = {}
        for table, row in schema.records:
            key = row.get("name") or "\x1f".join(sorted(row.values()))
            by_table.setdefault(table, []).append({"sys_id": stable_id(table, key), **row})
        for table, rows in by_table.items():
            store.load(table, rows)


def seed(store: Store, admin_password: str, schema: Schema) -> None:
    """What a new instance holds: the schema's seed rows (roles, properties), the admin user with the admin
    role, and the auth scope and properties of docs/platform.md §9, §11."""
    with store.lock:
        seed_records(store, schema)
        store.insert("sys_user", {
            "sys_id": ADMIN_SYS_ID, "user_name": ADMIN_USER_NAME, "first_name": "System",
            "last_name": "Administrator", "name": "System Administrator", "email": "admin@example.com",
            "user_password": admin_password,
        })
        store.insert("sys_user_has_role", {"user": ADMIN_SYS_ID, "role": ADMIN_ROLE_SYS_ID})
        seed_grant_tables(store)
