"""API access scopes and REST rate limits over the tables that drive them (docs/platform.md §11).

No HTTP here: the web layer describes the call (:class:`ApiCall`) and turns the
answers into the 403 and 429 envelopes. Both features act only once a test has
added rows; a fresh instance has none (§11).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..tables.fields import int_or
from ..tables.store import Record
from .grant_tables import SCOPE_CHECK_ENABLED, USERACCOUNT_SCOPE, property_is_true, property_value
from .state import Platform, RateLimitCount
from .users import Caller

#: docs/platform.md §11.2: rate-limit windows are UTC clock hours [CHOSEN, fixed].
WINDOW = 3600
#: docs/platform.md §11.2: precedence of a rule's ``apply_to`` (lower wins).
PRECEDENCE = {"single_user": 0, "role": 1, "all_users": 2}


@dataclass(frozen=True)
class ApiCall:
    """One REST request as §11 sees it: API path and name, method, version, route template, table."""

    api_path: str
    api_name: str
    method: str
    #: The request's version, or the API's latest for an unversioned URL (§11.1 step 2).
    version: str
    resource: str
    table: str = ""


@dataclass(frozen=True)
class RateLimitState:
    """The rule a request counted against, for the response headers (§11.2)."""

    rule: str
    limit: int
    reset: int
    retry_after: int
    exceeded: bool


def missing_scope(platform: Platform, call: ApiCall, caller: Caller) -> str | None:
    """§11.1: the auth scope name a Bearer request lacks, or None when it may go on."""
    store = platform.store
    if caller.token_app is None or not property_is_true(store, SCOPE_CHECK_ENABLED, absent=True):
        return None  # steps 1 and "Bearer only"
    rows = [row for row in store.records("sys_api_access_scope") if _scope_row_matches(row, call)]
    if not rows:
        return None  # step 3: no REST API auth scope record, any valid OAuth entity may call
    mapped = {m["auth_scope"] for m in store.find("oauth_entity_auth_scope_mapping", "oauth_entity",
                                                   caller.token_app)}
    wanted = {row["auth_scope"] for row in rows}
    if property_value(store, USERACCOUNT_SCOPE) in mapped or mapped & wanted:
        return None  # step 4: useraccount has full access
    names = sorted(scope["name"] for s in wanted if (scope := store.get("sys_auth_scope", s)) is not None)
    return names[0] if names else ""


def _scope_row_matches(row: Record, call: ApiCall) -> bool:
    if row["active"] != "true" or row["api_path"].strip().strip("/") != call.api_path:
        return False
    return ((row["apply_all_methods"] == "true" or row["http_method"].strip().upper() == call.method)
            and (row["apply_all_versions"] == "true" or row["api_version"].strip() == call.version)
            and (row["apply_all_resources"] == "true" or row["resource"].strip() == call.resource))


def rate_limit_rule(platform: Platform, call: ApiCall, caller: Caller) -> Record | None:
    """§11.2: the rule that governs this request: single user, then role, then all users; lowest limit."""
    store = platform.store
    candidates = []
    for rule in store.records("sys_rate_limit_rules"):
        if rule["active"] != "true" or not _rule_matches(rule, call):
            continue
        apply_to = rule["apply_to"]
        if apply_to == "single_user" and rule["user"] != caller.sys_id:
            continue
        if apply_to == "role":
            role = store.get("sys_user_role", rule["role"]) if rule["role"] else None
            if role is None or role["name"] not in caller.roles:
                continue
        if apply_to not in PRECEDENCE:
            continue
        candidates.append((PRECEDENCE[apply_to], int_or(rule["request_limit"], 0), rule))
    return min(candidates, key=lambda c: (c[0], c[1]))[2] if candidates else None


def _rule_matches(rule: Record, call: ApiCall) -> bool:
    def blank_or(value: str, actual: str) -> bool:
        return not value.strip() or value.strip() == actual

    return (blank_or(rule["http_method"].upper(), call.method) and blank_or(rule["api_path"].strip("/"), call.api_path)
            and blank_or(rule["api_version"], call.version) and blank_or(rule["table"], call.table))


def count(platform: Platform, rule: Record, caller: Caller) -> RateLimitState:
    """Count one request against ``rule`` in the current window; a denied request is not counted (§11.2)."""
    now = platform.clock.time()
    window = math.floor(now / WINDOW) * WINDOW
    limit = int_or(rule["request_limit"], 0)
    key = (rule["sys_id"], caller.sys_id)
    current = platform.rate_limit_counts.get(key)
    if current is None or current.window != window or current.limit != limit:
        # A new window, or a changed limit ("changing request_limit resets the count" [DOC]).
        current = platform.rate_limit_counts[key] = RateLimitCount(window, limit)
    reset = int(window + WINDOW)
    exceeded = current.count >= limit
    if exceeded:
        platform.rate_limit_violations.append((rule["sys_id"], caller.sys_id, now))
    else:
        current.count += 1
    return RateLimitState(rule["sys_id"], limit, reset, max(1, math.ceil(reset - now)), exceeded)
