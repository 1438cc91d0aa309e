"""The landing page: each JWT chain as the setup article's steps, and one record's page."""

from __future__ import annotations

from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from ...tables.views import public_view
from ..chains import STEP_TITLES, ChainView, Finding, RecordView, chain_views
from ..context import Context
from ..html import BASE, Markup, badge, esc, fields, join, link, note, page, section, table, tag
from .common import instance_summary, reason_link

#: Password fields: the console says whether one is set, never what it holds.
SECRET_FIELDS = {"client_secret", "shared_key", "key_store_password", "signing_key_password", "user_password",
                 "token"}


def record_href(table_name: str, sys_id: str) -> str:
    return f"{BASE}/record/{table_name}/{sys_id}"


def _finding(finding: Finding) -> Markup:
    return tag("li", badge("refused" if finding.level == "error" else "check", finding.level), " ", finding.text,
               " ", reason_link(finding.reason) if finding.reason else "", class_=f"finding {finding.level}")


def _record(record: RecordView) -> Markup:
    title = tag("div", link(record_href(record.table, record.sys_id), record.name),
                tag("span", record.table, class_="table-name"), class_="record-title")
    shown = fields((name, value or tag("span", "empty", class_="muted")) for name, value in record.fields)
    problems = tag("ul", *(_finding(f) for f in record.findings), class_="findings") if record.findings else ""
    state = "bad" if any(f.level == "error" for f in record.findings) else "warn" if record.findings else ""
    return tag("div", title, shown, problems, class_=f"record {state}")


def _step(number: int, records: list[RecordView]) -> Markup:
    title, menu = STEP_TITLES[number]
    if records:
        body = join(_record(r) for r in records)
    elif number in (2, 3):
        body = tag("p", "None: only GlideJWTAPI (the instance signing its own JWTs) needs it.", class_="muted")
    else:
        body = tag("p", "None found.", class_="muted")
    return tag("div", tag("div", tag("span", str(number) if number < 5 else "✓", class_="step-no"),
                          tag("div", tag("h3", title), tag("div", menu, class_="menu")), class_="step-head"),
               tag("div", body, class_="step-body"), class_="step")


def _chain(chain: ChainView) -> Markup:
    errors = [f for f in chain.findings if f.level == "error"]
    warnings = [f for f in chain.findings if f.level == "warn"]
    status = (badge(f"{len(errors)} problem(s)", "error") if errors else badge("ready", "ok"))
    if warnings:
        status = join([status, " ", badge(f"{len(warnings)} warning(s)", "warn")])
    client_id = dict(chain.app.fields).get("client_id", "")
    tools = ""
    if chain.known is not None:
        tools = link(f"{BASE}/debugger?chain={chain.app.sys_id}", "Sign and check a JWT", class_="button small")
    steps = tag("div", *(_step(n, chain.steps[n]) for n in sorted(chain.steps)), class_="steps")
    return section(chain.app.name, tag("p", "client_id ", tag("code", client_id), class_="sub"), steps,
                   id_=f"chain-{chain.app.sys_id}", aside=join([status, " ", tools]))


def overview(ctx: Context) -> Response:
    chains, orphans = chain_views(ctx.instance, ctx.keyring)
    content: list[Markup] = [instance_summary(ctx)]
    if not chains:
        content.append(note(join(["No JWT chain on this instance yet. ",
                                  link(f"{BASE}/setup", "Set one up"), " as the article does, or run ",
                                  tag("code", "snjwt-mock serve --demo"), "."])))
    content += [_chain(c) for c in chains]
    if orphans:
        content.append(section("JWT keys in no chain", join(_record(r) for r in orphans)))
    return ctx.html(page("JWT chains", "/", *content, user=ctx.user))


def record(ctx: Context, table_name: str, sys_id: str) -> Response:
    store = ctx.instance.store
    with store.lock:
        if table_name not in store.tables():
            raise NotFound()
        found = store.get(table_name, sys_id)
        if found is None:
            raise NotFound()
        shown = public_view(store, found)
        definitions = store.fields(found["sys_class_name"])
        rows = []
        for name, value in shown.items():
            definition = definitions.get(name)
            if name in SECRET_FIELDS or (definition is not None and definition.kind == "password"):
                cell: Markup = badge("set" if found[name] else "empty", "muted")
            elif definition is not None and definition.reference and value:
                cell = link(record_href(definition.reference, value), value)
            else:
                cell = esc(value)
            rows.append((tag("code", name), cell))
    api = f"/api/now/table/{found['sys_class_name']}/{sys_id}"
    return ctx.html(page(f"{found['sys_class_name']} {sys_id}", "", section(
        "Fields", table(["field", "value"], rows),
        aside=link(api, "as the Table API returns it", class_="button small secondary")), user=ctx.user))
