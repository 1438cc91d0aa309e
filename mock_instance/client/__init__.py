"""What a client does to an instance, mock or live: keys, assertions, Table API calls, the one provisioner,
and what keeps a live run safe (pinned sessions, a preflight, a ledger of what it made).

Used by the ``snjwt-mock`` CLI and the pytest plugin; it never imports the
mock's server side (only :mod:`mock_instance.crypto`), nor pytest, so the same
code runs against a real instance.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

#: Public names and the module each lives in: loaded on first use (PEP 562), so a caller that needs
#: one light name (the plugin's ``Variant`` at collection) does not import requests, PyJWT and the rest.
_EXPORTS: dict[str, str] = {
    "Chain": ".chain",
    "CLIENT_CREDENTIALS_PROPERTY": ".grant_apps",
    "CreationLog": ".provision",
    "DEFAULT_LIFETIME": ".assertion",
    "JWT_BEARER_GRANT_TYPE": "..crypto.jose",
    "GrantApp": ".grant_apps",
    "Keystore": ".keys",
    "Ledger": ".ledger",
    "LedgerEntry": ".ledger",
    "PinnedSession": ".http",
    "PlainHTTPRefused": ".http",
    "PreflightError": ".preflight",
    "Provisioner": ".provision",
    "ProvisioningError": ".table_client",
    "RedirectRefused": ".http",
    "Secret": "..crypto.secret",
    "TableClient": ".table_client",
    "UnsafeRequestError": ".http",
    "Variant": ".chain",
    "admin_session": ".http",
    "basic_header": ".http",
    "build_claims": ".assertion",
    "check_chain": ".preflight",
    "check_url": ".http",
    "default_algorithm": "..crypto.jose",
    "default_folder": ".ledger",
    "enable_client_credentials": ".grant_apps",
    "is_loopback": ".http",
    "key_family": "..crypto.jose",
    "load_or_make_keystore": ".keys",
    "make_keystore": ".keys",
    "mask_token": "..crypto.secret",
    "post_token_form": ".http",
    "preflight": ".preflight",
    "provision_grant_app": ".grant_apps",
    "pull_schema": ".schema_pull",
    "reference": ".preflight",
    "remove_records": ".provision",
    "sign": ".assertion",
    "token_form": ".assertion",
    "token_session": ".http",
}
__all__ = sorted(_EXPORTS)


class _Package(types.ModuleType):
    """This package: importing its submodule ``preflight`` must not hide the function of that name."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "preflight" and isinstance(value, types.ModuleType):
            value = value.preflight  # the import system binds the submodule here once it has run
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'mock_instance.client' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


if TYPE_CHECKING:
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
