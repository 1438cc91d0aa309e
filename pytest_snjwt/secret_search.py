"""Finding the secrets a failing test holds: in its frames' locals and its fixture values.

The registry (scrub.py) knows what the plugin registered. A test also holds
secrets nobody registered: a token it fetched with plain ``requests``, the
form it posted, a session's ``auth``, a key it loaded. They are found when the
report is made, by type (``Secret``, ``AccessToken``, ``Assertion``, a private
key, a ``requests`` session or request) and by name (``password``,
``client_secret``...), and scrub that one report only.

Only stored attributes are read (a property could do anything), only of
dataclasses, ``requests`` objects and the project's and the tests' own, within
a depth and a budget of values visited.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import sys
from collections.abc import Iterable, Iterator, Mapping
from itertools import islice
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl

from .scrub import REGISTRY, SecretRegistry

#: A value found only by its name (a ``token`` local, a ``client_secret`` key) is a secret from this
#: length: the run's generated secrets are longer (client secrets 32, tokens 86 characters), while a
#: test's own expected values (``{"access_token": "nope"}``) stay readable in its diff.
MIN_NAMED = 16
#: Names whose values are secrets wherever they appear: locals, dict keys, attributes.
SECRET_NAMES = frozenset({
    "password", "passwd", "admin_password", "user_password", "key_password", "store_password",
    "key_store_password", "signing_key_password", "client_secret", "secret", "shared_key", "access_token",
    "refresh_token", "id_token", "token", "assertion", "jwt", "code_verifier", "private_key_pem", "pkcs12",
})
_MAX_DEPTH = 4
_WIDTH = 200  # items read of one container
#: Values one search may visit: a report must not wait on a walk of a large object graph.
_BUDGET = 20_000


def find_secrets(*roots: Any) -> SecretRegistry:
    """A registry of the secrets in ``roots`` not already registered for the run (exceptions are
    followed into their frames' locals)."""
    found = SecretRegistry(known=REGISTRY)
    seen: set[int] = set()
    for root in roots:
        budget = _Budget(_BUDGET)
        if isinstance(root, BaseException):
            for frame_locals in _exception_locals(root):
                _collect(frame_locals, found, seen, 0, "", budget)
        else:
            _collect(root, found, seen, 0, "", budget)
    return found


def _exception_locals(exc: BaseException) -> Iterator[Mapping[str, Any]]:
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield {"args": current.args, "vars": getattr(current, "__dict__", {})}
        tb: TracebackType | None = current.__traceback__
        while tb is not None:
            yield tb.tb_frame.f_locals
            tb = tb.tb_next
        pending += [current.__cause__, current.__context__]
        pending += list(getattr(current, "exceptions", ()))  # ExceptionGroup


class _Budget:
    """How many values one search may visit: a report must not wait on a walk of a large object graph."""

    def __init__(self, nodes: int) -> None:
        self.left = nodes


def _collect(value: Any, found: SecretRegistry, seen: set[int], depth: int, name: str, budget: _Budget) -> None:
    budget.left -= 1
    if value is None or depth > _MAX_DEPTH or budget.left < 0:
        return
    key = name.lower()
    if isinstance(value, str | bytes):
        if key in SECRET_NAMES:
            _add_named(found, value)
        elif key == "authorization" and isinstance(value, str):
            _authorization(value, found)
        elif key in ("cookie", "set-cookie") and isinstance(value, str):
            for part in value.split(";"):
                _add_named(found, part.partition("=")[2].strip())
        elif key in ("body", "data", "_content", "content"):
            _collect(_parse_body(value), found, seen, depth + 1, "", budget)
        elif _is_token_type(value):
            found.add(str(value))
        return
    if isinstance(value, int | float | bool) or id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, type):
        return
    kind = type(value)
    if callable(getattr(kind, "reveal", None)):  # a Secret
        found.add(value)
        return
    if callable(getattr(kind, "private_bytes", None)):  # a cryptography private key
        _private_key(value, found)
        return
    if kind.__name__ == "Cookie" and kind.__module__ == "http.cookiejar":
        _add_named(found, getattr(value, "value", None) or "")  # a session cookie signs in as well as a password
        return
    if key == "auth" or _is_auth(value):
        _auth(value, found)
    if isinstance(value, Mapping):
        for item_key, item in _items(value.items):
            _collect(item, found, seen, depth + 1, item_key if isinstance(item_key, str) else "", budget)
        return
    if isinstance(value, list | tuple | set | frozenset):
        for item in _items(lambda: value):
            _collect(item, found, seen, depth + 1, name, budget)
        return
    for attr, item in _attributes(value):
        _collect(item, found, seen, depth + 1, attr, budget)


