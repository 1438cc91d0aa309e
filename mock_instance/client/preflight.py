"""Checks before a live run touches an instance: one clear message naming the setting to fix.

A run that starts provisioning and fails half way leaves records behind on
someone's instance. These checks read, and never write:

- :func:`preflight`: the instance answers JSON, the admin credentials work,
  and the admin user really holds the ``admin`` role;
- :func:`check_chain`: a pre-provisioned chain gets a token.

docs/platform.md §2: an encoded query naming an unknown field is ignored and
returns every row. So no answer is trusted for what it was asked: every row a
check relies on is compared with the value the query asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from .http import PlainHTTPRefused, RedirectRefused, UnsafeRequestError, origin, post_token_form

INSTANCE, ADMIN_USER, ADMIN_PASSWORD = "SNJWT_INSTANCE", "SNJWT_ADMIN_USER", "SNJWT_ADMIN_PASSWORD"
ADMIN_ROLE = "admin"
#: Rows read when a check needs "all of them": a user's roles (an admin inherits dozens).
_ROLE_LIMIT = 1000
_AWAKE = ("an SSO login page, or a hibernating developer instance "
          "(wake it at developer.servicenow.com)")
CHAIN_CAUSES = (
    "SNJWT_CLIENT_ID / SNJWT_CLIENT_SECRET are not the oauth_jwt app's (or the app is inactive)",
    "SNJWT_KID is not the kid of the app's JWT verifier map",
    "SNJWT_KEY_FILE (with SNJWT_KEY_PASSWORD, SNJWT_KEY_ALIAS) is not the private key of the verifier map's "
    "certificate, or that certificate is inactive or expired",
    "SNJWT_USER is not the value of the app's User field (email by default) of an active, not locked-out user",
    "that user holds the admin role (JWT bearer tokens are refused for admin users)",
    "this machine's clock is further from the instance's than the app's clock skew allows",
)


class PreflightError(Exception):
    """A live run cannot start; ``variables`` are the settings to look at, named in the message too."""

    def __init__(self, message: str, *variables: str) -> None:
        super().__init__(message)
        self.variables = variables


def preflight(session: requests.Session, instance_url: str, *, user: str | None = None) -> None:
    """Check the instance and the admin credentials ``session`` carries; raise :class:`PreflightError`.

    ``user`` defaults to the user name of the session's Basic credentials
    (:func:`~mock_instance.client.http.admin_session`, or a ``(user, password)`` tuple).
    """
    base = instance_url.rstrip("/")
    name = user if user is not None else _auth_user(session)
    if not name:
        raise PreflightError(f"no admin user name to check: set {ADMIN_USER}", ADMIN_USER)
    found = _rows(session, base, "sys_user", {"sysparm_query": f"user_name={_escape(name)}",
                                             "sysparm_fields": "sys_id,user_name", "sysparm_limit": "10"},
                  not_admin=name)
    # Compared without case, to be safe either way (docs/platform.md §2 says queries are case-sensitive):
    # what this must catch is an ignored condition, which returns every user.
    if any(str(row.get("user_name", "")).casefold() != name.casefold() for row in found):
        raise _ignored("sys_user", "user_name")
    if len(found) != 1 or not isinstance(found[0].get("sys_id"), str):
        raise PreflightError(f"{base} has {len(found)} sys_user records with user_name {name!r} "
                             f"(the name signed in with): check {ADMIN_USER}", ADMIN_USER)
    sys_id = found[0]["sys_id"]
    links = _rows(session, base, "sys_user_has_role", {
        "sysparm_query": f"user={sys_id}^role.name={ADMIN_ROLE}", "sysparm_fields": "user,role",
        "sysparm_limit": str(_ROLE_LIMIT)}, not_admin=name)
    # An ignored condition on `user` returns other users' rows (docs/platform.md §2): fail closed.
    if any(reference(row.get("user")) != sys_id for row in links):
        raise _ignored("sys_user_has_role", "user")
    role_ids = sorted({reference(row.get("role")) for row in links} - {""})
    roles = _rows(session, base, "sys_user_role", {
        "sysparm_query": f"sys_idIN{','.join(role_ids)}", "sysparm_fields": "sys_id,name",
        "sysparm_limit": str(_ROLE_LIMIT)}, not_admin=name) if role_ids else []
    if not any(row.get("sys_id") in role_ids and row.get("name") == ADMIN_ROLE for row in roles):
        raise PreflightError(f"{name!r} signs in but does not hold the {ADMIN_ROLE!r} role, which provisioning "
                             f"needs (certificates, OAuth apps and users): set {ADMIN_USER} to an admin", ADMIN_USER)


def check_chain(session: requests.Session, instance_url: str, form: Mapping[str, str]) -> None:
    """POST a pre-provisioned chain's token request (``form``: grant, client, assertion) to
    ``/oauth_token.do``; raise :class:`PreflightError` listing the likely causes if it is refused.

    The platform says why only in its System Log, so the message lists what to check.
    Never repeats the form's values.
    """
    base = instance_url.rstrip("/")
    url = f"{base}/oauth_token.do"
    try:
        response = post_token_form(session, url, form)
    except requests.RequestException as e:
        raise _transport(base, e) from None
    body = _json(response, base)
    if response.status_code == 200 and isinstance(body, dict) and body.get("access_token"):
        return
    said = ""
    if isinstance(body, dict) and (body.get("error") or body.get("error_description")):
        said = f" ({str(body.get('error', ''))[:60]}: {str(body.get('error_description', ''))[:120]})"
    causes = "".join(f"\n  - {cause}" for cause in CHAIN_CAUSES)
    raise PreflightError(
        f"{url} refused the pre-provisioned chain: HTTP {response.status_code}{said}. The instance writes "
        f"the reason only to its System Log (System Logs > All, source oauth_token.do). Likely causes:{causes}",
        "SNJWT_CLIENT_ID", "SNJWT_CLIENT_SECRET", "SNJWT_KID", "SNJWT_KEY_FILE", "SNJWT_USER")


def reference(value: Any) -> str:
    """A reference field's sys_id, whether bare or ``{"link": ..., "value": ...}`` (docs/platform.md §2)."""
    if isinstance(value, Mapping):
        value = value.get("value")
    return value if isinstance(value, str) else ""


