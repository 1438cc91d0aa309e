"""``/oauth_token.do`` by ``grant_type`` (docs/platform.md §10.0): every grant after the one form check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..crypto.jose import JWT_BEARER_GRANT_TYPE
from ..platform.refusals import Refusal, clipped_repr
from ..platform.state import Platform
from . import authorization_code, client_credentials, grant, password, refresh
from .request import TokenRequest, check_form

Grant = Callable[[Platform, TokenRequest], dict[str, Any]]
#: docs/platform.md §10.0: the grants the endpoint serves.
GRANTS: dict[str, Grant] = {
    JWT_BEARER_GRANT_TYPE: grant.exchange,  # §4
    "password": password.exchange,  # §10.1
    "refresh_token": refresh.exchange,  # §10.2
    "client_credentials": client_credentials.exchange,  # §10.3
    "authorization_code": authorization_code.exchange,  # §10.4
}


def exchange(platform: Platform, request: TokenRequest) -> dict[str, Any]:
    """The grant's token reply, or :class:`Refusal` (the caller logs it)."""
    check_form(request)
    name = request.form.get("grant_type")
    handler = GRANTS.get(name or "")
    if handler is None:
        shown = "missing" if name is None else clipped_repr(name)
        raise Refusal("grant_type_unsupported", f"grant_type {shown} is not one of {', '.join(GRANTS)}")
    return handler(platform, request)
