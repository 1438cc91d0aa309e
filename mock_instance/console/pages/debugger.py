"""The JWT debugger: an assertion through every check of docs/platform.md §4, in order, without a token.

Paste one (with the client id, and the secret if step 3 should be checked),
or sign one from a chain the console holds the key of, changing a claim to
see what the platform would say. The checks are the token endpoint's own
(:mod:`mock_instance.oauth.dry_run`): nothing is written, no jti is used up,
and the assertion is not shown back (it is a credential).
"""

from __future__ import annotations

import json
from typing import Any

from werkzeug.wrappers import Response

from ...client import build_claims, make_keystore, sign
from ...oauth.dry_run import DryRun, StepResult, dry_run
from ..context import Context, KnownChain
from ..html import (
    BASE,
    Markup,
    badge,
    button,
    checkbox,
    code_text,
    field,
    form,
    join,
    note,
    page,
    section,
    select,
    tag,
    text_input,
)
from .common import reason_link

PATH = f"{BASE}/debugger"
STATUS_BADGES = {"passed": ("passed", "ok"), "failed": ("failed", "error"), "skipped": ("skipped", "muted"),
                 "not reached": ("not reached", "muted")}


def _paste_form(values: Any) -> Markup:
    return section("Paste an assertion", form(
        PATH, tag("input", type="hidden", name="mode", value="paste"),
        field("Assertion (JWT)", tag("textarea", name="assertion", rows="5", spellcheck="false", autocomplete="off",
                                     placeholder="header.claims.signature (base64url)", required=True)),
        tag("div", field("client_id", text_input("client_id", values.get("client_id", ""),
                                                 placeholder="blank: look a public client up by aud")),
            field("client_secret", text_input("client_secret", type="password", autocomplete="off"),
                  "blank: step 3 is skipped"), class_="row"),
        tag("div", button("Check"), class_="buttons")))


def _sign_form(ctx: Context, values: Any) -> Markup:
    chains = ctx.keyring.all()
    if not chains:
        return section("Sign one from a chain", tag("p", "The console signs only for chains it holds the key of: "
                                                          "set one up on the Set up page, or start the server "
                                                          "with --demo.", class_="muted"))
    chosen = ctx.keyring.get(values.get("chain", "")) or chains[-1]
    claims = build_claims(chosen.chain.client_id, chosen.chain.user)
    return section("Sign one from a chain", form(
        PATH, tag("input", type="hidden", name="mode", value="sign"),
        field("Chain", select("chain", [(k.app_sys_id, f"{k.label} ({k.chain.algorithm}, client_id "
                                                        f"{k.chain.client_id})") for k in chains], chosen.app_sys_id)),
        tag("div", field("aud", text_input("aud", values.get("aud") or claims["aud"])),
            field("iss", text_input("iss", values.get("iss") or claims["iss"])), class_="row"),
        tag("div", field("sub", text_input("sub", values.get("sub") or claims["sub"])),
            field("kid (header)", text_input("kid", values.get("kid") or chosen.chain.kid or "")), class_="row"),
        tag("div", field("Expires in (s)", text_input("lifetime", values.get("lifetime") or "300", type="number"),
                         "negative: already expired"), class_="row"),
        checkbox("wrong_key", "Sign with another key (to see the signature check fail)",
                 values.get("wrong_key") == "true"),
        tag("div", button("Sign and check"), class_="buttons")))


def _signed(known: KnownChain, values: Any) -> str:
    chain = known.chain
    try:
        lifetime = int(values.get("lifetime") or 300)
    except ValueError:
        raise ValueError("expires in: a whole number of seconds") from None
    claims = build_claims(chain.client_id, chain.user, lifetime=lifetime)
    claims.update({name: values[name] for name in ("aud", "iss", "sub") if values.get(name)})
    key = chain.key
    if values.get("wrong_key") == "true":
        key = make_keystore(algorithm=chain.algorithm).private_key if chain.private_key_pem else "another shared key"
    return sign(claims, key, chain.algorithm, kid=values.get("kid") or None)


def _step(step: StepResult) -> Markup:
    label, kind = STATUS_BADGES[step.status]
    extra: Any = ""
    if step.status == "failed":
        extra = tag("div", tag("div", "reason ", reason_link(step.reason), ": ", step.meaning),
                    tag("div", tag("strong", "Fix: "), code_text(step.fix)), class_="failure")
    return tag("li", tag("span", str(step.number), class_="step-no"),
               tag("div", tag("div", tag("strong", step.title), " ", badge(label, kind), class_="step-title"),
                   tag("div", step.detail, class_="detail") if step.detail else "", extra),
               class_=f"dry-step {step.status.replace(' ', '-')}")


def _report(report: DryRun) -> Markup:
    failed = report.failed
    verdict = note(join(["Refused at step ", str(failed.number), ": ", reason_link(failed.reason), " — ",
                         failed.detail]), "error") if failed else \
        note("Every check passed: the token endpoint would issue a token for this assertion.", "ok")
    decoded = tag("div",
                  tag("div", tag("h3", "Header"), tag("pre", _json(report.header), class_="code")),
                  tag("div", tag("h3", "Claims"), tag("pre", _json(report.claims), class_="code")), class_="columns")
    checks = tag("ol", *(_step(s) for s in report.steps), class_="checks")
    return join([verdict, section("Decoded (not verified)", decoded),
                 section("The checks of docs/platform.md §4, in order", checks,
                         aside=tag("span", "a dry run: no token, no jti recorded, nothing logged", class_="muted"))])


def _json(value: Any) -> str:
    return "(not readable as JSON)" if value is None else json.dumps(value, indent=2, ensure_ascii=False)


def debugger(ctx: Context) -> Response:
    values = ctx.request.form if ctx.request.method == "POST" else ctx.request.args
    intro = tag("p", "What would the token endpoint say to this assertion, and why? Every check runs as "
                     "/oauth_token.do runs it, stopping at the first that fails.", class_="lead")
    result: Markup = Markup("")
    status = 200
    if ctx.request.method == "POST":
        try:
            if values.get("mode") == "sign":
                known = ctx.keyring.get(values.get("chain", ""))
                if known is None:
                    raise ValueError("pick a chain the console holds the key of")
                assertion = _signed(known, values)
                client_id, secret = known.chain.client_id, known.chain.client_secret.reveal()
            else:
                assertion = (values.get("assertion") or "").strip()
                if not assertion:
                    raise ValueError("paste an assertion")
                client_id, secret = values.get("client_id") or None, values.get("client_secret") or None
            result = _report(dry_run(ctx.platform, assertion, client_id, secret))
        except ValueError as e:
            result, status = note(str(e), "error"), 400
    forms = tag("div", _paste_form(values), _sign_form(ctx, values), class_="columns")
    return ctx.html(page("JWT debugger", PATH, intro, result, forms, user=ctx.user), status=status)
