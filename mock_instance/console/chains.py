"""The JWT chains on the instance, as the setup article's steps, with what is missing or inconsistent.

One chain per ``oauth_jwt`` app: its verifier maps and their certificates,
the JWT keys whose kid is a map's (with their keystores), the providers that
sign with those keys, and the user the chain acts as. Each record carries
findings: the refusal it would cause (with its reason code) or a warning.
JWT keys whose kid no map has are listed apart ("a kid with no map").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..crypto.keystores import KeyMaterialError, load_keystore
from ..instance import MockInstance
from ..platform.attachments import attached_bytes, certificate_of
from ..platform.definitions import ADMIN_ROLE
from ..platform.users import roles_of
from ..tables.clock import format_glide
from ..tables.store import Record, Store
from .context import Keyring, KnownChain

#: Days before a certificate's expiry from which the console warns.
EXPIRY_WARNING_DAYS = 30
#: The article's steps: title and where the records are in the platform's menus.
STEP_TITLES = {
    1: ("Certificate and keystore", "System Definition > Certificates"),
    2: ("JWT signing key", "System OAuth > JWT Keys"),
    3: ("JWT provider and its claims", "System OAuth > JWT Providers"),
    4: ("OAuth JWT API endpoint and verifier maps", "System OAuth > Application Registry"),
    5: ("The user the token acts as", "User Administration > Users"),
}
#: Fields shown for each table (the record page shows them all).
SHOWN = {
    "sys_certificate": ("type", "format", "subject", "expires", "active"),
    "jwt_keystore_aliases": ("kid", "signing_algorithm", "active"),
    "jwt_provider": ("expiry_interval",),
    "oauth_jwt": ("client_id", "active", "user_field", "enable_jti_verification", "clock_skew",
                  "access_token_lifespan", "public_client"),
    "jwt_verifier_map": ("kid",),
    "sys_user": ("user_name", "email", "active", "locked_out"),
}


@dataclass(frozen=True)
class Finding:
    """Something wrong with a record: ``error`` (a token request would be refused: ``reason``) or ``warn``."""

    level: str
    text: str
    reason: str | None = None


@dataclass
class RecordView:
    """One record as the console shows it: never a password field's value."""

    table: str
    sys_id: str
    name: str
    fields: list[tuple[str, str]]
    findings: list[Finding] = field(default_factory=list)

    def error(self, text: str, reason: str | None = None) -> None:
        self.findings.append(Finding("error", text, reason))

    def warn(self, text: str) -> None:
        self.findings.append(Finding("warn", text))


@dataclass
class ChainView:
    """One app's chain, by the article's steps (1-5), and the keyring entry when the console can sign for it."""

    app: RecordView
    steps: dict[int, list[RecordView]]
    known: KnownChain | None = None

    @property
    def findings(self) -> list[Finding]:
        return [f for records in self.steps.values() for r in records for f in r.findings]


def view(store: Store, record: Record, name_field: str = "name") -> RecordView:
    shown = SHOWN.get(record["sys_class_name"] if record["sys_class_name"] in SHOWN else "", ())
    return RecordView(record["sys_class_name"], record["sys_id"], str(record[name_field] or record["sys_id"]),
                      [(f, str(record[f])) for f in shown])


def chain_views(instance: MockInstance, keyring: Keyring) -> tuple[list[ChainView], list[RecordView]]:
    """Every chain on the instance, and the JWT keys that belong to none."""
    store = instance.store
    now = instance.clock.time()
    with store.lock:
        keys = list(store.records("jwt_keystore_aliases"))
        linked: set[str] = set()
        chains = []
        for app in store.records("oauth_jwt"):
            chains.append(_chain(store, app, keys, now, keyring.get(app["sys_id"]), linked))
        orphans = []
        for key in keys:
            if key["sys_id"] not in linked:
                orphan = _jwt_key(store, key, now)
                if key["kid"]:
                    orphan.error(f"kid {key['kid']} has no JWT verifier map: the JWTs this key signs are refused",
                                 "kid_unknown")
                else:
                    orphan.warn("no kid, and no chain uses it")
                orphans.append(orphan)
    return chains, orphans


