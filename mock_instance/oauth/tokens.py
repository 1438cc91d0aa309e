"""``/oauth_token.do`` and access tokens in use: the instance's OAuth side (docs/platform.md §4, §5).

No HTTP objects here: the web layer hands over a :class:`~.request.TokenRequest`
and gets a token response or a :class:`~mock_instance.platform.refusals.Refusal`
(whose codes are in :mod:`mock_instance.platform.refusals`).
"""

from __future__ import annotations

from typing import Any

from ..platform.refusals import AUTHORIZE_SOURCE, REST_API_SOURCE, Refusal, RefusalRecord
from ..platform.state import Platform
from ..platform.users import user_is_usable
from ..tables.clock import parse_glide
from ..tables.errors import NotAuthenticated
from ..tables.store import Record
from . import cleanup as cleanup_job
from .authorize import AuthorizeRequest, authorize
from .dispatch import exchange
from .request import TokenRequest
from .revoke import revoke


class TokenService:
    """Exchanges, access-token checks, revocation and cleanup over one :class:`Platform`."""

    def __init__(self, platform: Platform) -> None:
        self._platform = platform

    def exchange(self, request: TokenRequest) -> dict[str, Any]:
        """Serve a token request of any grant (docs/platform.md §4, §10), or raise :class:`Refusal` (already logged)."""
        try:
            return exchange(self._platform, request)
        except Refusal as refusal:
            self._platform.refuse(refusal)
            raise

    def authorize(self, request: AuthorizeRequest) -> str:
        """``/oauth_auth.do``: the redirect ``Location`` with a code, or :class:`Refusal` (already logged)."""
        try:
            return authorize(self._platform, request)
        except Refusal as refusal:
            self._platform.refuse(refusal, source=AUTHORIZE_SOURCE)
            raise

    def refusals(self) -> list[RefusalRecord]:
        """Recent refusals, oldest first."""
        return self._platform.refusals.recent()

    def clear_refusals(self) -> None:
        self._platform.refusals.clear()

    def user_for_access_token(self, token: str) -> tuple[Record, str]:
        """The user behind a live access token and the token's app sys_id, or :class:`NotAuthenticated`
        (docs/platform.md §5; its ``WWW-Authenticate`` scheme by ``www_authenticate_bearer_on_bad_token``)."""
        try:
            return self._user_for_access_token(token)
        except Refusal as refusal:
            self._platform.refuse(refusal, source=REST_API_SOURCE)
            scheme = "Bearer" if self._platform.settings.www_authenticate_bearer_on_bad_token else "Basic"
            raise NotAuthenticated(str(refusal), scheme=scheme) from None

    def _user_for_access_token(self, token: str) -> tuple[Record, str]:
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
        return user, app["sys_id"]

    def revoke(self, token: str) -> bool:
        """``/oauth_revoke_token.do`` (docs/platform.md §10.5): the credential expires now; True when known."""
        return revoke(self._platform, token)

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
