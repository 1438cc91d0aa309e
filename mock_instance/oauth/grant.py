"""The jwt-bearer grant: docs/platform.md §4's thirteen steps, in order, and the token it issues."""

from __future__ import annotations

import base64
import math
import secrets
from collections.abc import Callable
from typing import Any

from ..platform.definitions import ADMIN_ROLE
from ..platform.refusals import Refusal, clipped_repr
from ..platform.state import Platform
from ..platform.users import roles_of
from ..tables.clock import format_glide, parse_glide
from ..tables.fields import REFERENCE, int_or
from ..tables.store import Record
from .claims import (
    CheckedClaims,
    check_audience,
    check_custom_claims,
    check_issuer,
    check_jti,
    check_times,
)
from .cleanup import cleanup_if_due
from .compact import parse_claims, parse_header
from .request import TokenRequest, check_grant, read_assertion, read_client
from .verify import check_algorithm, find_verifier_map, verification_key, verify_signature

#: docs/platform.md §4 step 13: 64 random bytes, base64url without padding: 86 characters [OBS].
TOKEN_BYTES = 64
SCOPE = "useraccount"
#: docs/platform.md §4: the token endpoint's path under each of the instance's base URLs.
TOKEN_PATH = "/oauth_token.do"
#: docs/platform.md §1: ``oauth_entity.access_token_lifespan`` when the field holds no number.
DEFAULT_ACCESS_TOKEN_LIFESPAN = 1800


def new_access_token() -> str:
    """An opaque token as the platform issues them: 86 base64url characters."""
    return base64.urlsafe_b64encode(secrets.token_bytes(TOKEN_BYTES)).rstrip(b"=").decode()


#: What a step reports as it passes: its number and what it found (the dry run describes it from these).
StepHook = Callable[..., None]


def _quiet(step: int, **found: Any) -> None:
    pass


def exchange(platform: Platform, request: TokenRequest) -> dict[str, Any]:
    """Exchange a JWT assertion for an access token, or raise :class:`Refusal` (the caller logs it)."""
    return run_steps(platform, request, finish=issue)


def run_steps(platform: Platform, request: TokenRequest, *, finish: Callable[[Platform, CheckedClaims, Record], Any],
              on_step: StepHook = _quiet, check_secret: bool = True) -> Any:
    """docs/platform.md §4's steps 1-12 in order, then ``finish`` (step 13) under the same lock as 7-12.

    The one sequence of the checks: :func:`exchange` finishes by issuing a token; the dry run
    (:mod:`.dry_run`) finishes with nothing and hears each step pass through ``on_step``.
    A refusal is raised as :class:`Refusal`; nothing here writes state (``finish`` does).
    """
    settings = platform.settings
    store = platform.store
    check_grant(request)  # step 1
    assertion = read_assertion(request, settings)
    client_id, client_secret = read_client(request, settings)
    on_step(1)
    with store.lock:
        app = find_app(platform, client_id, assertion)  # step 2
        on_step(2, app=app)
        if check_secret:
            check_client_secret(app, client_secret)  # step 3
        on_step(3, app=app, checked=check_secret)
        header = parse_header(assertion)
        alg = check_algorithm(header)  # step 4
        on_step(4, alg=alg)
        verifier_map = find_verifier_map(platform, app, header)  # step 5
        on_step(5, verifier_map=verifier_map)
        key = verification_key(platform, verifier_map, alg)
    # Step 6, outside the lock: the signature is the only costly check.
    claims = verify_signature(assertion, key, alg, verifier_map)
    on_step(6, alg=alg, verifier_map=verifier_map)
    with store.lock:
        settings = platform.settings
        validations = store.find("oauth_jwt_claim_validation", "oauth_jwt", app["sys_id"])
        check_audience(settings, app, claims, [f"{base}{TOKEN_PATH}" for base in platform.base_urls])  # step 7
        on_step(7, claims=claims)
        check_issuer(app, claims, validations)  # step 8
        on_step(8, claims=claims)
        check_times(settings, app, claims, platform.clock.time())  # step 9
        on_step(9, app=app, claims=claims, now=platform.clock.time())
        check_custom_claims(claims, validations)  # step 10
        on_step(10, validations=[v for v in validations if v["name"] not in ("", "iss")])
        jti = check_jti(settings, app, claims, platform.jtis, platform.forgotten_jtis)  # step 11
        on_step(11, app=app, jti=jti)
        user = find_user(platform, app, claims)  # step 12
        on_step(12, app=app, user=user, claims=claims)
        return finish(platform, CheckedClaims(app, claims, jti), user)  # step 13


def find_app(platform: Platform, client_id: str | None, assertion: str) -> Record:
    """Step 2: the active ``oauth_jwt`` app by client id, or a public client by the unverified aud."""
    if client_id:
        apps = platform.store.find("oauth_entity", "client_id", client_id)
        jwt_apps = [a for a in apps if a["sys_class_name"] == "oauth_jwt"]
        if not jwt_apps:
            what = "an application registry of another type" if apps else "no application registry"
            raise Refusal("client_unknown", f"client_id {clipped_repr(client_id)} belongs to {what}; the "
                          "token endpoint needs an 'OAuth JWT API endpoint for external clients'")
        app = jwt_apps[0]
    else:
        app = _public_app(platform, assertion)
    if app["active"] != "true":
        raise Refusal("client_inactive", f"app {app['name']!r} (client_id {app['client_id']}) is inactive")
    return app


