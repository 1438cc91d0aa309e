"""Probes on chain J, the jwt-bearer grant (docs/platform.md §4, §13): one per setting, named after it.

Probes that need another verifier map or certificate make their own for the
probe's duration (the chain's own records stay as provisioned), so each probe
is independent of the others.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from cryptography.hazmat.primitives import serialization

from ..client import ProvisioningError
from ..crypto.certs import self_signed_certificate
from ..crypto.jose import JWT_BEARER_GRANT_TYPE
from .context import ProbeContext, agreeing, granted
from .outcome import Decision, Undecided
from .registry import probe

#: A second audience no instance is called (RFC 6761's reserved name).
OTHER_AUDIENCE = "https://example.invalid"


@probe("accept_kidless_single_map")
def accept_kidless_single_map(ctx: ProbeContext) -> Decision:
    """J: a good assertion without kid (the app has one verifier map); 200 → true."""
    return Decision(granted(ctx.exchange("a good assertion without kid", ctx.assertion(kid=None))))


@probe("accept_aud_list")
def accept_aud_list(ctx: ProbeContext) -> Decision:
    """J: aud = [client id, another audience]; 200 → true."""
    assertion = ctx.assertion(claims={"aud": [ctx.chain.client_id, OTHER_AUDIENCE]})
    return Decision(granted(ctx.exchange("aud a list holding the client id", assertion)))


@probe("accept_token_url_aud")
def accept_token_url_aud(ctx: ProbeContext) -> Decision:
    """J: aud = the instance's token URL; 200 → true."""
    assertion = ctx.assertion(claims={"aud": ctx.token_url})
    return Decision(granted(ctx.exchange("aud the token URL", assertion)))


@probe("user_lookup_case_sensitive")
def user_lookup_case_sensitive(ctx: ProbeContext) -> Decision:
    """J: sub with its letters' case swapped; P: username likewise; 401 → true (both must agree)."""
    jwt = ctx.exchange("sub in swapped case", ctx.assertion(claims={"sub": ctx.chain.user.swapcase()}))
    password = ctx.password_grant("username in swapped case", username=ctx.app.user_name.swapcase())
    return Decision(not agreeing([granted(jwt), granted(password)], "the jwt-bearer and password grants"))


@probe("refuse_duplicate_users")
def refuse_duplicate_users(ctx: ProbeContext) -> Decision:
    """J, plus a second user with the same email; 401 → true."""
    prefix = ctx.provisioner.prefix
    with ctx.temporary("sys_user", {"user_name": f"{prefix}probe-duplicate", "email": ctx.chain.user,
                                    "first_name": "snjwt", "last_name": "probe duplicate"}):
        return Decision(not granted(ctx.exchange("a good assertion, two users with its sub")))


def admin_subject(ctx: ProbeContext) -> Any:
    """J's user holding the admin role for one exchange (the same answer feeds two settings)."""
    def send() -> Any:
        roles = [row for row in ctx.admin.query("sys_user_role", "name=admin", "sys_id,name")
                 if row.get("name") == "admin"]
        if len(roles) != 1:
            raise Undecided(f"found {len(roles)} roles named admin")
        with ctx.temporary("sys_user_has_role", {"user": ctx.chain.sys_ids["sys_user"], "role": roles[0]["sys_id"]}):
            return ctx.exchange("a good assertion whose user holds admin")
    return ctx.once("admin_subject", send)


@probe("refuse_admin_subjects")
def refuse_admin_subjects(ctx: ProbeContext) -> Decision:
    """J: sub = a user holding admin (this run's user, the role granted for one request); 401 → true."""
    return Decision(not granted(admin_subject(ctx)))


@probe("accept_pysnc_header")
def accept_pysnc_header(ctx: ProbeContext) -> Decision:
    """J: no assertion in the form; the JWT in Authentication: Bearer (PySNC); 200 → true."""
    form = {"grant_type": JWT_BEARER_GRANT_TYPE, "client_id": ctx.chain.client_id,
            "client_secret": ctx.chain.client_secret.reveal()}
    answer = ctx.token("the JWT in an Authentication header", form,
                       headers={"Authentication": f"Bearer {ctx.assertion()}"})
    return Decision(granted(answer))


@probe("accept_missing_jti")
def accept_missing_jti(ctx: ProbeContext) -> Decision:
    """J: a good assertion without jti (JTI verification on); 200 → true."""
    return Decision(granted(ctx.exchange("a good assertion without jti", ctx.assertion(drop=("jti",)))))


@probe("check_iat")
def check_iat(ctx: ProbeContext) -> Decision:
    """J: iat = now + 3600, exp = now + 7200; 401 → true."""
    now = int(datetime.datetime.now(datetime.UTC).timestamp())
    assertion = ctx.assertion(claims={"iat": now + 3600, "exp": now + 7200})
    return Decision(not granted(ctx.exchange("iat an hour ahead", assertion)))


