"""A fake ServiceNow instance for testing OAuth 2.0 JWT bearer clients.

>>> from mock_instance import MockInstance
>>> instance = MockInstance()
>>> with instance.intercept("https://dev12345.service-now.com"):
...     ...  # requests to that URL are served in-process

Public names load on first use (PEP 562), so importing a light module such as
``mock_instance.sensitive`` does not pull in werkzeug, PyJWT and cryptography:
the pytest plugin stays free at start-up for runs that never use it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, str] = {
    "ACCESS_TOKEN_REASONS": "refusals",
    "ADMIN_SYS_ID": "schema",
    "ADMIN_USER_NAME": "instance",
    "Clock": "clock",
    "Field": "schema",
    "GlideJWTError": "glide_jwt",
    "InstanceServer": "server",
    "InstanceState": "instance",
    "Interception": "intercept",
    "JWT_BEARER_GRANT_TYPE": "oauth",
    "KeyEntry": "keystores",
    "KeyMaterialError": "keystores",
    "MissingExtraError": "keystores",
    "MockInstance": "instance",
    "PlatformError": "errors",
    "REASONS": "refusals",
    "REFUSAL_BODY": "refusals",
    "RefusalRecord": "refusals",
    "Secret": "sensitive",
    "ServerCrashed": "intercept",
    "Settings": "settings",
    "Table": "schema",
    "flag": "schema",
    "load_certificate": "keystores",
    "load_keystore": "keystores",
    "load_private_key": "keystores",
    "number": "schema",
    "password": "schema",
    "ref": "schema",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'mock_instance' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


if TYPE_CHECKING:
    from .clock import Clock
    from .errors import PlatformError
    from .glide_jwt import GlideJWTError
    from .instance import ADMIN_USER_NAME, InstanceState, MockInstance
    from .intercept import Interception, ServerCrashed
    from .keystores import KeyEntry, KeyMaterialError, MissingExtraError, load_certificate, load_keystore, load_private_key
    from .oauth import JWT_BEARER_GRANT_TYPE
    from .refusals import ACCESS_TOKEN_REASONS, REASONS, REFUSAL_BODY, RefusalRecord
    from .schema import ADMIN_SYS_ID, Field, Table, flag, number, password, ref
    from .sensitive import Secret
    from .server import InstanceServer
    from .settings import Settings
