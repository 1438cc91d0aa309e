"""Steps 7-11 of docs/platform.md §4: the claims, one function per step, after the signature verified."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..platform.refusals import Refusal, clipped_repr
from ..platform.settings import Settings
from ..platform.state import JtiMemory
from ..tables.clock import format_glide
from ..tables.fields import int_or
from ..tables.store import Record

#: docs/platform.md §1: ``oauth_jwt.clock_skew`` when the field holds no number.
DEFAULT_CLOCK_SKEW = 300


@dataclass(frozen=True)
class CheckedClaims:
    """An assertion that passed steps 1-11, for its app; ``jti`` is None when not recorded."""

    app: Record
    claims: dict[str, Any]
    jti: str | None


def clock_skew(app: Record) -> int:
    return int_or(app["clock_skew"], DEFAULT_CLOCK_SKEW)


def check_audience(settings: Settings, app: Record, claims: dict[str, Any], token_urls: Iterable[str]) -> None:
    """Step 7: ``aud`` is the client id (or, by settings, a list holding it, or one of the instance's token URLs).

    The token URLs come from the instance's configured base URLs, never from the request's
    Host header: else an assertion addressed to another server would be accepted.
    """
    client_id = app["client_id"]
    aud = claims.get("aud")
    accepted = {client_id} | (set(token_urls) if settings.accept_token_url_aud else set())
    if isinstance(aud, str) and aud in accepted:
        return
    if settings.accept_aud_list and isinstance(aud, list) and accepted.intersection(
            a for a in aud if isinstance(a, str)):
        return
    raise Refusal("aud_mismatch", "the assertion has no aud" if aud is None else
                  f"aud {clipped_repr(aud)} is not the client_id {client_id}")


def check_issuer(app: Record, claims: dict[str, Any], validations: list[Record]) -> None:
    """Step 8: ``iss`` is the client id, or an ``iss`` claim validation's value."""
    client_id = app["client_id"]
    iss = claims.get("iss")
    iss_values = {v["value"] for v in validations if v["name"] == "iss"}
    if not isinstance(iss, str) or (iss != client_id and iss not in iss_values):
        extra = f" or an iss claim validation ({len(iss_values)})" if iss_values else ""
        raise Refusal("iss_mismatch", f"iss {clipped_repr(iss)} is not the client_id {client_id}{extra}")


def check_times(settings: Settings, app: Record, claims: dict[str, Any], now: float) -> None:
    """Step 9: ``exp`` (required) and ``nbf``, with the app's clock skew; ``iat`` only by setting."""
    skew = clock_skew(app)
    exp = claims.get("exp")
    if not is_number(exp):
        raise Refusal("exp_missing", "the assertion has no exp" if exp is None else
                      f"exp {clipped_repr(exp)} is not a number")
    if now > exp + skew:
        raise Refusal("token_expired", f"exp {format_glide(exp)} plus clock skew {skew}s is before now "
                      f"({format_glide(now)}); expired {int(now - exp)}s ago")
    nbf = claims.get("nbf")
    if nbf is not None and not is_number(nbf):
        raise Refusal("token_not_yet_valid", f"nbf {clipped_repr(nbf)} is not a number")
    if nbf is not None and now < nbf - skew:
        raise Refusal("token_not_yet_valid", f"nbf {clipped_repr(nbf)} minus clock skew {skew}s is after now "
                      f"({format_glide(now)})")
    if settings.check_iat:
        iat = claims.get("iat")
        if iat is not None and not is_number(iat):
            raise Refusal("iat_in_future", f"iat {clipped_repr(iat)} is not a number")
        if iat is not None and iat > now + skew:
            raise Refusal("iat_in_future", f"iat {clipped_repr(iat)} is after now ({format_glide(now)}) plus "
                          f"clock skew {skew}s")


def check_custom_claims(claims: dict[str, Any], validations: list[Record]) -> None:
    """Step 10: every claim validation other than ``iss`` matches."""
    for validation in validations:
        name, wanted = validation["name"], validation["value"]
        if name in ("", "iss"):
            continue
        actual = claims.get(name)
        if actual == wanted or isinstance(actual, list) and wanted in actual:
            continue
        if actual is not None and not isinstance(actual, str | list) and str(actual) == wanted:
            continue
        raise Refusal("claim_mismatch", f"claim {name!r} is {clipped_repr(actual)}, the app's claim "
                      f"validation wants {wanted!r}")


def check_jti(settings: Settings, app: Record, claims: dict[str, Any], jtis: JtiMemory,
              forgotten: dict[str, float]) -> str | None:
    """Step 11: under JTI verification, a jti seen before for this app is refused.

    So is one that cannot be told from a used one: an assertion expiring no later than the
    used jtis the cleanup job forgot (see :func:`~.cleanup.cleanup`). Returns the jti to
    remember once a token is issued (None when there is none to remember).
    """
    if app["enable_jti_verification"] != "true":
        return None
    jti_claim = app["jti_claim"] or "jti"
    raw = claims.get(jti_claim)
    if raw is None:
        if not settings.accept_missing_jti:
            raise Refusal("jti_missing", f"JTI verification is on and the assertion has no {jti_claim!r}")
        return None
    jti = raw if isinstance(raw, str) else repr(raw)
    if (app["sys_id"], jti) in jtis:
        raise Refusal("jti_replayed", f"{jti_claim} {clipped_repr(jti)} was already used for app "
                      f"{app['name']!r}; every assertion needs a fresh jti")
    horizon = forgotten.get(app["sys_id"])
    exp = claims["exp"]  # step 9 made sure it is a number
    if horizon is not None and exp <= horizon:
        raise Refusal("jti_replayed", f"{jti_claim} {clipped_repr(jti)} cannot be told from a used one: exp "
                      f"{format_glide(exp)} is not after {format_glide(horizon)}, up to which the used jtis of "
                      f"app {app['name']!r} were forgotten under a smaller clock skew; sign a fresh JWT")
    return jti


def is_number(value: Any) -> bool:
    # json.loads accepts NaN, Infinity and integers of any size; an assertion that never
    # expires, or a time no float can hold, is not a number here.
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int past float range
        return False