@probe("refuse_inactive_or_expired_certificate")
def refuse_inactive_or_expired_certificate(ctx: ProbeContext) -> Decision:
    """J through a map whose certificate is inactive, then one whose certificate expired; 401 both → true."""
    with verifier_map(ctx, "inactive", ctx.keystore.certificate_pem, active=False) as kid:
        inactive = ctx.exchange("a map whose certificate is inactive", ctx.assertion(kid=kid))
    now = datetime.datetime.now(datetime.UTC)
    expired = self_signed_certificate(ctx.keystore.private_key, "snjwt probe expired", 1,
                                      not_before=now - datetime.timedelta(days=3))
    with verifier_map(ctx, "expired", expired.public_bytes(serialization.Encoding.PEM).decode()) as kid:
        past = ctx.exchange("a map whose certificate expired", ctx.assertion(kid=kid))
    return Decision(not agreeing([granted(inactive), granted(past)], "the inactive and expired certificates"))


@probe("allow_hs_with_certificate")
def allow_hs_with_certificate(ctx: ProbeContext) -> Decision:
    """J: a map with the certificate and a shared key S; HS256 signed with S; 200 → true."""
    shared_key = secrets.token_urlsafe(32)
    ctx.masker.add(shared_key)
    with verifier_map(ctx, "shared key", None, shared_key=shared_key) as kid:
        assertion = ctx.assertion(key=shared_key, algorithm="HS256", kid=kid)
        return Decision(granted(ctx.exchange("HS256 on a map with a certificate", assertion)))


@probe("public_client_lookup_by_aud")
def public_client_lookup_by_aud(ctx: ProbeContext) -> Decision:
    """J with the app public: the form without client_id and client_secret; 200 → true."""
    with ctx.changed("oauth_jwt", ctx.chain.sys_ids["oauth_jwt"], {"public_client": True}, {"public_client": False}):
        return Decision(granted(ctx.exchange("a public client, no client id or secret", client=False)))


@probe("accept_unwrapped_pem")
def accept_unwrapped_pem(ctx: ProbeContext) -> Decision:
    """J through a new certificate record whose PEM is on one line; 200 → true; the write refused or 401 → false."""
    body = "".join(ctx.keystore.certificate_pem.strip().splitlines()[1:-1])
    pem = f"-----BEGIN CERTIFICATE-----{body}-----END CERTIFICATE-----"
    try:
        with verifier_map(ctx, "one-line PEM", pem) as kid:
            return Decision(granted(ctx.exchange("a map whose certificate PEM is on one line", ctx.assertion(kid=kid))))
    except CertificateRefused as e:
        ctx.evidence.append(ctx.masker.evidence(f"POST /api/now/table/sys_certificate, a one-line PEM: {e}", None))
        return Decision(False)


@probe("accept_basic_client_auth_jwt_bearer")
def accept_basic_client_auth_jwt_bearer(ctx: ProbeContext) -> Decision:
    """J: a good assertion, the client id and secret only in Authorization: Basic; 200 → true."""
    answer = ctx.exchange("client id and secret as Basic only", client=False,
                          basic=(ctx.chain.client_id, ctx.chain.client_secret))
    return Decision(granted(answer))


@probe("reuse_live_access_token_jwt_bearer")
def reuse_live_access_token_jwt_bearer(ctx: ProbeContext) -> Decision:
    """J: two good exchanges a little apart; the same access_token → true."""
    first = ctx.exchange("a good assertion")
    ctx.pause()
    second = ctx.exchange("another good assertion, later")
    if not (granted(first) and granted(second)):
        raise Undecided("a good assertion was refused, so there is no token to compare")
    return Decision(first.member("access_token") == second.member("access_token"))


class CertificateRefused(Exception):
    """The instance refused to store a certificate record."""


@contextmanager
def verifier_map(ctx: ProbeContext, label: str, certificate_pem: str | None, *, shared_key: str | None = None,
                 **certificate: Any) -> Iterator[str]:
    """A second verifier map on J's app for the block, with its own certificate record (or J's certificate
    when ``certificate_pem`` is None); yields its kid."""
    prefix = f"{ctx.provisioner.prefix}probe {label}"
    with _certificate(ctx, prefix, certificate_pem, certificate) as cert_sys_id:
        values: dict[str, Any] = {"name": f"{prefix} verifier map", "oauth_jwt": ctx.chain.sys_ids["oauth_jwt"],
                                  "sys_certificate": cert_sys_id}
        if shared_key is not None:
            values["shared_key"] = shared_key
        with ctx.temporary("jwt_verifier_map", values) as record:
            if not record.get("kid"):
                raise Undecided("the instance did not fill in the new verifier map's kid")
            yield record["kid"]


@contextmanager
def _certificate(ctx: ProbeContext, prefix: str, pem: str | None, fields: dict[str, Any]) -> Iterator[str]:
    if pem is None:
        yield ctx.chain.sys_ids["sys_certificate"]
        return
    values = {"name": f"{prefix} certificate", "type": "trust_store", "format": "pem", "pem_certificate": pem,
              **fields}
    with ExitStack() as stack:
        try:
            record = stack.enter_context(ctx.temporary("sys_certificate", values))
        except ProvisioningError as e:
            raise CertificateRefused(str(e)) from None
        yield record["sys_id"]
