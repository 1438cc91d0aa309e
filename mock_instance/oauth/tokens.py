"""``/oauth_token.do`` and access tokens in use: the instance's OAuth side (docs/platform.md §4, §5).

No HTTP objects here: the web layer hands over a :class:`~.request.TokenRequest`
and gets a token response or a :class:`~mock_instance.platform.refusals.Refusal`
(whose codes are in :mod:`mock_instance.platform.refusals`).
"""

from __future__ import annotations

from typing import Any

from ..platform.refusals import REST_API_SOURCE, Refusal, RefusalRecord
from ..platform.state import Platform
from ..platform.users import user_is_usable
from ..tables.clock import format_glide, parse_glide
from ..tables.errors import NotAuthenticated
from ..tables.store import Record
from . import cleanup as cleanup_job
from .grant import exchange
from .request import TokenRequest


class TokenService:
    """Exchanges, access-token checks, revocation and cleanup over one :class:`Platform`."""

    def __init__(self, platform: Platform) -> None:
        self._platform = platform

    def exchange(self, request: TokenRequest) -> dict[str, Any]:
        """Exchange a JWT assertion for an access token, or raise :class:`Refusal` (already logged)."""
        try:
            return exchange(self._platform, request)
        except Refusal as refusal:
            self._platform.refuse(refusal)
            raise

    def refusals(self) -> list[RefusalRecord]:
        """Recent refusals, oldest first."""
        return self._platform.refusals.recent()

    def clear_refusals(self) -> None:
        self._platform.refusals.clear()

    def user_for_access_token(self, token: str) -> Record:
        """The user behind a live access token, or :class:`NotAuthenticated` (docs/platform.md §5)."""
        try:
            return self._user_for_access_token(token)
        except Refusal as refusal:
            self._platform.refuse(refusal, source=REST_API_SOURCE)
            raise NotAuthenticated(str(refusal)) from None

    def _user_for_access_token(self, token: str) -> Record:
        store = self._platform.store
        creds = [c for c in store.find("oauth_credential", "token", token) if c["type"] == "access_token"] \
            if token else []
        if not creds:
            raise Refusal("access_token_unknown", "the Bearer token is not a known access token")
        cred = creds[0]
        expires = parse_glide(cred["expires"])
        if expires is None or self._platform.clock.time() >= expires:
            raise Refusal("access_token_expired", f"the access token expired at {cred['expires']} UTC")
        app = store.get("oauth_entity", cred["peer"])
        if app is None or app["active"] != "true":
            raise Refusal("access_token_app_inactive", "the access token's application registry is inactive or gone")
        user = store.get("sys_user", cred["user"])
        if user is None or not user_is_usable(user):
            raise Refusal("access_token_user_inactive", "the access token's user is inactive, locked out or gone")
        return user

    def revoke(self, token: str) -> None:
        """``/oauth_revoke_token.do``: the credential expires now (unknown tokens are ignored)."""
        store = self._platform.store
        with store.lock:
            for cred in store.find("oauth_credential", "token", token) if token else []:
                store.update("oauth_credential", cred["sys_id"],
                             {"expires": format_glide(self._platform.clock.time())}, actor="system")

    def cleanup(self) -> tuple[int, int]:
        """The platform's cleanup job: delete expired credentials, forget expired jtis.

        Runs by itself every ``cleanup_interval`` seconds of instance time (checked
        at each exchange). Returns (credentials deleted, jtis forgotten).
        """
        return cleanup_job.cleanup(self._platform)

    @property
    def remembered_jtis(self) -> int:
        """How many jtis are remembered (bounded by :meth:`cleanup`)."""
        return len(self._platform.jtis)
