"""``/oauth_revoke_token.do`` without HTTP (docs/platform.md §10.5).

"The token in this request is marked as expired": its ``oauth_credential`` row,
of either type, gets ``expires = now`` and stays until cleanup. No client
authentication; unknown tokens are ignored.
"""

from __future__ import annotations

from ..platform.state import Platform
from .issue import ACCESS, REFRESH, expire


def revoke(platform: Platform, token: str) -> bool:
    """Expire the row holding ``token``; True when one did (the reply differs by ``known``/``unknown``)."""
    store = platform.store
    with store.lock:
        rows = store.find("oauth_credential", "token", token) if token else []
        for row in rows:
            expire(platform, row)
            if row["type"] == ACCESS and platform.settings.revoke_expires_sibling_refresh_tokens:
                # The out-of-box "Revoke Access" UI action's cascade [OBS]; a refresh token's
                # revocation never touches access tokens [CHOSEN].
                for sibling in store.find("oauth_credential", "user", row["user"]):
                    if sibling["type"] == REFRESH and sibling["peer"] == row["peer"]:
                        expire(platform, sibling)
        return bool(rows)
