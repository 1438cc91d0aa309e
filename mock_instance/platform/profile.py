"""A settings profile: the settings in which one real instance differs from the mock's defaults.

``snjwt-mock probe --write-profile FILE`` writes one (docs/platform.md §13);
``MockInstance(profile=FILE)``, ``snjwt-mock serve --profile FILE`` and the
plugin's ``snjwt_mock_profile`` ini key load it. The file is JSON::

    {"instance": "https://dev12345.service-now.com", "release": "glide-xanadu-...", "date": "2026-05-01",
     "settings": {"accept_token_url_aud": true,
                  "refusal_bodies": {"user_not_found": {"status": 401, "content_type": "application/json",
                                                        "body": "{...}"}}}}

Values are JSON booleans, whole numbers and strings; a recorded reply (docs/platform.md §9)
is ``{"status", "content_type", "body"}`` with the body as text, or as ``"body_base64"`` when
its bytes are not UTF-8. Stdlib and :mod:`.settings` only: the probe (client side) writes
this format without importing it, and tests keep the two in step.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..tables.errors import JSON_CONTENT_TYPE
from .refusals import REASONS, REFUSAL_BODY, REFUSAL_STATUS
from .settings import Reply, Settings

#: The profile's top-level keys; ``release`` may be null (not readable on that instance).
REQUIRED_KEYS = ("instance", "date", "settings")
OPTIONAL_KEYS = ("release",)
#: docs/platform.md §4: what every refusal answers unless a reply is recorded for its reason.
DEFAULT_REFUSAL_REPLY = Reply(REFUSAL_STATUS, JSON_CONTENT_TYPE,
                              json.dumps(REFUSAL_BODY, separators=(",", ":")).encode())
#: Reasons whose default reply depends on the request (the PKCE 401 names both challenges, §10.4).
_COMPUTED_REPLIES = frozenset({"code_challenge_mismatch"})


class ProfileError(ValueError):
    """A profile file that cannot be used; the message names the file and what is wrong."""


@dataclass(frozen=True)
class Profile:
    """A loaded profile: where it came from, and the settings ready for ``Settings.replace(**settings)``."""

    instance: str
    date: str
    release: str | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""

    def describe(self) -> str:
        """One line for a person: the instance, its release and the date, and how many settings."""
        release = f", release {self.release}" if self.release else ""
        return f"{self.instance}{release}, probed {self.date}: {len(self.settings)} setting(s)"


def reply_to_json(reply: Any) -> dict[str, Any]:
    """A recorded reply (anything with ``status``, ``content_type``, ``body``) in the profile's JSON form."""
    body = bytes(reply.body)
    document: dict[str, Any] = {"status": reply.status, "content_type": reply.content_type}
    try:
        document["body"] = body.decode("utf-8")
    except UnicodeDecodeError:
        document["body_base64"] = base64.b64encode(body).decode("ascii")
    return document


def value_to_json(value: Any) -> Any:
    """A setting's value in the profile's JSON form."""
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, Mapping):
        return {str(key): value_to_json(item) for key, item in value.items()}
    if all(hasattr(value, name) for name in ("status", "content_type", "body")):
        return reply_to_json(value)
    raise TypeError(f"no JSON form for a setting value of type {type(value).__name__}")


def settings_document(settings: Settings) -> dict[str, Any]:
    """Every setting of ``settings`` in the profile's JSON form: what this mock assumes.

    ``refusal_bodies`` is expanded to the reply the mock sends for each reason
    (recorded, else the spec's), so that it compares reason by reason with an instance.
    """
    document: dict[str, Any] = {}
    for name in Settings.names():
        value = getattr(settings, name)
        if name == "refusal_bodies":
            document[name] = {reason: reply_to_json(value.get(reason, DEFAULT_REFUSAL_REPLY))
                              for reason in REASONS if reason in value or reason not in _COMPUTED_REPLIES}
        else:
            document[name] = value_to_json(value)
    return document


