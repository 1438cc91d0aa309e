"""Fixtures for the other grants (docs/platform.md §10): an app for them, and their tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from .fixtures import _provisioned, _reasons, _variant

if TYPE_CHECKING:
    from mock_instance.client import GrantApp

    from .targets import Target
    from .tokens import InstanceInfo, TokenResponse


@pytest.fixture
def snjwt_grant_app(request: pytest.FixtureRequest, _snjwt_target: Target, snjwt_instance: InstanceInfo) -> GrantApp:
    """An "OAuth API endpoint for external clients" app for the other grants (docs/platform.md §10), whose
    OAuth Application User is the chain's user: ``client_id``, ``client_secret``, ``redirect_url``,
    ``user_name`` and ``user_password`` (for the password grant). Provisioned like the chain (mock and live).
    """
    variant = _variant(request)
    return _provisioned(variant, lambda: _snjwt_target.grant_app(variant, client_credentials=False))


@pytest.fixture
def snjwt_client_credentials(request: pytest.FixtureRequest, _snjwt_target: Target,
                             snjwt_instance: InstanceInfo) -> GrantApp:
    """:func:`snjwt_grant_app` with the client credentials grant switched on: the system property
    ``glide.oauth.inbound.client.credential.grant_type.enabled=true`` is created when absent (live: removed at
    the end; an instance where an admin set it otherwise is left alone and the test skipped).
    """
    variant = _variant(request)
    return _provisioned(variant, lambda: _snjwt_target.grant_app(variant, client_credentials=True))


@pytest.fixture
def snjwt_password_token(_snjwt_target: Target, snjwt_instance: InstanceInfo,
                         snjwt_grant_app: GrantApp) -> TokenResponse:
    """A password grant's reply for the chain's user: ``access_token``, ``refresh_token``, ``scope``,
    ``token_type``, ``expires_in`` (reprs masked). A refusal fails with the reason (mock).
    """
    from .tokens import grant_form, post_token

    return post_token(snjwt_instance.token_url, grant_form(snjwt_grant_app, "password"),
                      reasons=_reasons(snjwt_instance), session=_snjwt_target.http)


@pytest.fixture
def snjwt_client_credentials_token(_snjwt_target: Target, snjwt_instance: InstanceInfo,
                                   snjwt_client_credentials: GrantApp) -> TokenResponse:
    """A client credentials grant's reply (no refresh token); the token acts as the chain's user."""
    from .tokens import grant_form, post_token

    return post_token(snjwt_instance.token_url, grant_form(snjwt_client_credentials, "client_credentials"),
                      reasons=_reasons(snjwt_instance), session=_snjwt_target.http)
