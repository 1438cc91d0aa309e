"""Probes of ``refusal_bodies[<reason>]``: one request per reason, its reply stored as sent (docs/platform.md §13).

Each function sends the request that the reason names and returns the answer;
:func:`refusal` registers it as the probe of ``refusal_bodies[<reason>]``. A
reason the instance answers with 200 decides its own setting elsewhere, so it
records nothing here.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable

from ..client import CLIENT_CREDENTIALS_PROPERTY, make_keystore
from .answers import Answer
from .context import ProbeContext, random_token
from .jwt_bearer import OTHER_AUDIENCE, admin_subject
from .outcome import Decision, NotShown, Undecided
from .registry import ProbeSpec, add

Send = Callable[[ProbeContext], Answer]


def refusal(reason: str, *, instance_wide: bool = False,
            needs_session: bool = False) -> Callable[[Send], Send]:
    """Register ``send`` as the probe of ``refusal_bodies[reason]``."""
    def register(send: Send) -> Send:
        def run(ctx: ProbeContext) -> Decision:
            answer = send(ctx)
            if answer.status == 200:
                raise NotShown("the instance granted the request, so it has no refusal to record (the request "
                               "decides another setting)")
            if ctx.masker.contains_secret(answer.body.decode("utf-8", "replace")):
                raise Undecided("the reply repeats a secret of this run, so it is not recorded")
            return Decision(answer.reply())
        add(ProbeSpec(f"refusal_bodies[{reason}]", run, (send.__doc__ or "").strip(), instance_wide, needs_session))
        return send
    return register


def _now() -> int:
    return int(time.time())


@refusal("request_not_form")
def request_not_form(ctx: ProbeContext) -> Answer:
    """P: a good password grant sent as JSON."""
    return ctx.password_grant("a good password grant as JSON", as_json=True)


@refusal("grant_type_unsupported")
def grant_type_unsupported(ctx: ProbeContext) -> Answer:
    """P: grant_type=foo."""
    return ctx.token("grant_type=foo", {"grant_type": "foo", **ctx.client_fields()})


@refusal("client_unknown")
def client_unknown(ctx: ProbeContext) -> Answer:
    """P: a random client_id."""
    form = {"grant_type": "password", "username": ctx.app.user_name, "password": ctx.app.user_password.reveal(),
            "client_id": secrets.token_hex(16), "client_secret": ctx.app.client_secret.reveal()}
    return ctx.token("a random client_id", form)


@refusal("client_secret_invalid")
def client_secret_invalid(ctx: ProbeContext) -> Answer:
    """P: a wrong client secret."""
    form = {"grant_type": "password", "username": ctx.app.user_name, "password": ctx.app.user_password.reveal(),
            "client_id": ctx.app.client_id, "client_secret": secrets.token_urlsafe(24)}
    return ctx.token("a wrong client_secret", form)


@refusal("client_inactive")
def client_inactive(ctx: ProbeContext) -> Answer:
    """P with the app inactive (put back after)."""
    with ctx.changed("oauth_entity", ctx.app.sys_id, {"active": False}, {"active": True}):
        return ctx.password_grant("a good password grant, the app inactive")


@refusal("password_invalid")
def password_invalid(ctx: ProbeContext) -> Answer:
    """P: a wrong password."""
    return ctx.password_grant("a wrong password", password=secrets.token_urlsafe(18))


@refusal("user_not_found")
def user_not_found(ctx: ProbeContext) -> Answer:
    """P: a user name nobody has."""
    return ctx.password_grant("an unknown user name", username=f"{ctx.provisioner.prefix}probe-nobody")


@refusal("user_inactive")
def user_inactive(ctx: ProbeContext) -> Answer:
    """P with the user inactive (put back after)."""
    with ctx.changed("sys_user", ctx.chain.sys_ids["sys_user"], {"active": False}, {"active": True}):
        return ctx.password_grant("a good password grant, the user inactive")


@refusal("user_locked_out")
def user_locked_out(ctx: ProbeContext) -> Answer:
    """P with the user locked out (put back after)."""
    with ctx.changed("sys_user", ctx.chain.sys_ids["sys_user"], {"locked_out": True}, {"locked_out": False}):
        return ctx.password_grant("a good password grant, the user locked out")


@refusal("refresh_token_unknown")
def refresh_token_unknown(ctx: ProbeContext) -> Answer:
    """P: a refresh with 86 random characters."""
    return ctx.refresh("a random refresh token", random_token())


@refusal("refresh_token_expired")
def refresh_token_expired(ctx: ProbeContext) -> Answer:
    """P: a refresh with a revoked refresh token."""
    _, refresh_token = ctx.tokens()
    ctx.revoke("the refresh token", refresh_token)
    return ctx.refresh("the revoked refresh token", refresh_token)


@refusal("client_credentials_disabled")
def client_credentials_disabled(ctx: ProbeContext) -> Answer:
    """P: client credentials while the instance has no client-credentials property."""
    rows = [row for row in ctx.admin.query("sys_properties", f"name={CLIENT_CREDENTIALS_PROPERTY}", "sys_id,name")
            if row.get("name") == CLIENT_CREDENTIALS_PROPERTY]
    if rows:
        raise Undecided(f"the instance has {CLIENT_CREDENTIALS_PROPERTY} already, and the probe does not change it")
    return ctx.token("client credentials, the grant not enabled",
                     {"grant_type": "client_credentials", **ctx.client_fields()})


@refusal("application_user_missing", instance_wide=True)
def application_user_missing(ctx: ProbeContext) -> Answer:
    """CC: an app without an OAuth Application User."""
    ctx.enable_client_credentials()
    secret = secrets.token_urlsafe(24)
    ctx.masker.add(secret)
    with ctx.temporary("oauth_entity", {"name": f"{ctx.provisioner.prefix}probe app without user",
                                        "client_secret": secret, "type": "client"}) as app:
        return ctx.token("client credentials, the app has no user", {
            "grant_type": "client_credentials", "client_id": app["client_id"], "client_secret": secret})


@refusal("code_invalid")
def code_invalid(ctx: ProbeContext) -> Answer:
    """P: an authorization_code exchange with a random code."""
    return ctx.token("a random authorization code", {
        "grant_type": "authorization_code", "code": random_token(), "redirect_uri": ctx.app.redirect_url,
        **ctx.client_fields()})


@refusal("code_challenge_mismatch", needs_session=True)
def code_challenge_mismatch(ctx: ProbeContext) -> Answer:
    """AC: a code exchanged with the wrong PKCE verifier."""
    raise Undecided("needs an interactive session")


@refusal("kid_unknown")
def kid_unknown(ctx: ProbeContext) -> Answer:
    """J: a kid no verifier map has."""
    return ctx.exchange("an unknown kid", ctx.assertion(kid=secrets.token_hex(16)))


@refusal("signature_invalid")
def signature_invalid(ctx: ProbeContext) -> Answer:
    """J: signed with another key."""
    other = ctx.once("other_key", lambda: make_keystore(alias="other").private_key)
    return ctx.exchange("signed with another key", ctx.assertion(key=other))


@refusal("alg_not_allowed")
def alg_not_allowed(ctx: ProbeContext) -> Answer:
    """J: alg none, no signature."""
    return ctx.exchange("alg none", ctx.assertion(algorithm="none"))


@refusal("aud_mismatch")
def aud_mismatch(ctx: ProbeContext) -> Answer:
    """J: aud another audience."""
    return ctx.exchange("aud another audience", ctx.assertion(claims={"aud": OTHER_AUDIENCE}))


@refusal("iss_mismatch")
def iss_mismatch(ctx: ProbeContext) -> Answer:
    """J: iss another issuer."""
    return ctx.exchange("iss another issuer", ctx.assertion(claims={"iss": OTHER_AUDIENCE}))


@refusal("token_expired")
def token_expired(ctx: ProbeContext) -> Answer:
    """J: exp ten minutes ago."""
    now = _now()
    claims = {"iat": now - 900, "nbf": now - 900, "exp": now - 600}
    return ctx.exchange("exp ten minutes ago", ctx.assertion(claims=claims))


@refusal("token_not_yet_valid")
def token_not_yet_valid(ctx: ProbeContext) -> Answer:
    """J: nbf ten minutes ahead."""
    now = _now()
    return ctx.exchange("nbf ten minutes ahead", ctx.assertion(claims={"nbf": now + 600, "exp": now + 900}))


@refusal("jti_replayed")
def jti_replayed(ctx: ProbeContext) -> Answer:
    """J: the same assertion twice; the second reply."""
    assertion = ctx.assertion()
    if ctx.exchange("a good assertion", assertion).status != 200:
        raise Undecided("a good assertion was refused the first time")
    return ctx.exchange("the same assertion again", assertion)


@refusal("user_is_admin")
def user_is_admin(ctx: ProbeContext) -> Answer:
    """J: sub = a user holding admin (the answer refuse_admin_subjects reads)."""
    return admin_subject(ctx)  # type: ignore[no-any-return]
