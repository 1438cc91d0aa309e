"""What the other grants keep in memory: pending authorization codes and rate-limit counts.

docs/platform.md §10.4 (a code is not a table row) and §11.2 (counts per rule, user and hour).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PendingCode:
    """An authorization code kept in memory until exchanged or expired (docs/platform.md §10.4 step 6)."""

    app: str
    user: str
    #: Where the code was sent, and the ``redirect_uri`` the authorize request carried (None: none).
    redirect_target: str
    redirect_uri: str | None
    #: The PKCE S256 challenge (None: the code has none).
    challenge: str | None
    expires: float


@dataclass
class RateLimitCount:
    """One rule's count for one user in one window (docs/platform.md §11.2); ``limit`` it was counted under."""

    window: float
    limit: int
    count: int = 0


#: (rule sys_id, user sys_id) → the current window's count.
RateLimitCounts = dict[tuple[str, str], RateLimitCount]


def copy_counts(counts: RateLimitCounts) -> RateLimitCounts:
    return {key: RateLimitCount(c.window, c.limit, c.count) for key, c in counts.items()}
