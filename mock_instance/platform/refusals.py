"""Why the token endpoint refused: the reason codes (a public interface) and the refusal types.

The platform answers every refusal with the same bare 401 and writes the
reason only to its system log. The mock does the same (one ``syslog`` row
``[<reason_code>] <sentence>``) and also keeps the recent refusals for Python
code and the pytest report. The README's troubleshooting table documents each
code; a test keeps the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: docs/platform.md §4: every refusal, whatever the cause (the fields really look swapped).
REFUSAL_STATUS = 401
REFUSAL_BODY = {"error_description": "access_denied", "error": "server_error"}
SYSLOG_SOURCE = "oauth_token.do"
#: The authorize endpoint's refusals are logged under its own name (docs/platform.md §1, §10.6).
AUTHORIZE_SOURCE = "oauth_auth.do"
#: Where Bearer refusals on the Table and Attachment APIs are remembered from (no syslog row).
REST_API_SOURCE = "rest_api"
#: How many recent refusals the instance keeps for Python and the pytest report.
RECENT_REFUSALS = 200

#: Every reason code a refusal can carry, with what it means. Public interface:
#: the README's troubleshooting table is built from the same list.
REASONS: dict[str, str] = {
    "fault_injected": "a test injected this refusal (MockInstance.inject_fault('token_refused'); mock-only)",
    "request_too_large": "the body is over the REST body limit (10 MB)",
    "request_not_form": "the body is not application/x-www-form-urlencoded (a JSON body fails on the platform)",
    "parameter_repeated": "a form parameter was sent more than once (RFC 6749 §3.2, §5.2: an invalid request)",
    "grant_type_unsupported": "grant_type is missing or not one the endpoint serves (jwt-bearer URN, password, "
                              "refresh_token, client_credentials, authorization_code)",
    "assertion_missing": "no assertion parameter, or an empty one",
    "assertion_header_refused": "the JWT came in PySNC's Authentication header, which is off by default",
    "client_auth_basic_refused": "client id and secret came as HTTP Basic, which this grant's setting refuses "
                                 "(jwt-bearer: off by default), or the Basic value is not base64 of id:secret",
    "client_id_missing": "no client_id, and no public client could be looked up",
    "client_unknown": "no application registry of the grant's kind has this client_id (jwt-bearer: an OAuth JWT "
                      "API endpoint)",
    "client_inactive": "the application registry is inactive",
    "public_client_not_found": "no active public client has a client_id in the aud claim",
    "public_client_ambiguous": "several public clients have a client_id in the aud claim",
    "client_secret_missing": "the app is not a public client and no client_secret was sent",
    "client_secret_invalid": "the client_secret does not match the app's",
    "assertion_malformed": "not a compact JWT: canonical base64url (no padding) of UTF-8 JSON, alg and kid strings",
    "alg_not_allowed": "the header alg is not one of RS/ES/HS 256/384/512 (alg none included)",
    "kid_unknown": "the header kid matches none of the app's JWT verifier maps",
    "kid_missing": "no kid in the header, and the app does not have exactly one verifier map",
    "certificate_missing": "an RS/ES JWT, but the verifier map has no certificate",
    "certificate_unreadable": "the verifier map's certificate record cannot be read",
    "certificate_inactive": "the verifier map's certificate record is inactive",
    "certificate_expired": "the verifier map's certificate is expired or not yet valid",
    "key_type_mismatch": "the certificate's key does not fit the alg (an EC key for RS256, a wrong curve)",
    "shared_key_refused": "an HS JWT on a verifier map that has a certificate",
    "shared_key_missing": "an HS JWT, but the verifier map has no shared key",
    "signature_invalid": "the signature does not verify with the verifier map's key",
    "aud_mismatch": "aud is missing or is not the app's client_id",
    "iss_mismatch": "iss is neither the client_id nor an iss claim validation's value",
    "exp_missing": "the exp claim is missing or not a number (a float must hold it)",
    "token_expired": "now is past exp + the app's clock skew",
    "token_not_yet_valid": "now is before nbf - the app's clock skew",
    "iat_in_future": "iat is after now + clock skew (only when iat checking is on)",
    "claim_mismatch": "a custom claim validation of the app does not match",
    "jti_missing": "JTI verification is on and the assertion has no jti (only when that is refused)",
    "jti_replayed": "JTI verification is on and this jti was used (or expires no later than forgotten ones)",
    "sub_missing": "the sub claim is missing, empty or not a string",
    "user_field_invalid": "the app's User field is not a sys_user column",
    "user_not_found": "no sys_user has the sub value in the app's User field",
    "user_ambiguous": "several sys_user records have the sub value in the app's User field",
    "user_inactive": "the user is inactive",
    "user_locked_out": "the user is locked out",
    "user_is_admin": "the user holds the admin role: granting JWT to admin is not allowed",
    # docs/platform.md §10: the other grants and the authorize endpoint.
    "ropc_disabled": "the password grant is off: glide.oauth.inbound.ropc.grant_type.disabled is true",
    "password_invalid": "the password does not match the user's",
    "user_not_interactive": "the user is web-service-access-only (only with ropc_refuse_web_service_only_users)",
    "refresh_token_missing": "no refresh_token parameter, or an empty one",
    "refresh_token_unknown": "no refresh token of this app has this value",
    "refresh_token_expired": "the refresh token is past its expiry, or was revoked",
    "client_credentials_disabled": "the client credentials grant is off: the system property "
                                   "glide.oauth.inbound.client.credential.grant_type.enabled is not true",
    "application_user_missing": "the app's OAuth Application User (user) is empty or gone",
    "code_invalid": "the authorization code is unknown, another app's, or already used",
    "code_expired": "the authorization code is past its lifespan",
    "redirect_uri_mismatch": "redirect_uri differs from the one the code was issued for",
    "code_verifier_missing": "the code was issued with a PKCE challenge and no code_verifier was sent",
    "code_challenge_mismatch": "BASE64URL(SHA-256(code_verifier)) is not the code's challenge",
    "redirect_uri_missing": "authorize: the app has no redirect URL registered",
    "state_missing": "authorize: no state, and glide.oauth.state.parameter.required is true",
    "response_type_unsupported": "authorize: response_type is not code",
    "code_challenge_method_unsupported": "authorize: a code_challenge whose method is not S256",
    "code_challenge_missing": "authorize: a public client sent no code_challenge",
}

#: Why a Bearer token was refused on the Table or Attachment API (no syslog row).
ACCESS_TOKEN_REASONS: dict[str, str] = {
    "fault_injected": "a test injected this refusal (MockInstance.inject_fault('token_refused'); mock-only)",
    "access_token_unknown": "no oauth_credential has this access token (never issued, or cleaned up)",
    "access_token_expired": "the access token is past its expiry, or was revoked",
    "access_token_app_inactive": "the token's application registry is inactive or gone",
    "access_token_user_inactive": "the token's user is inactive, locked out or gone",
}


class Refusal(Exception):
    """A refused token request: a reason code from :data:`REASONS` and a sentence."""

    def __init__(self, code: str, sentence: str, *, body: dict[str, str] | None = None) -> None:
        if code not in REASONS and code not in ACCESS_TOKEN_REASONS:
            raise ValueError(f"unknown refusal reason code {code!r}")
        super().__init__(f"[{code}] {sentence}")
        self.code = code
        self.sentence = sentence
        #: The spec's body for this refusal when it is not the generic one (the PKCE 401 of §10.4).
        self.body = body


@dataclass(frozen=True)
class RefusalRecord:
    """One remembered refusal, for Python code and the pytest report."""

    code: str
    sentence: str
    #: Instance-clock epoch seconds.
    at: float
    #: ``oauth_token.do``, ``oauth_auth.do``, or ``rest_api`` for a Bearer token refused by an API.
    source: str = SYSLOG_SOURCE

    def __str__(self) -> str:
        return f"{self.code}: {self.sentence}"


def clipped_repr(value: Any, limit: int = 80) -> str:
    """A client-sent value for a refusal sentence: its repr, shortened."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
