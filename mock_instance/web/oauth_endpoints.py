"""The OAuth endpoints over HTTP: ``/oauth_token.do``, ``/oauth_revoke_token.do``, ``/oauth_auth.do``.

The oauth layer decides; this module reads the request the way the platform
reads it and writes the platform's replies (docs/platform.md §4, §10), with the
recorded replies of ``refusal_bodies`` and ``revoke_responses`` (§9) where set.
"""

from __future__ import annotations

import html

from werkzeug.wrappers import Request, Response

from ..oauth.authorize import AuthorizeRefusal, AuthorizeRequest
from ..oauth.request import FORM_CONTENT_TYPE, TokenRequest
from ..oauth.tokens import TokenService
from ..platform.refusals import REFUSAL_BODY, REFUSAL_STATUS, Refusal
from ..platform.settings import Reply, Settings
from ..platform.state import Platform
from ..tables.errors import BadRequest, json_response
from .request import read_body, read_form


def reply_response(reply: Reply) -> Response:
    """A recorded reply, byte for byte."""
    response = Response(reply.body, status=reply.status)
    if reply.content_type is None:
        del response.headers["Content-Type"]
    else:
        response.headers["Content-Type"] = reply.content_type
    return response


def refusal_response(settings: Settings, refusal: Refusal) -> Response:
    """A token refusal: the recorded reply for its reason, else the spec's (docs/platform.md §4, §10.4)."""
    recorded = settings.refusal_bodies.get(refusal.code)
    if recorded is not None:
        return reply_response(recorded)
    return json_response(refusal.body if refusal.body is not None else REFUSAL_BODY, REFUSAL_STATUS)


def token(platform: Platform, tokens: TokenService, request: Request) -> Response:
    """``POST /oauth_token.do``: every grant, the form body only."""
    try:
        body = read_body(request, platform.settings.rest_body_limit)
    except BadRequest as e:
        # Too large to read: refused before the grant's own checks, logged the same way.
        refusal = Refusal("request_too_large", str(e.detail))
        platform.refuse(refusal)
        return refusal_response(platform.settings, refusal)
    form, repeated = read_form(body) if request.mimetype == FORM_CONTENT_TYPE else ({}, frozenset())
    token_request = TokenRequest(
        content_type=request.mimetype,
        form=form,
        repeated=repeated,
        authorization=request.headers.get("Authorization"),
        authentication=request.headers.get("Authentication"),
    )
    try:
        return json_response(tokens.exchange(token_request))
    except Refusal as refusal:
        return refusal_response(platform.settings, refusal)


def _parameters(platform: Platform, request: Request) -> dict[str, str]:
    """Query parameters, and for a POST the form body's over them (first value of each)."""
    params = {key: request.args[key] for key in request.args}
    if request.method == "POST" and request.mimetype == FORM_CONTENT_TYPE:
        params.update(read_form(read_body(request, platform.settings.rest_body_limit))[0])
    return params


def revoke(platform: Platform, tokens: TokenService, request: Request) -> Response:
    """``GET|POST /oauth_revoke_token.do?token=``: no authentication; the reply by ``revoke_responses``."""
    token_value = request.args.get("token")
    if token_value is None:
        token_value = _parameters(platform, request).get("token")
    known = tokens.revoke(token_value or "")
    return reply_response(platform.settings.revoke_responses["known" if known else "unknown"])


def authorize(platform: Platform, tokens: TokenService, request: Request) -> Response:
    """``GET|POST /oauth_auth.do``: approve at once and redirect with the code (docs/platform.md §10.4)."""
    auth_request = AuthorizeRequest(_parameters(platform, request), request.headers.get("Authorization"))
    try:
        location = tokens.authorize(auth_request)
    except AuthorizeRefusal as refusal:
        if refusal.location is not None:
            return Response(status=302, headers={"Location": refusal.location})
        return _page(refusal.page or f"[{refusal.code}] {refusal.sentence}")
    except Refusal as refusal:
        return _page(f"[{refusal.code}] {refusal.sentence}")
    return Response(status=302, headers={"Location": location})


def _page(text: str) -> Response:
    """A refused authorize before its redirect: a 400 page naming the reason [CHOSEN]."""
    body = f"<html><head><title>OAuth error</title></head><body><p>{html.escape(text)}</p></body></html>"
    return Response(body, status=400, content_type="text/html;charset=UTF-8")
