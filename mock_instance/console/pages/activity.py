"""The live views: the request log, the refusals (what the platform writes only to its syslog), issued tokens.

Each page renders in full on the server (readable without JavaScript, with a
Refresh link); the console's script refreshes the table body from
``/snjwt-mock/console/live/<view>`` every few seconds.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from ...oauth.issued import issued_tokens, revoke_issued
from ...platform.reason_fixes import fix_for
from ...platform.refusals import ACCESS_TOKEN_REASONS, REASONS
from ...platform.request_log import RequestRecord
from ...tables.clock import format_glide
from ..context import Context
from ..html import BASE, Markup, badge, button, code_text, esc, fields, form, join, link, page, section, table, tag
from .common import meaning_of, reason_link

#: Rows a live table shows (the newest).
SHOWN_ROWS = 200
REQUEST_HEADERS = ["#", "time (UTC)", "request", "status", "reason", "caller", "ms"]
REFUSAL_HEADERS = ["time (UTC)", "source", "reason", "what the platform would only log"]
TOKEN_HEADERS = ["token", "type", "app", "user", "expires (UTC)", "state", ""]


def _status(record: RequestRecord) -> Markup:
    if record.status is None:
        return badge("dropped", "error")
    kind = "ok" if record.status < 300 else "warn" if record.status < 400 else "error"
    return badge(str(record.status), kind)


def _request_rows(ctx: Context) -> list[Sequence[object]]:
    rows = []
    for r in reversed(ctx.instance.requests[-SHOWN_ROWS:]):
        query = tag("span", f"?{r.query}", class_="query") if r.query else ""
        target = link(f"{BASE}/requests/{r.id}", tag("span", r.method, class_="method"), " ", r.path, query)
        extra = join([reason_link(r.reason), " ", badge(f"fault {r.fault}", "warn") if r.fault else ""])
        rows.append((str(r.id), format_glide(r.at)[11:], target, _status(r), extra, r.caller or "anonymous",
                     f"{r.duration_ms:.1f}"))
    return rows


def _refusal_rows(ctx: Context) -> list[Sequence[object]]:
    return [(format_glide(r.at), r.source, reason_link(r.code), r.sentence) for r in reversed(ctx.instance.refusals)]


def _token_rows(ctx: Context) -> list[Sequence[object]]:
    rows = []
    for t in issued_tokens(ctx.platform)[:SHOWN_ROWS]:
        action: Markup = Markup("")
        if t.live and t.type == "access_token":
            action = form(f"{BASE}/tokens/{t.sys_id}/revoke", button("Revoke", kind="danger small"),
                          class_="inline")
        state = badge("live", "ok") if t.live else badge("expired or revoked", "muted")
        rows.append((tag("code", t.token), t.type, t.app, t.user, t.expires, state, action))
    return rows


LIVE = {"requests": (REQUEST_HEADERS, _request_rows, "No request yet."),
        "refusals": (REFUSAL_HEADERS, _refusal_rows, "No refusal yet."),
        "tokens": (TOKEN_HEADERS, _token_rows, "No token issued yet.")}


def _live_table(ctx: Context, view: str) -> Markup:
    headers, rows, empty = LIVE[view]
    return table(headers, rows(ctx), empty=empty, id_="live-rows")


def _refresh(path: str) -> Markup:
    return join([tag("span", "updates live", class_="live-dot"), " ", link(path, "Refresh", class_="button small "
                                                                             "secondary")])


def live(ctx: Context, view: str) -> Response:
    """The table body of a live view, for the script."""
    if view not in LIVE:
        raise NotFound()
    headers, rows, empty = LIVE[view]
    found = [tag("tr", *(tag("td", cell) for cell in row)) for row in rows(ctx)]
    return ctx.html(join(found or [tag("tr", tag("td", empty, colspan=str(len(headers)), class_="empty"))]))


def requests_page(ctx: Context) -> Response:
    intro = tag("p", "Every request the mock served, newest first: what the client sent and what it got, with "
                     "every secret masked. Select one for its headers and bodies.", class_="lead")
    return ctx.html(page("Requests", f"{BASE}/requests", intro, section(
        f"Request log (the last {SHOWN_ROWS} of up to 500)", _live_table(ctx, "requests"),
        aside=_refresh(f"{BASE}/requests")), user=ctx.user, live="requests"))


def _headers(pairs: Iterable[tuple[str, str]]) -> Markup:
    return tag("pre", "\n".join(f"{name}: {value}" for name, value in pairs), class_="code")


def _pretty(body: str) -> str:
    """A JSON body indented for reading (it was masked already); anything else as it is."""
    if body[:1] not in ("{", "["):
        return body
    try:
        return json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except ValueError:
        return body


def request_page(ctx: Context, request_id: int) -> Response:
    record = ctx.platform.requests.get(request_id)
    if record is None:
        raise NotFound()
    rows: list[tuple[str, object]] = [("request", tag("code", f"{record.method} {record.target}")),
                                      ("status", _status(record))]
    if record.reason:
        rows += [("reason", join([reason_link(record.reason), " ", esc(meaning_of(record.reason))])),
                 ("fix", code_text(fix_for(record.reason)))]
    if record.fault:
        rows.append(("fault", badge(record.fault, "warn")))
    rows += [("caller", record.caller or "anonymous"), ("from", record.remote or "in-process"),
             ("at", f"{format_glide(record.at)} UTC (instance clock)"), ("took", f"{record.duration_ms:.2f} ms")]
    summary = fields(rows)
    parts = [section(f"Request #{record.id}", summary, aside=link(f"{BASE}/requests", "All requests",
                                                                   class_="button small secondary"))]
    for title, headers, body in (("Sent", record.request_headers, record.request_body),
                                 ("Answered", record.response_headers, record.response_body)):
        parts.append(section(title, _headers(headers), tag("pre", _pretty(body) or "(no body)", class_="code body")))
    return ctx.html(page(f"{record.method} {record.path}", f"{BASE}/requests", *parts, user=ctx.user))


def refusals_page(ctx: Context) -> Response:
    intro = tag("p", "The platform answers every refused token request with the same bare 401 and writes why "
                     "only to its system log. Here is that log, and what each reason code means.", class_="lead")
    codes = [(tag("code", code, id=f"reason-{code}"), meaning, code_text(fix_for(code)))
             for code, meaning in {**REASONS, **ACCESS_TOKEN_REASONS}.items()]
    return ctx.html(page("Refusals", f"{BASE}/refusals", intro,
                         section("Recent refusals", _live_table(ctx, "refusals"), aside=_refresh(f"{BASE}/refusals")),
                         section("Reason codes", table(["code", "meaning", "fix"], codes, class_="grid compact")),
                         user=ctx.user, live="refusals"))


def tokens_page(ctx: Context) -> Response:
    intro = tag("p", "System OAuth > Manage Tokens: every token the instance issued (shortened: a token is never "
                     "shown whole). Revoking one expires it now, as /oauth_revoke_token.do does; the API then "
                     "answers it 401.", class_="lead")
    return ctx.html(page("Tokens", f"{BASE}/tokens", intro, section(
        "Issued tokens", _live_table(ctx, "tokens"), aside=_refresh(f"{BASE}/tokens")), user=ctx.user, live="tokens"))


def revoke(ctx: Context, sys_id: str) -> Response:
    if not revoke_issued(ctx.platform, ctx.instance.tokens, sys_id):
        raise NotFound()
    return ctx.redirect(f"{BASE}/tokens")
