"""Pieces several console pages share: the instance's summary line and links to a reason code."""

from __future__ import annotations

from ...platform.reason_fixes import fix_for
from ...platform.refusals import ACCESS_TOKEN_REASONS, REASONS
from ...tables.clock import format_glide
from ..context import Context
from ..html import BASE, Markup, badge, link, tag


def meaning_of(code: str) -> str:
    return REASONS.get(code) or ACCESS_TOKEN_REASONS.get(code, "")


def reason_link(code: str | None) -> Markup:
    """A reason code linked to its meaning and fix (the refusals page lists them all)."""
    if not code:
        return Markup("")
    title = f"{meaning_of(code)}. Fix: {fix_for(code)}" if fix_for(code) else meaning_of(code)
    return link(f"{BASE}/refusals#reason-{code}", tag("code", code), class_="reason", title=title)


def instance_summary(ctx: Context) -> Markup:
    """One line: the URL, the clock, and how much the live views hold."""
    clock = ctx.instance.clock
    state = badge("frozen", "warn") if clock.frozen else badge("running", "ok")
    counts = [(len(ctx.instance.requests), "requests", f"{BASE}/requests"),
              (len(ctx.instance.refusals), "refusals", f"{BASE}/refusals"),
              (ctx.instance.store.count("oauth_credential"), "tokens", f"{BASE}/tokens")]
    return tag("div",
               tag("span", "Instance ", tag("code", ctx.base_url)),
               tag("span", "Clock ", link(f"{BASE}/instance", tag("code", f"{format_glide(clock.time())} UTC")),
                   " ", state),
               *(tag("span", link(href, f"{count} {label}")) for count, label, href in counts),
               class_="summary")
