"""Probes that read a default back from a record or a property (docs/platform.md §13).

A new record of this run is inserted without the field, read back, and
deleted; a blank field or an absent property shows nothing, so the mock's
value stands (:class:`~.outcome.NotShown`).
"""

from __future__ import annotations

import secrets
from typing import Any

from .context import ProbeContext
from .outcome import Decision, Evidence, NotShown, Undecided
from .registry import probe

MB = 1024 * 1024
#: docs/platform.md §13: the property that holds the Attachment API's limit, in MB.
UPLOAD_SIZE_PROPERTY = "com.glide.attachment.max_size"


@probe("expiry_interval_default")
def expiry_interval_default(ctx: ProbeContext) -> Decision:
    """A new jwt_provider without expiry_interval, read back; a number → that value."""
    values = {"name": f"{ctx.provisioner.prefix}probe provider",
              "jwt_keystore_alias": ctx.chain.sys_ids["jwt_keystore_aliases"]}
    with ctx.temporary("jwt_provider", values) as record:
        return Decision(_read_back(ctx, "jwt_provider", record, "expiry_interval"))


@probe("auth_code_lifespan_default")
def auth_code_lifespan_default(ctx: ProbeContext) -> Decision:
    """A new oauth_entity without auth_code_lifespan, read back; a number → that value; blank → not shown."""
    secret = secrets.token_urlsafe(24)
    ctx.masker.add(secret)
    values = {"name": f"{ctx.provisioner.prefix}probe app", "type": "client", "client_secret": secret}
    with ctx.temporary("oauth_entity", values) as record:
        return Decision(_read_back(ctx, "oauth_entity", record, "auth_code_lifespan"))


@probe("upload_size_limit")
def upload_size_limit(ctx: ProbeContext) -> Decision:
    """Read the property com.glide.attachment.max_size (MB); absent → not shown."""
    rows = [row for row in ctx.admin.query("sys_properties", f"name={UPLOAD_SIZE_PROPERTY}", "sys_id,name,value")
            if row.get("name") == UPLOAD_SIZE_PROPERTY]
    value = rows[0].get("value", "") if len(rows) == 1 else None
    ctx.evidence.append(Evidence(f"GET /api/now/table/sys_properties?sysparm_query=name={UPLOAD_SIZE_PROPERTY}",
                                 200, None, "absent" if value is None else f"value={value!r}"))
    if len(rows) > 1:
        raise Undecided(f"the instance has {len(rows)} properties named {UPLOAD_SIZE_PROPERTY}")
    if value is None:
        raise NotShown(f"{UPLOAD_SIZE_PROPERTY} is absent: the instance uses its built-in limit (1024 MB by the docs)")
    megabytes = _whole_number(value, UPLOAD_SIZE_PROPERTY)
    return Decision(megabytes * MB)


def _read_back(ctx: ProbeContext, table: str, record: dict[str, Any], field: str) -> int:
    value = record.get(field)
    ctx.evidence.append(Evidence(f"POST /api/now/table/{table} without {field}", 201, None,
                                 f"{field}={value!r} in the record returned"))
    if value is None:
        raise Undecided(f"the record returned has no {field} column")
    if value == "":
        raise NotShown(f"{field} is blank on a new {table}: the instance's default is not shown")
    return _whole_number(value, field)


def _whole_number(value: Any, what: str) -> int:
    text = str(value).strip().replace(",", "")
    if not text.isdigit():
        raise Undecided(f"{what} is {value!r}, not a whole number")
    return int(text)
