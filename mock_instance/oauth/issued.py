"""The tokens the instance issued ("Manage Tokens", ``oauth_credential``), for the mock's own views.

The control API (``/snjwt-mock/tokens``) and the console list them with the
token shortened (never in full) and revoke them by record, as
``/oauth_revoke_token.do`` does by value (docs/platform.md §5).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..crypto.secret import mask_token
from ..platform.state import Platform
from ..tables.clock import parse_glide
from .tokens import TokenService

#: Characters of a token shown: enough to tell tokens apart, far too few to use one.
SHOWN_TOKEN = 6


@dataclass(frozen=True)
class IssuedToken:
    """One ``oauth_credential`` row, as the mock's views show it."""

    sys_id: str
    type: str
    token: str
    client_id: str
    app: str
    user: str
    scopes: str
    expires: str
    live: bool

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape (``/snjwt-mock/tokens``)."""
        return {"sys_id": self.sys_id, "type": self.type, "token": self.token, "client_id": self.client_id,
                "app": self.app, "user": self.user, "scopes": self.scopes, "expires": self.expires,
                "live": self.live}


def issued_tokens(platform: Platform) -> list[IssuedToken]:
    """Every credential the instance holds, newest first; the token shortened."""
    store = platform.store
    now = platform.clock.time()
    out = []
    with store.lock:
        for cred in store.records("oauth_credential"):
            app = store.get("oauth_entity", cred["peer"]) if cred["peer"] else None
            user = store.get("sys_user", cred["user"]) if cred["user"] else None
            expires = parse_glide(cred["expires"])
            out.append(IssuedToken(
                cred["sys_id"], cred["type"], mask_token(cred["token"].reveal(), SHOWN_TOKEN), cred["client_id"],
                app["name"] if app else "", user["user_name"] if user else "", cred["scopes"], cred["expires"],
                expires is not None and now < expires))
    return out[::-1]


def revoke_issued(platform: Platform, tokens: TokenService, sys_id: str) -> bool:
    """Revoke the credential ``sys_id`` as ``/oauth_revoke_token.do`` would; False when there is none."""
    with platform.store.lock:
        cred = platform.store.get("oauth_credential", sys_id)
        if cred is None:
            return False
        tokens.revoke(cred["token"].reveal())
    return True
