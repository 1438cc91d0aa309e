"""Client authentication and the app, for every grant but jwt-bearer (docs/platform.md §10.0).

- An ``Authorization: Basic base64(client_id:client_secret)`` header, where the
  grant's setting allows it; it wins over the form when both are sent. Its parts
  are compared as sent, then form-decoded (RFC 6749 §2.3.1) [CHOSEN].
- Otherwise the form's ``client_id`` and ``client_secret``.
- The app is the ``oauth_entity`` row (children such as ``oauth_jwt`` included)
  with that client id; active; its secret matches unless it is a public client,
  which may omit it for every grant except ``client_credentials``.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote_plus

from ..platform.refusals import Refusal, clipped_repr
from ..platform.settings import Settings
from ..platform.state import Platform
from ..tables.store import Record
from .request import TokenRequest

PASSWORD, REFRESH_TOKEN, CLIENT_CREDENTIALS, AUTHORIZATION_CODE = (
    "password", "refresh_token", "client_credentials", "authorization_code")


def basic_allowed(settings: Settings, grant: str) -> tuple[bool, str]:
    """Whether ``grant`` accepts HTTP Basic client authentication, and the setting that decides it."""
    if grant == CLIENT_CREDENTIALS:
        return settings.accept_basic_client_auth_client_credentials, "accept_basic_client_auth_client_credentials"
    return settings.accept_basic_client_auth, "accept_basic_client_auth"


def decode_basic(authorization: str | None) -> tuple[str, str | None] | None:
    """``(user, password)`` of an ``Authorization: Basic`` header; None for no header or another scheme.

    The password is None when the decoded value has no ``:``. :class:`ValueError` when the value
    is not base64 of UTF-8 text.
    """
    if not authorization:
        return None
    scheme, _, encoded = authorization.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, password = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError) as e:
        raise ValueError("not base64 of UTF-8 text") from e
    return user, password if sep else None


def authenticate_client(platform: Platform, request: TokenRequest, grant: str) -> Record:
    """The app that authenticated this request for ``grant``, or :class:`Refusal` (call under the store lock)."""
    settings = platform.settings
    try:
        basic = decode_basic(request.authorization)
    except ValueError:
        raise Refusal("client_auth_basic_refused", "the Authorization: Basic value is not base64 of "
                      "client_id:client_secret") from None
    if basic is not None:
        allowed, setting = basic_allowed(settings, grant)
        if not allowed:
            raise Refusal("client_auth_basic_refused", f"the client id and secret came as HTTP Basic, which "
                          f"{setting} turns off for the {grant} grant; send them in the form")
        candidates = [basic]
        decoded = (unquote_plus(basic[0]), None if basic[1] is None else unquote_plus(basic[1]))
        if decoded != basic:
            candidates.append(decoded)
    else:
        candidates = [(request.form.get("client_id") or "", request.form.get("client_secret"))]
    refusal: Refusal | None = None
    for client_id, client_secret in candidates:
        try:
            apps = platform.store.find("oauth_entity", "client_id", client_id) if client_id else []
            return check_app(apps, client_id, client_secret,
                             secret_required=grant == CLIENT_CREDENTIALS)
        except Refusal as e:
            refusal = e  # the form-decoded attempt, when there is one, explains best
    assert refusal is not None
    raise refusal


def check_app(apps: list[Record], client_id: str, client_secret: str | None, *, secret_required: bool) -> Record:
    """The app found for ``client_id``: it exists, is active, and the secret matches where one is needed."""
    if not client_id:
        raise Refusal("client_id_missing", "the request has no client_id (in the form or as HTTP Basic)")
    if not apps:
        raise Refusal("client_unknown", f"no application registry has client_id {clipped_repr(client_id)}")
    app = apps[0]
    if app["active"] != "true":
        raise Refusal("client_inactive", f"app {app['name']!r} (client_id {app['client_id']}) is inactive")
    if app["public_client"] == "true" and not secret_required:
        return app
    if not client_secret:
        why = "the client credentials grant needs the secret, also for a public client" if secret_required \
            and app["public_client"] == "true" else "the app is not a public client"
        raise Refusal("client_secret_missing", f"app {app['name']!r}: no client_secret was sent and {why}")
    if not app["client_secret"].matches(client_secret):
        raise Refusal("client_secret_invalid", f"the client_secret does not match app {app['name']!r}")
    return app

