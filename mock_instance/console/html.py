"""Server-rendered HTML for the console: escaping, a few building blocks, and the page frame.

No template engine and no build step: every value is escaped on its way in
(:func:`esc`), and :class:`Markup` marks what is already HTML. Links are
root-relative, so the console works behind any host and port.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from typing import Any

#: Where the console's own pages live (``/`` is its landing page).
BASE = "/snjwt-mock/console"
#: The navigation: (path, label), in the order of the setup article and then the live views.
NAV = [("/", "Chain"), (f"{BASE}/setup", "Set up"), (f"{BASE}/debugger", "JWT debugger"),
       (f"{BASE}/requests", "Requests"), (f"{BASE}/refusals", "Refusals"), (f"{BASE}/tokens", "Tokens"),
       (f"{BASE}/instance", "Instance")]


class Markup(str):
    """Text that is already HTML: :func:`esc` leaves it as it is."""


def esc(value: Any) -> Markup:
    """``value`` as HTML text (Markup passes through; None is empty)."""
    if isinstance(value, Markup):
        return value
    return Markup(html.escape("" if value is None else str(value), quote=True))


def join(parts: Iterable[Any]) -> Markup:
    return Markup("".join(esc(p) for p in parts))


def tag(element: str, /, *children: Any, **attributes: Any) -> Markup:
    """``<name attr="...">children</name>``; ``class_`` is ``class``, True is a bare attribute, None is left out."""
    attrs = []
    for key, value in attributes.items():
        if value is None or value is False:
            continue
        key = key.rstrip("_").replace("_", "-")
        attrs.append(f" {key}" if value is True else f' {key}="{esc(value)}"')
    if element in ("input", "br", "meta", "link"):
        return Markup(f"<{element}{''.join(attrs)}>")
    return Markup(f"<{element}{''.join(attrs)}>{join(children)}</{element}>")


def code_text(text: str) -> Markup:
    """Text whose backticks mark code (the README's convention, as the reason fixes use it)."""
    parts = re.split(r"`([^`]*)`", text)
    return join(tag("code", p) if i % 2 else p for i, p in enumerate(parts))


def link(href: str, *children: Any, **attributes: Any) -> Markup:
    return tag("a", *children, href=href, **attributes)


def badge(text: str, kind: str = "neutral") -> Markup:
    """A small label: ``ok``, ``error``, ``warn``, ``neutral`` or ``muted``."""
    return tag("span", text, class_=f"badge {kind}")


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, empty: str = "Nothing yet.",
          id_: str | None = None, class_: str = "grid") -> Markup:
    body = [tag("tr", *(tag("td", cell) for cell in row)) for row in rows]
    if not body:
        body = [tag("tr", tag("td", empty, colspan=str(len(headers)), class_="empty"))]
    return tag("table", tag("thead", tag("tr", *(tag("th", h) for h in headers))), tag("tbody", *body, id=id_),
               class_=class_)


def fields(pairs: Iterable[tuple[str, Any]]) -> Markup:
    """A two-column list of labels and values."""
    return tag("dl", *(join([tag("dt", k), tag("dd", v)]) for k, v in pairs), class_="fields")


def form(action: str, *children: Any, method: str = "post", enctype: str | None = None,
         class_: str = "form") -> Markup:
    return tag("form", *children, action=action, method=method, enctype=enctype, class_=class_)


def field(label: str, control: Markup, hint: str | None = None) -> Markup:
    return tag("label", tag("span", label, class_="label"), control,
               tag("span", hint, class_="hint") if hint else "", class_="field")


def text_input(name: str, value: str = "", **attributes: Any) -> Markup:
    return tag("input", type=attributes.pop("type", "text"), name=name, value=value, **attributes)


def select(name: str, options: Iterable[tuple[str, str]], selected: str = "", **attributes: Any) -> Markup:
    return tag("select", *(tag("option", label, value=value, selected=value == selected)
                           for value, label in options), name=name, **attributes)


def checkbox(name: str, label: str, checked: bool = False) -> Markup:
    return tag("label", tag("input", type="checkbox", name=name, value="true", checked=checked), " ", label,
               class_="check")


def button(label: str, *, kind: str = "primary", name: str | None = None, value: str | None = None) -> Markup:
    return tag("button", label, type="submit", class_=f"button {kind}", name=name, value=value)


def section(title: str, *children: Any, id_: str | None = None, aside: Any = "") -> Markup:
    header = tag("div", tag("h2", title), tag("div", aside, class_="aside"), class_="section-head")
    return tag("section", header, *children, class_="card", id=id_)


def note(text: Any, kind: str = "info") -> Markup:
    return tag("div", text, class_=f"note {kind}")


def page(title: str, current: str, *content: Any, user: str = "admin", live: str | None = None) -> Markup:
    """The frame every page shares: header, navigation, content. ``live`` names a view the script refreshes."""
    nav = [link(href, label, class_="current" if href == current else None) for href, label in NAV]
    body = tag("body",
               tag("header",
                   tag("div", link("/", tag("span", "sn", class_="logo-mark"), "jwt-mock console", class_="brand"),
                       tag("nav", *nav), tag("span", f"signed in as {user}", class_="who"), class_="bar")),
               tag("main", tag("h1", title), *content, data_live=live),
               tag("script", src=f"{BASE}/static/console.js", defer=True))
    head = tag("head", tag("meta", charset="utf-8"),
               tag("meta", name="viewport", content="width=device-width, initial-scale=1"),
               tag("title", f"{title} · snjwt-mock console"),
               tag("link", rel="stylesheet", href=f"{BASE}/static/console.css"))
    return Markup("<!doctype html>\n" + tag("html", head, body, lang="en"))