def _items(iterable: Any) -> list[Any]:
    """The first items of a container; none when iterating it fails.

    A failing test's frame can hold a half-built object (its ``__init__`` raised), whose
    ``__iter__`` then raises: the report must still be written, not end in an INTERNALERROR.
    """
    try:
        return list(islice(iterable(), _WIDTH))
    except Exception:  # any user object's iteration; nothing to search in it
        return []


def _add_named(found: SecretRegistry, value: str | bytes) -> None:
    if len(value) >= MIN_NAMED:
        found.add(value)


def _parse_body(body: str | bytes) -> Any:
    """A request or response body as data: JSON, or a form (``client_secret=...&assertion=...``)."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    if len(text) > 100_000:
        return None
    try:
        return json.loads(text)
    except ValueError:
        pass
    return dict(parse_qsl(text, keep_blank_values=True)) if "=" in text else None


def _attributes(value: Any) -> Iterable[tuple[str, Any]]:
    # Stored attributes only: a property could do anything (a request, a key derivation).
    # Dataclasses (a Chain, a Keystore with its cached pkcs12, the config) wherever they come from;
    # other objects only from requests (a Session's headers, auth and cookies, a PreparedRequest's
    # body), the project, and the user's test modules. Anything else is left alone, not walked blindly.
    stored = getattr(value, "__dict__", None)
    stored = dict(stored) if isinstance(stored, dict) else {}
    if dataclasses.is_dataclass(value):
        return [(f.name, getattr(value, f.name, None)) for f in dataclasses.fields(value)] + list(stored.items())
    module = type(value).__module__.split(".")[0]
    if module in ("requests", "pytest_snjwt", "tests") or module.startswith(("test", "conftest")):
        return list(stored.items())
    loaded = sys.modules.get("requests")  # not imported: then no requests object can exist either
    if loaded is not None and isinstance(value, loaded.Session | loaded.PreparedRequest | loaded.Request |
                                         loaded.Response | loaded.auth.AuthBase):
        return list(stored.items())  # subclasses too (mock_instance.client's PinnedSession)
    return []


def _is_token_type(value: Any) -> bool:
    from .tokens import AccessToken, Assertion

    return isinstance(value, AccessToken | Assertion)


def _is_auth(value: Any) -> bool:
    # requests' HTTPBasicAuth, mock_instance.client's _BasicAuth: instance attributes, no property called.
    stored = getattr(value, "__dict__", None)
    return isinstance(stored, dict) and "username" in stored and ("password" in stored or "_password" in stored)


def _auth(value: Any, found: SecretRegistry) -> None:
    if isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, str) for v in value):
        found.add_basic(value[0], value[1])
    elif _is_auth(value):
        stored = vars(value)
        found.add_basic(str(stored["username"]), stored.get("password") or stored.get("_password"))


def _authorization(header: str, found: SecretRegistry) -> None:
    scheme, _, credentials = header.partition(" ")
    _add_named(found, credentials or header)
    if scheme.lower() == "basic" and len(credentials) >= MIN_NAMED:
        try:
            user_password = base64.b64decode(credentials, validate=True).decode("latin1")
        except (binascii.Error, ValueError):
            return
        found.add(user_password.partition(":")[2])


def _private_key(key: Any, found: SecretRegistry) -> None:
    from cryptography.hazmat.primitives import serialization

    for form in (serialization.PrivateFormat.PKCS8, serialization.PrivateFormat.TraditionalOpenSSL):
        try:
            found.add(key.private_bytes(serialization.Encoding.PEM, form, serialization.NoEncryption()))
        except (ValueError, TypeError):
            continue
