"""The platform's token cleanup job: expired credentials deleted, expired jtis and codes forgotten.

docs/platform.md §4 step 11 and §5.
"""

from __future__ import annotations

from ..platform.state import Platform
from ..tables.clock import parse_glide


def cleanup(platform: Platform) -> tuple[int, int]:
    """Run the job now; returns (credentials deleted, jtis forgotten)."""
    store = platform.store
    with store.lock:
        now = platform.clock.time()
        platform.last_cleanup = now
        expired = [c["sys_id"] for c in store.records("oauth_credential") if (parse_glide(c["expires"]) or 0) <= now]
        for sys_id in expired:
            store.delete("oauth_credential", sys_id)
        stale = [key for key, until in platform.jtis.items() if until < now]
        for key in stale:
            del platform.jtis[key]
        # Authorization codes past their lifespan go too (docs/platform.md §10.4; not counted).
        for code in [c for c, pending in platform.codes.items() if pending.expires <= now]:
            del platform.codes[code]
        return len(expired), len(stale)


def cleanup_if_due(platform: Platform, now: float) -> None:
    """Run the job when ``cleanup_interval`` seconds of instance time have passed since the last run."""
    if now - platform.last_cleanup >= platform.settings.cleanup_interval:
        cleanup(platform)
