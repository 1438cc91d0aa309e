"""The instance's controls: the clock, the settings, snapshots, faults and reset."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from werkzeug.wrappers import Response

from ...platform.settings import Settings, parse_setting, setting_text
from ...tables.clock import format_glide
from ..context import Context
from ..html import BASE, Markup, badge, button, checkbox, field, form, note, page, section, table, tag, text_input

PATH = f"{BASE}/instance"
#: What each action did, shown after the redirect (fixed texts: nothing from the query is echoed).
DONE = {"freeze": "The clock is frozen.", "advance": "The clock moved.", "unfreeze": "The clock runs again.",
        "real_time": "The clock follows real time again.", "settings": "Settings saved.",
        "save_snapshot": "Snapshot saved.", "restore": "Snapshot restored: the clock follows real time, the logs "
        "were cleared.", "delete_snapshot": "Snapshot deleted.", "reset": "The instance is back to its seeded "
        "state.", "clear_faults": "Every fault is disarmed."}
STEPS = [("60", "+1 minute"), ("3600", "+1 hour"), ("86400", "+1 day"), ("-3600", "−1 hour")]


def _clock(ctx: Context) -> Markup:
    clock = ctx.instance.clock
    state = badge("frozen", "warn") if clock.frozen else badge("running", "ok")
    now = tag("div", tag("span", f"{format_glide(clock.time())} UTC", class_="clock"), " ", state, class_="now")
    controls = form(PATH,
                    tag("input", type="hidden", name="action", value="advance"),
                    tag("div", *(button(label, kind="secondary", name="seconds", value=value)
                                 for value, label in STEPS), class_="buttons"), class_="inline")
    toggles = form(PATH, button("Unfreeze" if clock.frozen else "Freeze", kind="primary", name="action",
                                value="unfreeze" if clock.frozen else "freeze"),
                   button("Back to real time", kind="secondary", name="action", value="real_time"), class_="inline")
    hint = tag("p", "The clock drives exp, nbf, token expiry and certificate validity.", class_="muted")
    return section("Clock", now, hint, tag("div", toggles, controls, class_="toolbar"))


def _settings(ctx: Context, problem: str = "") -> Markup:
    settings = ctx.instance.settings
    rows = []
    for f in dataclasses.fields(Settings):
        value = getattr(settings, f.name)
        default = getattr(Settings(), f.name)
        if isinstance(value, bool):
            control: Markup = checkbox(f"s.{f.name}", "on", value)
        elif isinstance(value, int):
            control = text_input(f"s.{f.name}", str(value), type="number", class_="narrow")
        elif _editable(f.name):
            control = text_input(f"s.{f.name}", setting_text(value))
        else:  # a set of recorded replies: --set or PATCH /snjwt-mock/settings with JSON
            control = tag("span", setting_text(value) or "none", class_="muted")
        changed = badge("changed", "warn") if value != default else ""
        rows.append((tag("code", f.name), control, tag("code", setting_text(default) or "none"), changed))
    return section("Settings", note(problem, "error") if problem else "",
                   tag("p", "Every behaviour docs/platform.md §9 leaves unknown, with the spec's default.",
                       class_="muted"),
                   form(PATH, tag("input", type="hidden", name="action", value="settings"),
                        table(["setting", "value", "default", ""], rows, class_="grid compact"),
                        tag("div", button("Save settings"), class_="buttons")))


def _snapshots(ctx: Context) -> Markup:
    rows = []
    for saved in reversed(ctx.platform.snapshots.list()):
        actions = form(PATH, tag("input", type="hidden", name="snapshot", value=saved.id),
                       button("Restore", kind="secondary small", name="action", value="restore"),
                       button("Delete", kind="danger small", name="action", value="delete_snapshot"), class_="inline")
        rows.append((saved.name or tag("span", "unnamed", class_="muted"), f"{format_glide(saved.at)} UTC", actions))
    save = form(PATH, tag("input", type="hidden", name="action", value="save_snapshot"),
                field("Name", text_input("name", "", placeholder="e.g. chain ready", maxlength="100")),
                button("Save a snapshot"), class_="inline-form")
    return section("Snapshots", tag("p", "A snapshot holds every record, file, remembered jti and setting. "
                                         "Restoring one keeps the snapshots.", class_="muted"),
                   save, table(["name", "taken at", ""], rows, empty="No snapshot saved."))


def _faults(ctx: Context) -> Markup:
    armed = ctx.instance.faults
    rows = [(f.kind, tag("code", f.path), "until cleared" if f.remaining is None else str(f.remaining))
            for f in armed]
    clear = form(PATH, button("Disarm all", kind="secondary small", name="action", value="clear_faults"),
                 class_="inline") if armed else ""
    return section("Armed faults", table(["kind", "path", "remaining"], rows, empty="No fault armed."), aside=clear)


def _reset() -> Markup:
    return section("Reset", tag("p", "Back to the seeded state: the admin user, empty tables, the initial "
                                     "settings, real time; the logs are cleared. Snapshots are kept.",
                                class_="muted"),
                   form(PATH, button("Reset the instance", kind="danger", name="action", value="reset")),
                   id_="reset")


def _editable(name: str) -> bool:
    """A setting the form edits as text: all but the sets of recorded replies, which have no text form."""
    return not isinstance(getattr(Settings(), name), Mapping)


def _apply(ctx: Context, values: Any) -> str:
    """Do what the form asked; returns a problem to show (nothing changed), or ""."""
    action = values.get("action", "")
    clock = ctx.instance.clock
    if action in ("freeze", "unfreeze", "real_time"):
        {"freeze": clock.freeze, "unfreeze": clock.unfreeze, "real_time": clock.reset}[action]()
    elif action == "advance":
        try:
            clock.advance(float(values.get("seconds", "")))
        except ValueError:
            return "Advance by a number of seconds."
    elif action == "settings":
        changes: dict[str, Any] = {}
        try:
            for f in dataclasses.fields(Settings):
                raw = values.get(f"s.{f.name}")
                if isinstance(getattr(Settings(), f.name), bool):
                    changes[f.name] = raw == "true"
                elif _editable(f.name):
                    changes[f.name] = parse_setting(f"{f.name}={raw or ''}")[1]
            ctx.instance.configure(**changes)
        except (TypeError, ValueError) as e:
            return f"{e}; nothing was changed."
    elif action == "save_snapshot":
        ctx.platform.snapshots.save(values.get("name", "")[:100], ctx.instance.snapshot(), clock.time())
    elif action in ("restore", "delete_snapshot"):
        saved = ctx.platform.snapshots.get(values.get("snapshot", ""))
        if saved is None:
            return "That snapshot is gone."
        if action == "restore":
            ctx.instance.restore(saved.state)
        else:
            ctx.platform.snapshots.delete(saved.id)
    elif action == "reset":
        ctx.instance.reset()
    elif action == "clear_faults":
        ctx.instance.clear_faults()
    else:
        return "Unknown action."
    return ""


def instance_page(ctx: Context) -> Response:
    problem = ""
    if ctx.request.method == "POST":
        problem = _apply(ctx, ctx.request.form)
        if not problem:
            return ctx.redirect(f"{PATH}?done={ctx.request.form.get('action', '')}")
    done = DONE.get(ctx.request.args.get("done", ""), "")
    content = [note(done, "ok") if done else "", note(problem, "error") if problem else "",
               tag("div", _clock(ctx), _faults(ctx), class_="columns"), _settings(ctx), _snapshots(ctx), _reset()]
    return ctx.html(page("Instance", PATH, *(c for c in content if c), user=ctx.user),
                    status=400 if problem else 200)

