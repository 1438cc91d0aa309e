"""What to do about each refusal: one fix per reason code, for the README's troubleshooting table and the console.

The README's table shows the same text (a test keeps the two in step); the
console's JWT debugger and refusal views show it beside the reason's meaning
(:data:`~.refusals.REASONS`). Backticks mark code, as in the README.
"""

from __future__ import annotations

#: The fix for each reason code of a token-endpoint refusal (:data:`~.refusals.REASONS`) and of a
#: refused Bearer token (:data:`~.refusals.ACCESS_TOKEN_REASONS`).
FIXES: dict[str, str] = {
    "request_too_large": "send a normal form",
    "request_not_form": "send `application/x-www-form-urlencoded`",
    "parameter_repeated": "send each parameter once (RFC 6749 §3.2)",
    "grant_type_unsupported": "fix `grant_type`",
    "assertion_missing": "send the signed JWT as `assertion`",
    "assertion_header_refused": "set `accept_pysnc_header`, or send `assertion`",
    "client_auth_basic_refused": "send them in the form (`include_client_id=True`), or set "
                                 "`accept_basic_client_auth_jwt_bearer` (jwt-bearer), `accept_basic_client_auth` "
                                 "or `accept_basic_client_auth_client_credentials`",
    "client_id_missing": "send `client_id`",
    "client_unknown": "copy the client id from the app registry (`oauth_jwt` for jwt-bearer)",
    "client_inactive": "activate the application registry",
    "public_client_not_found": "send `client_id`, or fix `aud`",
    "public_client_ambiguous": "send `client_id`, or fix `aud`",
    "client_secret_missing": "send the client secret in the form",
    "client_secret_invalid": "copy it again (it is a password field: the Table API never shows it)",
    "assertion_malformed": "check what your JWT library produced",
    "alg_not_allowed": "sign with RS256 (or ES*/HS*)",
    "kid_unknown": "use the verifier map's `kid` (auto-filled when the map is created); for "
                   "GlideJWTAPI, set it on the JWT key",
    "kid_missing": "put the `kid` in the header",
    "certificate_missing": "attach the certificate to the map",
    "certificate_unreadable": "re-upload the PEM (certificate format), or fix the keystore password",
    "certificate_inactive": "activate it, or make a new certificate",
    "certificate_expired": "activate it, or make a new certificate",
    "key_type_mismatch": "sign with the algorithm of the certificate's key",
    "shared_key_refused": "sign with RS/ES, or use a map without a certificate",
    "shared_key_missing": "set the map's shared key",
    "signature_invalid": "sign with the private key that matches the map's certificate",
    "aud_mismatch": "set `aud` to the client id",
    "iss_mismatch": "set `iss` to the client id, or add an `iss` claim validation",
    "exp_missing": "add `exp` as seconds since the epoch",
    "token_expired": "sign a fresh JWT; check the client's clock and the app's `clock_skew`",
    "token_not_yet_valid": "check the client's clock",
    "iat_in_future": "check the client's clock",
    "claim_mismatch": "send the claim the app requires",
    "jti_missing": "add a unique `jti`",
    "jti_replayed": "sign a new JWT for every exchange, or turn JTI verification off for the app",
    "sub_missing": "set `sub` to the user's value in the app's User field",
    "user_field_invalid": "pick a column such as `email` or `user_name`",
    "user_not_found": "match `sub` to the User field; send the user's User ID",
    "user_ambiguous": "make the value unique",
    "user_inactive": "activate or unlock the user",
    "user_locked_out": "activate or unlock the user",
    "user_is_admin": "use a non-admin integration user",
    "fault_injected": "clear it: `clear_faults()`, or `DELETE /snjwt-mock/faults`",
    "ropc_disabled": "use another grant, or set the property to `false`",
    "password_invalid": "send the user's password (a user without one cannot use the grant)",
    "user_not_interactive": "use an interactive user, or another grant",
    "refresh_token_missing": "send the refresh token of the last reply",
    "refresh_token_unknown": "send the refresh token this app received",
    "refresh_token_expired": "get new tokens with the original grant",
    "client_credentials_disabled": "create the `sys_properties` row with value `true`",
    "application_user_missing": "set the app's `user`",
    "code_invalid": "run `/oauth_auth.do` again and exchange the new code once",
    "code_expired": "exchange the code promptly",
    "redirect_uri_mismatch": "send the same `redirect_uri` to both",
    "code_verifier_missing": "send the PKCE verifier",
    "code_challenge_mismatch": "send the verifier that made this code's challenge",
    "redirect_uri_missing": "register the redirect URL on the app",
    "state_missing": "send `state`",
    "response_type_unsupported": "use `response_type=code`",
    "code_challenge_method_unsupported": "use S256",
    "code_challenge_missing": "use PKCE",
    "access_token_unknown": "send the `access_token` of a token response (the whole opaque value)",
    "access_token_expired": "get a new token: this one expired, or was revoked",
    "access_token_app_inactive": "activate the application registry, then get a new token",
    "access_token_user_inactive": "activate or unlock the user, then get a new token",
}


def fix_for(code: str) -> str:
    """The fix for a reason code ("" for a code with none)."""
    return FIXES.get(code, "")
