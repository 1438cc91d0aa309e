"""What a client does to an instance, mock or live: keys, assertions, Table API calls, the one provisioner,
and what keeps a live run safe (pinned sessions, a preflight, a ledger of what it made).

Used by the ``snjwt-mock`` CLI and the pytest plugin; it never imports the
mock's server side (only :mod:`mock_instance.crypto`), nor pytest, so the same
code runs against a real instance.
"""

from __future__ import annotations

from ..crypto.jose import JWT_BEARER_GRANT_TYPE, default_algorithm, key_family
from ..crypto.secret import Secret, mask_token
from .assertion import DEFAULT_LIFETIME, build_claims, sign, token_form
from .chain import Chain, Variant
from .grant_apps import CLIENT_CREDENTIALS_PROPERTY, GrantApp, enable_client_credentials, provision_grant_app
from .http import (
    PinnedSession,
    PlainHTTPRefused,
    RedirectRefused,
    UnsafeRequestError,
    admin_session,
    basic_header,
    check_url,
    is_loopback,
    post_token_form,
    token_session,
)
from .keys import Keystore, load_or_make_keystore, make_keystore
from .ledger import Ledger, LedgerEntry, default_folder
from .preflight import PreflightError, check_chain, preflight, reference
from .provision import CreationLog, Provisioner, remove_records
from .schema_pull import pull_schema
from .table_client import ProvisioningError, TableClient

__all__ = [
    "CLIENT_CREDENTIALS_PROPERTY", "DEFAULT_LIFETIME", "JWT_BEARER_GRANT_TYPE", "Chain", "CreationLog", "GrantApp",
    "Keystore", "Ledger", "LedgerEntry", "PinnedSession", "PlainHTTPRefused", "PreflightError", "ProvisioningError",
    "Provisioner", "RedirectRefused", "Secret", "TableClient", "UnsafeRequestError", "Variant", "admin_session",
    "basic_header", "build_claims", "check_chain", "check_url", "default_algorithm", "default_folder",
    "enable_client_credentials", "is_loopback", "key_family", "load_or_make_keystore", "make_keystore", "mask_token",
    "post_token_form", "preflight", "provision_grant_app", "pull_schema", "reference", "remove_records", "sign",
    "token_form", "token_session",
]