def parse_profile(document: Any, source: str = "<profile>") -> Profile:
    """Check a profile's parsed JSON and turn its settings into ``Settings`` values; :class:`ProfileError`."""
    if not isinstance(document, dict):
        raise ProfileError(f"{source}: a profile is a JSON object, not {type(document).__name__}")
    missing = [key for key in REQUIRED_KEYS if key not in document]
    unknown = sorted(set(document) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS))
    if missing or unknown:
        raise ProfileError(f"{source}: missing key(s) {missing}, unknown key(s) {unknown}; a profile has "
                           f"{', '.join(REQUIRED_KEYS + OPTIONAL_KEYS)}")
    for key in ("instance", "date"):
        if not isinstance(document[key], str):
            raise ProfileError(f"{source}: {key!r} is a string")
    release = document.get("release")
    if release is not None and not isinstance(release, str):
        raise ProfileError(f"{source}: 'release' is a string or null")
    raw = document["settings"]
    if not isinstance(raw, dict):
        raise ProfileError(f"{source}: 'settings' is a JSON object of setting names and values")
    defaults = Settings()
    changes = {}
    for name, value in raw.items():
        if name not in Settings.names():
            raise ProfileError(f"{source}: this mock has no setting {name!r} (written by another version?); "
                               f"known: {', '.join(Settings.names())}")
        try:
            changes[name] = _from_json(name, getattr(defaults, name), value)
        except (TypeError, ValueError) as e:
            raise ProfileError(f"{source}: setting {name!r}: {e}") from None
    try:
        defaults.replace(**changes)  # every check Settings makes, with the setting named
    except (TypeError, ValueError) as e:
        raise ProfileError(f"{source}: {e}") from None
    return Profile(document["instance"], document["date"], release, changes, source)


def read_profile(path: str | os.PathLike[str]) -> Profile:
    """Read and check a profile file; :class:`ProfileError` names the file and the problem."""
    source = os.fspath(path)
    try:
        with open(source, encoding="utf-8") as f:
            document = json.load(f)
    except OSError as e:
        raise ProfileError(f"cannot read the profile {source}: {e.strerror or e}") from None
    except ValueError as e:
        raise ProfileError(f"{source}: not JSON ({e})") from None
    return parse_profile(document, source)


def with_profile(profile: str | os.PathLike[str] | Profile | None,
                 changes: Mapping[str, Any]) -> tuple[Profile | None, dict[str, Any]]:
    """The profile (read when given its path) and the setting changes: ``changes`` over the profile's settings."""
    loaded = read_profile(profile) if isinstance(profile, str | os.PathLike) else profile
    return loaded, {**(loaded.settings if loaded is not None else {}), **changes}


def _from_json(name: str, default: Any, value: Any) -> Any:
    if isinstance(default, bool | int | str):
        kind = type(default)
        if type(value) is not kind:  # bool is an int subclass: exact types only
            raise TypeError(f"expected a JSON {_JSON_NAMES[kind]}, not {value!r}")
        return value
    if isinstance(default, Mapping):
        if not isinstance(value, dict):
            raise TypeError("expected a JSON object of recorded replies")
        return {str(key): _reply(default, item) for key, item in value.items()}
    return _reply(default, value)


_JSON_NAMES = {bool: "boolean", int: "whole number", str: "string"}


def _reply(default: Any, value: Any) -> Any:
    if not isinstance(value, dict):
        raise TypeError(f"a recorded reply is an object with status, content_type and body, not {value!r}")
    fields = dict(value)
    if "body_base64" in fields:
        if "body" in fields:
            raise ValueError("a recorded reply has body or body_base64, not both")
        try:
            fields["body"] = base64.b64decode(fields.pop("body_base64"), validate=True)
        except (binascii.Error, TypeError, ValueError):
            raise ValueError("body_base64 is not base64") from None
    reply = Reply.of(fields)
    kind = type(default) if not isinstance(default, Mapping) else Reply
    return reply if kind is Reply else kind(reply.status, reply.content_type or "", reply.body)
