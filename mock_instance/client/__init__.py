"""What a client does to an instance, mock or live: keys, assertions, Table API calls, the one provisioner.

Used by the ``snjwt-mock`` CLI and the pytest plugin; it never imports the
mock's server side (only :mod:`mock_instance.crypto`), so the same code runs
against a real instance.
"""

from __future__ import annotations

from ..crypto.jose import JWT_BEARER_GRANT_TYPE, default_algorithm, key_family
from ..crypto.secret import Secret, mask_token
from .assertion import DEFAULT_LIFETIME, build_claims, sign, token_form
from .keys import Keystore, load_or_make_keystore, make_keystore
from .provision import Chain, CreationLog, Provisioner, Variant, remove_records
from .schema_pull import pull_schema
from .table_client import ProvisioningError, TableClient

__all__ = [
    "DEFAULT_LIFETIME", "JWT_BEARER_GRANT_TYPE", "Chain", "CreationLog", "Keystore", "ProvisioningError",
    "Provisioner", "Secret", "TableClient", "Variant", "build_claims", "default_algorithm", "key_family",
    "load_or_make_keystore", "make_keystore", "mask_token", "pull_schema", "remove_records", "sign", "token_form",
]