def _public_app(platform: Platform, assertion: str) -> Record:
    if not platform.settings.public_client_lookup_by_aud:
        raise Refusal("client_id_missing", "the form has no client_id (public-client lookup by aud is off)")
    aud = parse_claims(assertion).get("aud")
    wanted = [a for a in (aud if isinstance(aud, list) else [aud]) if isinstance(a, str) and a]
    found = {}
    for client_id in wanted:
        for app in platform.store.find("oauth_jwt", "client_id", client_id):
            if app["public_client"] == "true":
                found[app["sys_id"]] = app
    if not found:
        raise Refusal("public_client_not_found", f"the form has no client_id and no public client has a "
                      f"client_id in aud {clipped_repr(aud)}")
    if len(found) > 1:
        raise Refusal("public_client_ambiguous", f"the form has no client_id and {len(found)} public "
                      f"clients match aud {clipped_repr(aud)}")
    return next(iter(found.values()))


def check_client_secret(app: Record, client_secret: str | None) -> None:
    """Step 3: the client secret, unless the app is a public client."""
    if app["public_client"] == "true":
        return
    if not client_secret:
        raise Refusal("client_secret_missing", f"app {app['name']!r} is not a public client and the "
                      "request has no client_secret")
    if not app["client_secret"].matches(client_secret):
        raise Refusal("client_secret_invalid", f"the client_secret does not match app {app['name']!r}")


def find_user(platform: Platform, app: Record, claims: dict[str, Any]) -> Record:
    """Step 12: exactly one usable, non-admin user whose User field is ``sub``."""
    settings = platform.settings
    store = platform.store
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise Refusal("sub_missing", "the assertion has no sub" if sub is None else
                      f"sub {clipped_repr(sub)} is not a non-empty string")
    user_field = app["user_field"] or "email"
    f = store.fields("sys_user").get(user_field)
    if f is None or f.kind == REFERENCE or f.name == "user_password":
        raise Refusal("user_field_invalid", f"app {app['name']!r} has User field {user_field!r}, which is not "
                      "a sys_user column")
    if settings.user_lookup_case_sensitive:
        users = store.find("sys_user", user_field, sub)
    else:
        folded = sub.casefold()
        users = [u for u in store.records("sys_user") if u[user_field].casefold() == folded]
    if not users:
        raise Refusal("user_not_found", f"no sys_user has {user_field} = {sub!r} (the app's User field is "
                      f"{user_field!r})")
    if len(users) > 1 and settings.refuse_duplicate_users:
        raise Refusal("user_ambiguous", f"{len(users)} sys_user records have {user_field} = {sub!r}")
    user = users[0]
    if user["active"] != "true":
        raise Refusal("user_inactive", f"user {user['user_name']!r} is inactive")
    if user["locked_out"] == "true":
        raise Refusal("user_locked_out", f"user {user['user_name']!r} is locked out")
    if settings.refuse_admin_subjects and ADMIN_ROLE in roles_of(store, user["sys_id"]):
        raise Refusal("user_is_admin", f"user {user['user_name']!r} has the admin role: Granting JWT to "
                      "admin is not allowed")
    return user


def issue(platform: Platform, checked: CheckedClaims, user: Record) -> dict[str, Any]:
    """Step 13, atomic with the jti record (the caller holds the store lock)."""
    store = platform.store
    app = checked.app
    now = platform.clock.time()
    cleanup_if_due(platform, now)
    lifespan = int_or(app["access_token_lifespan"], DEFAULT_ACCESS_TOKEN_LIFESPAN)
    if checked.jti is not None:
        platform.jtis[(app["sys_id"], checked.jti)] = float(checked.claims["exp"])
    if platform.settings.reuse_live_access_token_jwt_bearer:
        for cred in store.find("oauth_credential", "user", user["sys_id"]):
            expires = parse_glide(cred["expires"]) or 0
            if cred["peer"] == app["sys_id"] and cred["type"] == "access_token" and expires > now:
                return token_body(cred["token"].reveal(), math.ceil(expires - now) - 1)
    token = new_access_token()
    store.insert("oauth_credential", {
        "token": token, "type": "access_token", "expires": format_glide(now + lifespan),
        "peer": app["sys_id"], "user": user["sys_id"], "scopes": SCOPE, "client_id": app["client_id"],
    }, actor=user["user_name"])
    return token_body(token, lifespan - 1)


def token_body(token: str, expires_in: int) -> dict[str, Any]:
    """docs/platform.md §4's success body: keys in this order; no refresh token for this grant."""
    return {"access_token": token, "scope": SCOPE, "token_type": "Bearer", "expires_in": expires_in}
