"""The platform's token cleanup job: expired credentials deleted, expired jtis and codes forgotten.

docs/platform.md §4 step 11 and §5.
"""

from __future__ import annotations

from ..platform.state import Platform
from ..tables.clock import parse_glide
from .claims import clock_skew


def cleanup(platform: Platform) -> tuple[int, int]:
    """Run the job now; returns (credentials deleted, jtis forgotten).

    A jti is remembered while an assertion carrying it could still be accepted: it is
    forgotten once its exp plus the app's clock skew *as it is now* has passed (0 for a
    deleted app). A skew raised later would make such an assertion good again, so each
    app also keeps the latest exp it forgot, and step 11 refuses any jti-carrying
    assertion that expires no later. Fresh assertions never meet that bound: it is
    below now minus the skew.
    """
    store = platform.store
    with store.lock:
        now = platform.clock.time()
        platform.last_cleanup = now
        expired = [c["sys_id"] for c in store.records("oauth_credential") if (parse_glide(c["expires"]) or 0) <= now]
        for sys_id in expired:
            store.delete("oauth_credential", sys_id)
        skews: dict[str, int] = {}
        for app_id, _ in platform.jtis:
            if app_id not in skews:
                app = store.get("oauth_jwt", app_id)
                skews[app_id] = 0 if app is None else clock_skew(app)
        stale = [key for key, exp in platform.jtis.items() if exp + skews[key[0]] < now]
        for key in stale:
            exp = platform.jtis.pop(key)
            platform.forgotten_jtis[key[0]] = max(exp, platform.forgotten_jtis.get(key[0], exp))
        # Authorization codes past their lifespan go too (docs/platform.md §10.4; not counted).
        for code in [c for c, pending in platform.codes.items() if pending.expires <= now]:
            del platform.codes[code]
        return len(expired), len(stale)


def cleanup_if_due(platform: Platform, now: float) -> None:
    """Run the job when ``cleanup_interval`` seconds of instance time have passed since the last run."""
    if now - platform.last_cleanup >= platform.settings.cleanup_interval:
        cleanup(platform)
