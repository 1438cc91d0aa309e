"""Opt-in probes (docs/platform.md §13): client credentials, which need an instance-wide property, the REST
body limit, which sends 20 MB, and the authorization-code probes, which need an interactive session.

Client credentials are switched on by creating
``glide.oauth.inbound.client.credential.grant_type.enabled=true`` when it is
absent (every integration on the instance then sees the grant enabled until the
run's teardown deletes it); an instance whose admin set it otherwise is left alone.
"""

from __future__ import annotations

import json

from .answers import Answer
from .context import ProbeContext, granted
from .outcome import Decision, SpecDefect, Undecided
from .registry import probe

MB = 1024 * 1024
#: docs/platform.md §2: the REST body limit [OBS], and how far from it the two requests go.
REST_BODY_LIMIT = 10 * MB
MARGIN = 1024
#: docs/platform.md §2: the error message of a body over the limit.
BODY_REFUSED = "Exception while reading request"


def client_credentials(ctx: ProbeContext, what: str, *, basic: bool = False) -> Answer:
    """A client-credentials grant of app P (client id and secret in the form, or only as Basic)."""
    ctx.enable_client_credentials()
    if basic:
        return ctx.token(what, {"grant_type": "client_credentials"}, basic=(ctx.app.client_id, ctx.app.client_secret))
    return ctx.token(what, {"grant_type": "client_credentials", **ctx.client_fields()})


@probe("accept_basic_client_auth_client_credentials", instance_wide=True)
def accept_basic_client_auth_client_credentials(ctx: ProbeContext) -> Decision:
    """CC: the client id and secret only in Authorization: Basic; 200 → true."""
    return Decision(granted(client_credentials(ctx, "client credentials as Basic only", basic=True)))


@probe("token_scope_from_app_mapping", instance_wide=True)
def token_scope_from_app_mapping(ctx: ProbeContext) -> Decision:
    """CC, the app with no auth-scope mapping: scope "" → true; "useraccount" → false."""
    answer = client_credentials(ctx, "client credentials")
    if not granted(answer):
        raise Undecided("a good client-credentials grant was refused")
    scope = answer.member("scope")
    if scope not in ("", "useraccount"):
        raise SpecDefect(f"the reply's scope is {scope!r}, neither \"\" nor \"useraccount\" (docs/platform.md §10.0)")
    return Decision(scope == "")


@probe("reuse_live_access_token_client_credentials", instance_wide=True)
def reuse_live_access_token_client_credentials(ctx: ProbeContext) -> Decision:
    """CC: two grants a little apart; the same access_token → true."""
    first = client_credentials(ctx, "client credentials")
    ctx.pause()
    second = client_credentials(ctx, "client credentials again, later")
    if not (granted(first) and granted(second)):
        raise Undecided("a good client-credentials grant was refused, so there is no token to compare")
    return Decision(first.member("access_token") == second.member("access_token"))


@probe("authorize_returns_pending_code", needs_session=True)
def authorize_returns_pending_code(ctx: ProbeContext) -> Decision:
    """AC: two authorize requests with different code challenges; the same code → true."""
    raise Undecided("needs an interactive session")


@probe("rest_body_limit", instance_wide=True)
def rest_body_limit(ctx: ProbeContext) -> Decision:
    """POST an incident with a JSON body 1 KB under, then 1 KB over 10 MB; kept, then 400 → 10 MB."""
    under = post_incident(ctx, REST_BODY_LIMIT - MARGIN)
    if under.status != 201:
        raise Undecided(f"a body {MARGIN} bytes under 10 MB got HTTP {under.status}: the limit is lower, and the "
                        "probe does not search for it")
    over = post_incident(ctx, REST_BODY_LIMIT + MARGIN)
    if over.status == 201:
        raise Undecided(f"a body {MARGIN} bytes over 10 MB was accepted: the limit is higher, and the probe does "
                        "not search for it")
    error = over.member("error")
    if over.status != 400 or not isinstance(error, dict) or error.get("message") != BODY_REFUSED:
        raise SpecDefect(f"a body over the limit got HTTP {over.status}, not the 400 {BODY_REFUSED!r} of "
                         "docs/platform.md §2")
    return Decision(REST_BODY_LIMIT)


def post_incident(ctx: ProbeContext, size: int) -> Answer:
    """POST a JSON body of exactly ``size`` bytes to the incident table (the padding in a field no table has);
    a record it makes is this run's, deleted at once."""
    head = {"short_description": f"{ctx.provisioner.prefix}probe body limit", "u_snjwt_padding": ""}
    skeleton = json.dumps(head, separators=(",", ":")).encode()
    body = skeleton[:-2] + b"A" * (size - len(skeleton)) + skeleton[-2:]
    response = ctx.admin.session.post(f"{ctx.url}/api/now/table/incident", data=body, allow_redirects=False,
                                      headers={"Content-Type": "application/json"}, params={"sysparm_fields": "sys_id"})
    answer = Answer.of(response)
    result = answer.member("result")
    if answer.status == 201 and isinstance(result, dict) and isinstance(result.get("sys_id"), str):
        ctx.provisioner.adopt("incident", result["sys_id"])
        ctx.problems += ctx.provisioner.remove("incident", result["sys_id"])
    ctx.evidence.append(ctx.masker.evidence(f"POST /api/now/table/incident, a JSON body of {size} bytes", answer))
    return answer
