"""A fake ServiceNow instance for testing OAuth 2.0 JWT bearer clients.

>>> from mock_instance import MockInstance
>>> instance = MockInstance()
>>> with instance.intercept("https://dev12345.service-now.com"):
...     ...  # requests to that URL are served in-process
"""

from __future__ import annotations

from .clock import Clock
from .errors import PlatformError
from .glide_jwt import GlideJWTError
from .intercept import Interception, ServerCrashed
from .instance import ADMIN_USER_NAME, InstanceState, MockInstance
from .keystores import (
    KeyEntry,
    KeyMaterialError,
    MissingExtraError,
    load_certificate,
    load_keystore,
    load_private_key,
)
from .oauth import ACCESS_TOKEN_REASONS, JWT_BEARER_GRANT_TYPE, REASONS, REFUSAL_BODY, RefusalRecord
from .schema import ADMIN_SYS_ID, Field, Table, flag, number, password, ref
from .sensitive import Secret
from .server import InstanceServer, free_port
from .settings import Settings

__all__ = [
    "ACCESS_TOKEN_REASONS",
    "ADMIN_SYS_ID",
    "ADMIN_USER_NAME",
    "Clock",
    "Field",
    "GlideJWTError",
    "InstanceServer",
    "InstanceState",
    "Interception",
    "JWT_BEARER_GRANT_TYPE",
    "KeyEntry",
    "KeyMaterialError",
    "MissingExtraError",
    "MockInstance",
    "PlatformError",
    "REASONS",
    "REFUSAL_BODY",
    "RefusalRecord",
    "Secret",
    "ServerCrashed",
    "Settings",
    "Table",
    "flag",
    "free_port",
    "load_certificate",
    "load_keystore",
    "load_private_key",
    "number",
    "password",
    "ref",
]
