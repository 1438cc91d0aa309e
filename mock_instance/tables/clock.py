"""The instance's clock: real time unless a test freezes or advances it.

It drives everything time-based in the mock: JWT ``exp``/``nbf``, token expiry,
certificate validity and the ``sys_*_on`` timestamps.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

#: The platform's date-time format in the Table API (docs/platform.md §1), always UTC.
GLIDE_DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"


class Clock:
    """A clock that follows real time, offset or frozen on request.

    >>> clock = Clock()
    >>> clock.freeze(1_700_000_000)
    >>> clock.advance(60)
    >>> clock.time()
    1700000060.0
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offset = 0.0
        self._frozen_at: float | None = None

    def time(self) -> float:
        """Seconds since the epoch, as the instance sees them."""
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at
            return time.time() + self._offset

    def now(self) -> datetime:
        """The instance's current time as an aware UTC datetime."""
        return datetime.fromtimestamp(self.time(), UTC)

    def glide_now(self) -> str:
        """The current time in the Table API's ``YYYY-MM-DD HH:MM:SS`` format."""
        return format_glide(self.time())

    @property
    def frozen(self) -> bool:
        """Whether the clock is standing still."""
        return self._frozen_at is not None

    def freeze(self, at: float | datetime | None = None) -> None:
        """Stop the clock, at ``at`` (epoch seconds or datetime) or at the current instant."""
        instant = self.time() if at is None else _epoch(at)
        with self._lock:
            self._frozen_at = instant

    def advance(self, seconds: float) -> None:
        """Move the clock forward (or back, when negative), frozen or not."""
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += seconds
            else:
                self._offset += seconds

    def unfreeze(self) -> None:
        """Let time run again from where the frozen clock stood."""
        with self._lock:
            if self._frozen_at is not None:
                self._offset = self._frozen_at - time.time()
                self._frozen_at = None

    def reset(self) -> None:
        """Follow real time again, with no offset."""
        with self._lock:
            self._offset = 0.0
            self._frozen_at = None

    def __repr__(self) -> str:
        state = "frozen" if self.frozen else "running"
        return f"<Clock {state} at {format_glide(self.time())}>"


def _epoch(at: float | datetime) -> float:
    if isinstance(at, datetime):
        if at.tzinfo is None:
            raise ValueError("freeze() needs an aware datetime; naive times are ambiguous")
        return at.timestamp()
    return float(at)


_last_formatted: tuple[int, str] = (-1, "")


def format_glide(epoch: float) -> str:
    """Format epoch seconds as the platform's UTC date-time string.

    Values no calendar can show (a client's ``exp`` of 10**20) come back as numbers.
    """
    global _last_formatted
    try:
        second = int(epoch // 1)
    except (OverflowError, ValueError):
        return repr(epoch)
    cached = _last_formatted  # one tuple read: safe across threads
    if cached[0] == second:
        return cached[1]
    try:
        text = datetime.fromtimestamp(second, UTC).strftime(GLIDE_DATETIME_FORMAT)
    except (OverflowError, ValueError, OSError):
        return repr(epoch)
    # Every record insert stamps two of these; most land in the same second.
    _last_formatted = (second, text)
    return text


def parse_glide(value: str) -> float | None:
    """Parse a platform date-time string to epoch seconds; None when it is not one.

    By slicing rather than strptime: every Bearer request parses its token's
    expiry, and strptime is most of that check's cost. datetime() still
    refuses out-of-range fields.
    """
    if not isinstance(value, str) or len(value) != 19 or value[4] != "-" or value[7] != "-" \
            or value[10] != " " or value[13] != ":" or value[16] != ":":
        return None
    try:
        return datetime(int(value[0:4]), int(value[5:7]), int(value[8:10]), int(value[11:13]), int(value[14:16]),
                        int(value[17:19]), tzinfo=UTC).timestamp()
    except ValueError:
        return None
