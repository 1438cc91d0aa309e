"""A dry run of the jwt-bearer grant: every check of docs/platform.md §4, in order, and no token.

The console's JWT debugger and ``POST /snjwt-mock/dry_run`` use it to explain
an assertion: the same step functions as the real exchange run, through the
one sequence in :func:`~.grant.run_steps`, and each step's result is reported
until the first refusal, named with its reason code, meaning and fix. Nothing
is written: no token, no jti recorded, no ``syslog`` row, no refusal logged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..crypto.jose import JWT_BEARER_GRANT_TYPE
from ..platform.reason_fixes import fix_for
from ..platform.refusals import REASONS, Refusal
from ..platform.state import Platform
from ..tables.clock import format_glide
from .claims import clock_skew
from .compact import parse_claims, parse_header
from .grant import run_steps
from .request import FORM_CONTENT_TYPE, TokenRequest

#: docs/platform.md §4's steps: what each checks, as the debugger lists them.
STEPS = {
    1: "Request: a form with the jwt-bearer grant_type and an assertion",
    2: "App registry: an active OAuth JWT API endpoint with this client_id",
    3: "Client secret",
    4: "JWT header: it parses, and alg is allowed",
    5: "JWT verifier map: the one whose kid is the header's",
    6: "Signature: with the map's certificate (RS/ES) or shared key (HS)",
    7: "aud is the client_id",
    8: "iss is the client_id (or an iss claim validation)",
    9: "exp and nbf, with the app's clock skew",
    10: "Custom claim validations",
    11: "jti: not used before for this app",
    12: "User: sub in the app's User field; active, not locked out, not admin",
    13: "Access token issued",
}


@dataclass(frozen=True)
class StepResult:
    """One step's outcome: ``passed``, ``failed``, ``skipped`` or ``not reached``."""

    number: int
    title: str
    status: str
    detail: str = ""
    reason: str | None = None

    @property
    def meaning(self) -> str:
        """What the reason code means (docs: the README's troubleshooting table)."""
        return REASONS.get(self.reason or "", "")

    @property
    def fix(self) -> str:
        return fix_for(self.reason or "")

    def as_dict(self) -> dict[str, Any]:
        return {"step": self.number, "title": self.title, "status": self.status, "detail": self.detail,
                "reason": self.reason, "meaning": self.meaning or None, "fix": self.fix or None}


@dataclass(frozen=True)
class DryRun:
    """The whole report: the decoded header and claims (None when unreadable) and every step."""

    header: dict[str, Any] | None
    claims: dict[str, Any] | None
    steps: list[StepResult] = field(default_factory=list)

    @property
    def failed(self) -> StepResult | None:
        """The failing step, or None when every check passed."""
        return next((s for s in self.steps if s.status == "failed"), None)

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape (``POST /snjwt-mock/dry_run``)."""
        failed = self.failed
        return {"accepted": failed is None, "reason": failed.reason if failed else None,
                "header": self.header, "claims": self.claims, "steps": [s.as_dict() for s in self.steps]}


def dry_run(platform: Platform, assertion: str, client_id: str | None = None,
            client_secret: str | None = None) -> DryRun:
    """Run every check on ``assertion`` as ``/oauth_token.do`` would, and issue nothing.

    ``client_id`` None looks the app up as for a public client (by ``aud``);
    ``client_secret`` None skips step 3, which is reported as skipped.
    """
    form = {"grant_type": JWT_BEARER_GRANT_TYPE, "assertion": assertion}
    if client_id:
        form["client_id"] = client_id
    if client_secret is not None:
        form["client_secret"] = client_secret
    request = TokenRequest(content_type=FORM_CONTENT_TYPE, form=form)
    results: list[StepResult] = []

    def passed(step: int, **found: Any) -> None:
        status = "skipped" if step == 3 and not found.get("checked") else "passed"
        results.append(StepResult(step, STEPS[step], status, _describe(step, found)))

    try:
        run_steps(platform, request, finish=lambda *_: None, on_step=passed, check_secret=client_secret is not None)
    except Refusal as refusal:
        step = len(results) + 1
        results.append(StepResult(step, STEPS[step], "failed", refusal.sentence, refusal.code))
    else:
        results.append(StepResult(13, STEPS[13], "skipped", "a dry run issues no token, and records no jti"))
    results += [StepResult(n, STEPS[n], "not reached") for n in range(len(results) + 1, 14)]
    return DryRun(_readable(parse_header, assertion), _readable(parse_claims, assertion), results)


def _readable(parse: Any, assertion: str) -> dict[str, Any] | None:
    try:
        return parse(assertion)  # type: ignore[no-any-return]
    except Refusal:
        return None


def _describe(step: int, found: dict[str, Any]) -> str:
    app, claims = found.get("app"), found.get("claims") or {}
    if step == 1:
        return "built by the debugger: grant_type, client_id, client_secret and the assertion"
    if step == 2:
        return f"app {app['name']!r} (client_id {app['client_id']}) is active"
    if step == 3:
        if app["public_client"] == "true":
            return "a public client: no secret needed"
        return "the client secret matches" if found.get("checked") else "no client secret given: not checked"
    if step == 4:
        return f"alg {found['alg']} is allowed"
    if step == 5:
        return f"verifier map {found['verifier_map']['name']!r} has kid {found['verifier_map']['kid']}"
    if step == 6:
        with_what = "the shared key" if found["alg"].startswith("HS") else "the certificate"
        return f"the {found['alg']} signature verifies with {with_what} of map {found['verifier_map']['name']!r}"
    if step == 7:
        return f"aud {claims.get('aud')!r} is accepted"
    if step == 8:
        return f"iss {claims.get('iss')!r} is accepted"
    if step == 9:
        return (f"exp {format_glide(claims['exp'])} plus clock skew {clock_skew(app)}s is not before now "
                f"({format_glide(found['now'])})")
    if step == 10:
        count = len(found["validations"])
        return f"{count} custom claim validation(s) match" if count else "the app has no custom claim validations"
    if step == 11:
        if app["enable_jti_verification"] != "true":
            return "JTI verification is off for this app"
        jti = found.get("jti")
        return "no jti (accepted)" if jti is None else f"jti {jti!r} was not used before"
    user = found["user"]
    field_name = app["user_field"] or "email"
    return f"user {user['user_name']!r} ({field_name} = {claims.get('sub')!r}) is active and not an admin"
