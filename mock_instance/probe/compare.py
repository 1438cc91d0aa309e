"""Settings compared by meaning, not by spelling (docs/platform.md §13).

- A recorded reply: the same status, the same media type (a charset is compared
  only when both name one), and the same body: equal JSON values when both parse
  as JSON, else the same bytes.
- A time zone: the same UTC offset at every hour of a three-year window, so
  ``Etc/GMT-9`` is ``Asia/Tokyo`` and ``America/Los_Angeles`` is not ``Etc/GMT+8``.
- A mapping: the same keys, each value the same by meaning; anything else: equal
  values of the same type (``True`` is not ``1``).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
from collections.abc import Mapping
from typing import Any

#: Settings whose value is an IANA time zone name (docs/platform.md §9).
TIME_ZONE_SETTINGS = frozenset({"system_time_zone"})
_HOURS = 3 * 366 * 24


def same(setting: str, mock: Any, instance: Any) -> bool:
    """Whether the mock's value and the instance's mean the same (both in the profile's JSON form)."""
    if setting.split("[", 1)[0] in TIME_ZONE_SETTINGS:
        return same_zone(mock, instance)
    if is_reply(mock) and is_reply(instance):
        return same_reply(mock, instance)
    if isinstance(mock, Mapping) and isinstance(instance, Mapping):
        return set(mock) == set(instance) and all(same(setting, mock[key], instance[key]) for key in mock)
    return type(mock) is type(instance) and mock == instance


def is_reply(value: Any) -> bool:
    return isinstance(value, Mapping) and "status" in value and ("body" in value or "body_base64" in value)


def same_reply(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    if a.get("status") != b.get("status") or not _same_media(a.get("content_type"), b.get("content_type")):
        return False
    body_a, body_b = reply_body(a), reply_body(b)
    try:
        return bool(json.loads(body_a) == json.loads(body_b))
    except ValueError:
        return body_a == body_b


def reply_body(reply: Mapping[str, Any]) -> bytes:
    """A recorded reply's body bytes (text or ``body_base64``)."""
    if "body_base64" in reply:
        try:
            return base64.b64decode(str(reply["body_base64"]), validate=True)
        except (binascii.Error, ValueError):
            return b""
    body = reply.get("body", "")
    return body.encode("utf-8") if isinstance(body, str) else bytes(body)


def _same_media(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    type_a, charset_a = _media(str(a))
    type_b, charset_b = _media(str(b))
    return type_a == type_b and (charset_a is None or charset_b is None or charset_a == charset_b)


def _media(content_type: str) -> tuple[str, str | None]:
    kind, *parameters = (part.strip().lower() for part in content_type.split(";"))
    charset = next((p.split("=", 1)[1].strip('"') for p in parameters if p.startswith("charset=")), None)
    return kind, charset


def same_zone(a: Any, b: Any) -> bool:
    """The same offsets at every hour from the start of last year for three years (names that are not zones
    are compared as text)."""
    zone_a, zone_b = _zone(a), _zone(b)
    if zone_a is None or zone_b is None:
        return bool(a == b)
    start = datetime.datetime(datetime.datetime.now(datetime.UTC).year - 1, 1, 1, tzinfo=datetime.UTC)
    for hour in range(_HOURS):
        moment = start + datetime.timedelta(hours=hour)
        if moment.astimezone(zone_a).utcoffset() != moment.astimezone(zone_b).utcoffset():
            return False
    return True


def offset_at(zone_name: Any, moment: datetime.datetime) -> datetime.timedelta | None:
    """A zone's UTC offset at ``moment``; None when the name is not a zone."""
    zone = _zone(zone_name)
    return None if zone is None else moment.astimezone(zone).utcoffset()


def _zone(name: Any) -> datetime.tzinfo | None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if not isinstance(name, str) or not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
