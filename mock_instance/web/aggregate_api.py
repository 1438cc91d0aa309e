"""The Aggregate API: ``GET /api/now/[v1|v2/]stats/{table}`` (docs/platform.md §12.4)."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from ..platform.display import display_values
from ..platform.state import Platform
from ..platform.users import Caller, check_read
from ..tables.aggregate import AGGREGATES, Group, Spec, compute, parse_having, parse_order
from ..tables.conditions import Warn
from ..tables.errors import json_response
from ..tables.views import TableResolver
from .listing import list_matches
from .render import display_mode
from .request import truthy


def stats(platform: Platform, request: Request, caller: Caller, table: str) -> Response:
    """Count, avg, min, max and sum over the matching records, grouped or not."""
    store = platform.store
    with store.lock:
        store.table(table)
        check_read(caller, store, table)
        resolver = TableResolver(store, table)
        warn = platform.query_warnings.for_query(table, "Aggregate API")
        matched = list_matches(store.records(table), request, resolver, warn)
        spec = _spec(request, resolver, warn)
        values = display_values(store, platform.settings, caller.sys_id)

        def shown(group: Group, name: str) -> str:
            target, f = resolver.walk(group.sample, name) if group.sample is not None else (None, None)
            return values.of(target, f) if f is not None else ""

        groups = compute(matched, spec, resolver, lambda g: tuple(shown(g, name) for name in spec.group_by))
        if not spec.group_by:
            return json_response({"result": {"stats": groups[0].stats}})
        display = display_mode(request) != "false"
        result: list[dict[str, Any]] = []
        for group in groups:
            entries = []
            for name, value in zip(spec.group_by, group.key, strict=True):
                entry = {"value": value, "display_value": shown(group, name)} if display else {"value": value}
                entry["field"] = name
                entries.append(entry)
            result.append({"stats": group.stats, "groupby_fields": entries})
    return json_response({"result": result})


def _spec(request: Request, resolver: TableResolver, warn: Warn) -> Spec:
    def known(parameter: str, names: str) -> tuple[str, ...]:
        kept = []
        for name in (n.strip() for n in names.split(",") if n.strip()):
            if resolver.is_known(name):
                kept.append(name)
            else:  # docs/platform.md §12.4: unknown fields are ignored; the mock also says so
                warn(f"{parameter}={name}", resolver.why_unknown(name))
        return tuple(kept)

    args = request.args
    fields = {a: known(f"sysparm_{a}_fields", args.get(f"sysparm_{a}_fields") or "") for a in AGGREGATES}
    having, bad = parse_having(args.get("sysparm_having") or "")
    for clause in bad:
        warn(f"sysparm_having={clause}", "a clause is aggregate^field^operator^value (count^sys_id^>^5)")
    order_text = args.get("sysparm_order_by") or ""
    order = parse_order(order_text)
    if order_text and order is None:
        warn(f"sysparm_order_by={order_text}", "an order is a field, COUNT, or AVG^field (then ^DESC)")
    group_by = known("sysparm_group_by", args.get("sysparm_group_by") or "")
    if order is not None and not order[0] and order[1] not in group_by:
        warn(f"sysparm_order_by={order_text}", "groups are ordered by a group-by field or an aggregate")
        order = (("", "", order[2]))
    return Spec(count=truthy(args.get("sysparm_count")), fields={a: f for a, f in fields.items() if f},
                group_by=group_by, having=tuple(having), order_by=order)
