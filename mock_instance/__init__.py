"""A fake ServiceNow instance for testing OAuth 2.0 JWT bearer clients.

>>> from mock_instance import MockInstance
>>> instance = MockInstance()
>>> with instance.intercept("https://dev12345.service-now.com"):
...     ...  # requests to that URL are served in-process

Public names load on first use (PEP 562), so importing a light module such as
``mock_instance.crypto.secret`` does not pull in werkzeug, PyJWT and cryptography:
the pytest plugin stays free at start-up for runs that never use it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, str] = {
    "ACCESS_TOKEN_REASONS": "platform.refusals",
    "ADMIN_SYS_ID": "platform.definitions",
    "ADMIN_USER_NAME": "platform.definitions",
    "Clock": "tables.clock",
    "FAULT_KINDS": "platform.faults",
    "Fault": "platform.faults",
    "FaultRecord": "platform.faults",
    "Field": "tables.fields",
    "GlideJWTError": "platform.glide_jwt",
    "InstanceServer": "transports.server",
    "InstanceState": "platform.state",
    "Interception": "transports.intercept",
    "JWT_BEARER_GRANT_TYPE": "crypto.jose",
    "KeyEntry": "crypto.keystores",
    "KeyMaterialError": "crypto.keystores",
    "MissingExtraError": "crypto.keystores",
    "MockInstance": "instance",
    "PlatformError": "tables.errors",
    "Profile": "platform.profile",
    "ProfileError": "platform.profile",
    "QueryWarning": "platform.query_warnings",
    "REASONS": "platform.refusals",
    "REFUSAL_BODY": "platform.refusals",
    "RecordedReply": "platform.settings",
    "RefusalRecord": "platform.refusals",
    "RequestRecord": "platform.request_log",
    "Secret": "crypto.secret",
    "SchemaError": "platform.schema",
    "ServerCrashed": "transports.crashes",
    "Settings": "platform.settings",
    "Table": "tables.fields",
    "flag": "tables.fields",
    "load_certificate": "crypto.keystores",
    "load_keystore": "crypto.keystores",
    "load_private_key": "crypto.keystores",
    "number": "tables.fields",
    "parse_setting": "platform.settings",
    "read_profile": "platform.profile",
    "password": "tables.fields",
    "ref": "tables.fields",
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
    from .crypto.jose import JWT_BEARER_GRANT_TYPE
    from .crypto.keystores import (
        KeyEntry,
        KeyMaterialError,
        MissingExtraError,
        load_certificate,
        load_keystore,
        load_private_key,
    )
    from .crypto.secret import Secret
    from .instance import MockInstance
    from .platform.definitions import ADMIN_SYS_ID, ADMIN_USER_NAME
    from .platform.faults import FAULT_KINDS, Fault, FaultRecord
    from .platform.glide_jwt import GlideJWTError
    from .platform.profile import Profile, ProfileError, read_profile
    from .platform.query_warnings import QueryWarning
    from .platform.refusals import ACCESS_TOKEN_REASONS, REASONS, REFUSAL_BODY, RefusalRecord
    from .platform.request_log import RequestRecord
    from .platform.schema import SchemaError
    from .platform.settings import RecordedReply, Settings, parse_setting
    from .platform.state import InstanceState
    from .tables.clock import Clock
    from .tables.errors import PlatformError
    from .tables.fields import Field, Table, flag, number, password, ref
    from .transports.crashes import ServerCrashed
    from .transports.intercept import Interception
    from .transports.server import InstanceServer