def _chain(store: Store, app: Record, keys: list[Record], now: float, known: KnownChain | None,
           linked: set[str]) -> ChainView:
    app_view = view(store, app)
    if app["active"] != "true":
        app_view.error("the application registry is inactive", "client_inactive")
    maps = store.find("jwt_verifier_map", "oauth_jwt", app["sys_id"])
    if not maps:
        app_view.error("no JWT verifier map: every JWT is refused", "kid_unknown")
    steps: dict[int, list[RecordView]] = {n: [] for n in STEP_TITLES}
    steps[4].append(app_view)
    map_keys = []
    for vmap in maps:
        map_view = view(store, vmap)
        steps[4].append(map_view)
        cert = store.get("sys_certificate", vmap["sys_certificate"]) if vmap["sys_certificate"] else None
        if cert is None:
            map_view.warn("no certificate: only HS256/384/512 JWTs, signed with the map's shared key, can verify")
        else:
            cert_view, public = _certificate(store, cert, now)
            steps[1].append(cert_view)
            map_keys.append(public)
        for key in keys:
            if key["kid"] and key["kid"] == vmap["kid"]:
                linked.add(key["sys_id"])
                key_view = _jwt_key(store, key, now, steps[1], expected=map_keys[-1] if cert is not None else None)
                steps[2].append(key_view)
                for provider in store.find("jwt_provider", "jwt_keystore_alias", key["sys_id"]):
                    steps[3].append(_provider(store, provider, app, steps[5]))
    if known is not None and not steps[5]:
        user = store.get("sys_user", known.chain.sys_ids.get("sys_user", ""))
        if user is not None:
            steps[5].append(_user(store, user))
    return ChainView(app_view, steps, known)


def _certificate(store: Store, cert: Record, now: float) -> tuple[RecordView, Any]:
    cert_view = view(store, cert)
    try:
        parsed = certificate_of(store, cert)
    except KeyMaterialError as e:
        cert_view.error(f"cannot be read: {e}", "certificate_unreadable")
        return cert_view, None
    if cert["active"] != "true":
        cert_view.error("inactive", "certificate_inactive")
    start, end = parsed.not_valid_before_utc.timestamp(), parsed.not_valid_after_utc.timestamp()
    if not start <= now <= end:
        cert_view.error(f"valid from {format_glide(start)} to {format_glide(end)} UTC, not now", "certificate_expired")
    elif end - now < EXPIRY_WARNING_DAYS * 86400:
        cert_view.warn(f"expires within {EXPIRY_WARNING_DAYS} days ({format_glide(end)} UTC)")
    return cert_view, parsed.public_key()


def _jwt_key(store: Store, key: Record, now: float, certificates: list[RecordView] | None = None,
             expected: Any = None) -> RecordView:
    key_view = view(store, key)
    if not key["kid"]:
        key_view.warn("no kid: GlideJWTAPI's JWTs carry none, accepted only while the app has exactly one map")
    store_record = store.get("sys_certificate", key["signing_keystore"]) if key["signing_keystore"] else None
    if store_record is None:
        key_view.error("no signing keystore: GlideJWTAPI cannot sign with this key")
        return key_view
    keystore_view = view(store, store_record)
    if certificates is not None and all(c.sys_id != keystore_view.sys_id for c in certificates):
        certificates.append(keystore_view)
    content = attached_bytes(store, store_record)
    if content is None:
        keystore_view.error("no keystore file attached: GlideJWTAPI cannot sign")
        return key_view
    try:
        entry = load_keystore(content, store_record["key_store_password"].reveal(),
                              key["signing_key_password"].reveal() or None)
    except KeyMaterialError as e:
        keystore_view.error(f"cannot be opened with its key_store_password: {e}")
        return key_view
    if expected is not None and entry.private_key.public_key() != expected:
        key_view.error("its keystore's key is not the one in the verifier map's certificate: its JWTs fail the "
                       "signature", "signature_invalid")
    return key_view


def _provider(store: Store, provider: Record, app: Record, users: list[RecordView]) -> RecordView:
    provider_view = view(store, provider)
    claims = {c["name"]: c["value"] for c in store.find("jwt_claim_validation", "jwt_provider", provider["sys_id"])}
    provider_view.fields += [(f"claim {name}", value) for name, value in sorted(claims.items())]
    for name, reason in (("aud", "aud_mismatch"), ("iss", "iss_mismatch")):
        if claims.get(name) != app["client_id"]:
            provider_view.error(f"claim {name} is {claims.get(name)!r}, not the app's client_id", reason)
    sub = claims.get("sub", "")
    user_field = app["user_field"] or "email"
    if not sub:
        provider_view.error("claim sub is empty: the JWT names no user", "sub_missing")
        return provider_view
    found = store.find("sys_user", user_field, sub) if user_field in store.fields("sys_user") else []
    if not found:
        provider_view.error(f"no user has {user_field} = {sub!r}", "user_not_found")
    for user in found:
        if all(u.sys_id != user["sys_id"] for u in users):
            users.append(_user(store, user))
    return provider_view


def _user(store: Store, user: Record) -> RecordView:
    user_view = view(store, user, "user_name")
    if user["active"] != "true":
        user_view.error("inactive", "user_inactive")
    if user["locked_out"] == "true":
        user_view.error("locked out", "user_locked_out")
    if ADMIN_ROLE in roles_of(store, user["sys_id"]):
        user_view.error("holds the admin role: Granting JWT to admin is not allowed", "user_is_admin")
    return user_view
