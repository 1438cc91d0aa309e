"""Probes on app P, the password and refresh grants, revocation and Bearer use (docs/platform.md §10, §13).

Tokens come from fresh password grants; a probe that needs a token revoked
revokes its own. With ``reuse_live_access_token`` an instance may hand the
same live token to two probes: each probe reads only what it asked for.
"""

from __future__ import annotations

from .context import NOT_AUTHENTICATED, ProbeContext, agreeing, granted, random_token
from .outcome import Decision, SpecDefect, Undecided
from .registry import probe

#: docs/platform.md §10.0: expires_in is the app's access lifespan (1800 by default) less one.
EXPIRES_IN = 1799


@probe("accept_basic_client_auth")
def accept_basic_client_auth(ctx: ProbeContext) -> Decision:
    """P: a password grant, then a refresh, each with the client only in Authorization: Basic; 200 → true."""
    basic = (ctx.app.client_id, ctx.app.client_secret)
    password = ctx.password_grant("client id and secret as Basic only", client=False, basic=basic)
    _, refresh_token = ctx.tokens()
    refresh = ctx.refresh("a refresh, client id and secret as Basic only", refresh_token, client=False, basic=basic)
    return Decision(agreeing([granted(password), granted(refresh)], "the password and refresh grants"))


@probe("reuse_live_access_token")
def reuse_live_access_token(ctx: ProbeContext) -> Decision:
    """P: two good password grants a little apart; the same access_token → true."""
    first = ctx.password_grant()
    ctx.pause()
    second = ctx.password_grant("another good password grant, later")
    if not (granted(first) and granted(second)):
        raise Undecided("a good password grant was refused, so there is no token to compare")
    if first.member("access_token") != second.member("access_token"):
        return Decision(False)
    if first.member("refresh_token") != second.member("refresh_token"):
        raise SpecDefect("the access token came back again but the refresh token did not (docs/platform.md §10.1)")
    if [first.member("expires_in"), second.member("expires_in")] != [EXPIRES_IN, EXPIRES_IN]:
        raise SpecDefect(f"a re-used token's expires_in is not {EXPIRES_IN} both times (docs/platform.md §10.0)")
    return Decision(True)


@probe("ropc_refuse_web_service_only_users")
def ropc_refuse_web_service_only_users(ctx: ProbeContext) -> Decision:
    """P with a second user, web_service_access_only = true; 401 → true."""
    name = f"{ctx.provisioner.prefix}probe-web-service-user"
    password = ctx.app.user_password.reveal()  # already a run secret, masked in all output
    with ctx.temporary("sys_user", {"user_name": name, "email": f"{name}@snjwt.invalid", "first_name": "snjwt",
                                    "last_name": "probe", "user_password": password,
                                    "web_service_access_only": True}, input_display_value=True):
        return Decision(not granted(ctx.password_grant("a web-service-only user", username=name)))


@probe("rotate_refresh_token")
def rotate_refresh_token(ctx: ProbeContext) -> Decision:
    """P: a refresh grant, then a second refresh with the token first sent; a new refresh_token → true."""
    _, sent = ctx.tokens()
    first = ctx.refresh("a refresh", sent)
    if not granted(first):
        raise Undecided("a refresh with a live refresh token was refused")
    returned = first.member("refresh_token")
    if not isinstance(returned, str):
        raise SpecDefect("the refresh reply has no refresh_token (docs/platform.md §10.2)")
    if returned == sent:
        return Decision(False)
    if granted(ctx.refresh("the first refresh token again", sent)):
        raise SpecDefect("a new refresh token came back, yet the one it replaced still works")
    return Decision(True)


@probe("refresh_expires_previous_access_token")
def refresh_expires_previous_access_token(ctx: ProbeContext) -> Decision:
    """P: access token T1; a refresh; then the Table API with Bearer T1; 401 → true."""
    first_access, refresh_token = ctx.tokens()
    if not granted(ctx.refresh("a refresh", refresh_token)):
        raise Undecided("a refresh with a live refresh token was refused")
    used = ctx.use_token("the access token from before the refresh", first_access)
    return Decision(used.status == 401)


@probe("revoke_responses")
def revoke_responses(ctx: ProbeContext) -> Decision:
    """P: GET /oauth_revoke_token.do with a live access token, then with a random one: each reply as sent."""
    access, _ = ctx.tokens()
    known = ctx.revoke("a live access token", access)
    unknown = ctx.revoke("a random token", random_token())
    return Decision({"known": known.reply(), "unknown": unknown.reply()})


@probe("revoke_expires_sibling_refresh_tokens")
def revoke_expires_sibling_refresh_tokens(ctx: ProbeContext) -> Decision:
    """P: a password grant; revoke its access token; refresh with its refresh token; 401 → true."""
    access, refresh_token = ctx.tokens()
    ctx.revoke("the access token", access)
    return Decision(not granted(ctx.refresh("a refresh with the revoked token's sibling", refresh_token)))


@probe("www_authenticate_bearer_on_bad_token")
def www_authenticate_bearer_on_bad_token(ctx: ProbeContext) -> Decision:
    """The Table API with Bearer garbage, then with a revoked token; a Bearer challenge → true, Basic → false."""
    garbage = ctx.use_token("garbage", "garbage")
    access, _ = ctx.tokens()
    ctx.revoke("an access token", access)
    revoked = ctx.use_token("the revoked token", access)
    readings = []
    for answer in (garbage, revoked):
        if answer.status != 401 or answer.json != NOT_AUTHENTICATED:
            raise SpecDefect(f"a refused Bearer token got HTTP {answer.status}, not the 401 of docs/platform.md §2")
        scheme = answer.headers.get("WWW-Authenticate", "").split(" ", 1)[0].lower()
        if scheme not in ("bearer", "basic"):
            raise SpecDefect(f"the 401's WWW-Authenticate scheme is {scheme or 'missing'}, neither Bearer nor Basic")
        readings.append(scheme == "bearer")
    return Decision(agreeing(readings, "the garbage and revoked tokens' challenges"))
