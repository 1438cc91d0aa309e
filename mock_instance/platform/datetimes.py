"""Date-times as a caller sees them: the caller's zone and format (docs/platform.md §12.2).

The zone is the first that is set of the user's ``time_zone``, the ``glide.sys.default.tz``
property and the ``system_time_zone`` setting; the formats are the user's ``date_format`` /
``time_format``, else the ``glide.sys.date_format`` / ``glide.sys.time_format`` properties.
Formats are Java patterns (``yyyy-MM-dd``, ``hh:mm:ss a``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from typing import NamedTuple

from ..tables.clock import parse_glide

#: docs/platform.md §9, §12.2: the properties' seeded values, used when a property is missing or empty.
DEFAULT_DATE_FORMAT = "yyyy-MM-dd"
DEFAULT_TIME_FORMAT = "HH:mm:ss"
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_TOKEN = re.compile(r"'([^']*)'|([GyMdHhmsSaEk])\2*|(.)", re.S)


class Preferences(NamedTuple):
    """How one caller reads dates and choices: zone, Java date and time patterns, language."""

    zone: tzinfo
    date_format: str = DEFAULT_DATE_FORMAT
    time_format: str = DEFAULT_TIME_FORMAT
    language: str = "en"

    def date_time(self, value: str) -> str:
        """A stored UTC ``YYYY-MM-DD HH:MM:SS`` in the caller's zone and format; other text as it is."""
        epoch = parse_glide(value)
        if epoch is None:
            return value
        local = datetime.fromtimestamp(epoch, UTC).astimezone(self.zone)
        return f"{java_format(local, self.date_format)} {java_format(local, self.time_format)}"

    def date(self, value: str) -> str:
        """A stored ``YYYY-MM-DD`` in the caller's date format, with no zone (§12.2)."""
        try:
            day = datetime.strptime(value, "%Y-%m-%d")
        except ValueError:
            return value
        return java_format(day, self.date_format)


def zone(*names: str) -> tzinfo:
    """The first of ``names`` that is a known IANA zone (UTC when none is)."""
    for name in names:
        found = _zone(name.strip()) if name and name.strip() else None
        if found is not None:
            return found
    return UTC


@lru_cache(maxsize=256)
def _zone(name: str) -> tzinfo | None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # on first use: its import costs start-up

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def java_format(moment: datetime, pattern: str) -> str:
    """``moment`` by a Java ``SimpleDateFormat`` pattern (the letters date and time formats use)."""
    out = []
    for m in _TOKEN.finditer(pattern):
        quoted, letter, other = m.group(1), m.group(2), m.group(3)
        if quoted is not None:
            out.append(quoted or "'")  # '' is a literal quote
        elif letter:
            out.append(_letter(moment, letter, len(m.group(0))))
        else:
            out.append(other)
    return "".join(out)


def _letter(moment: datetime, letter: str, width: int) -> str:
    if letter == "y":
        return f"{moment.year % 100:02d}" if width == 2 else f"{moment.year:0{width}d}"
    if letter == "M":
        if width >= 3:
            name = _MONTHS[moment.month - 1]
            return name if width >= 4 else name[:3]
        return f"{moment.month:0{width}d}"
    if letter == "E":
        name = _DAYS[moment.weekday()]
        return name if width >= 4 else name[:3]
    if letter == "a":
        return "AM" if moment.hour < 12 else "PM"
    if letter == "G":
        return "AD"
    number = {"d": moment.day, "H": moment.hour, "k": moment.hour or 24, "h": moment.hour % 12 or 12,
              "m": moment.minute, "s": moment.second, "S": moment.microsecond // 1000}[letter]
    return f"{number:0{width}d}"