def _rows(session: requests.Session, base: str, table: str, params: dict[str, str], *,
          not_admin: str | None = None) -> list[dict[str, Any]]:
    params = {**params, "sysparm_exclude_reference_link": "true"}
    try:
        response = session.get(f"{base}/api/now/table/{table}", params=params)
    except requests.RequestException as e:
        raise _transport(base, e) from None
    if response.status_code == 401:
        raise PreflightError(f"{base} refused the admin credentials (HTTP 401): check {ADMIN_USER} and "
                             f"{ADMIN_PASSWORD}", ADMIN_USER, ADMIN_PASSWORD)
    if response.status_code == 403 and not_admin is not None:
        raise PreflightError(f"{not_admin!r} may not read {table} (HTTP 403): it does not hold the "
                             f"{ADMIN_ROLE!r} role provisioning needs; set {ADMIN_USER} to an admin", ADMIN_USER)
    body = _json(response, base)
    if response.status_code != 200:
        raise PreflightError(f"{base} answered HTTP {response.status_code} to a read of {table}"
                             f"{_platform_error(body)}; check {INSTANCE}", INSTANCE)
    result = body.get("result") if isinstance(body, dict) else None
    if not isinstance(result, list) or not all(isinstance(row, dict) for row in result):
        raise PreflightError(f"{base} answered JSON that is not a Table API list: is {INSTANCE} a ServiceNow "
                             "instance's address?", INSTANCE)
    return result


def _json(response: requests.Response, base: str) -> Any:
    kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    try:
        return response.json() if kind.endswith("json") or kind == "" else _not_json(response, base, kind)
    except ValueError:
        return _not_json(response, base, kind or "no content type")


def _not_json(response: requests.Response, base: str, kind: str) -> Any:
    if response.status_code == 401:  # a plain 401 page still means the credentials
        return None
    page = f"an HTML page (HTTP {response.status_code})" if "html" in kind else f"{kind} (HTTP {response.status_code})"
    raise PreflightError(f"{base} answered with {page}, not JSON: {_AWAKE}. Check {INSTANCE}", INSTANCE)


def _transport(base: str, e: requests.RequestException) -> PreflightError:
    host = origin(base)[1] if "//" in base else base
    if isinstance(e, RedirectRefused):
        return PreflightError(f"{base} redirected to another host, {e.target_host}: {_AWAKE}, or the wrong "
                              f"address. Check {INSTANCE}", INSTANCE)
    if isinstance(e, PlainHTTPRefused | UnsafeRequestError):
        return PreflightError(f"{e} (check {INSTANCE})", INSTANCE)
    if isinstance(e, requests.exceptions.SSLError):
        return PreflightError(f"TLS verification of {host} failed. Check {INSTANCE}; behind a proxy that "
                              "inspects TLS, point REQUESTS_CA_BUNDLE at its CA certificate", INSTANCE)
    if isinstance(e, requests.Timeout):
        return PreflightError(f"{host} did not answer in time ({type(e).__name__}): check {INSTANCE} and "
                              "that the instance is awake", INSTANCE)
    return PreflightError(f"cannot reach {host} ({type(e).__name__}): check {INSTANCE}", INSTANCE)


def _platform_error(body: Any) -> str:
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return f" ({str(error.get('message'))[:100]}: {str(error.get('detail'))[:100]})"
    return ""


def _ignored(table: str, field: str) -> PreflightError:
    return PreflightError(
        f"{table} rows came back that do not match the query on {field}: the instance ignored the condition "
        f"(docs/platform.md §2: an unknown field is dropped and every row returned). Nothing read from it can be "
        f"trusted, so the run stops here. Is {INSTANCE} a ServiceNow instance?", INSTANCE)


def _auth_user(session: requests.Session) -> str | None:
    auth = session.auth
    if isinstance(auth, tuple) and auth:
        return str(auth[0])
    name = getattr(auth, "username", None)
    return name if isinstance(name, str) else None


def _escape(value: str) -> str:
    # docs/platform.md §2: `^` separates conditions; `^^` is a literal caret inside a value.
    return value.replace("^", "^^")
