"""An app and a user for the other grants (docs/platform.md §10), and the refusal assertion they share."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import Any

from werkzeug.test import Client

from mock_instance import MockInstance
from tests.helpers import table_counts

CLIENT_SECRET = "grant-client-secret"
PASSWORD = "Pa55-word!"
REDIRECT = "https://app.example.com/callback"
GENERIC_401 = b'{"error_description":"access_denied","error":"server_error"}'
TOKEN = re.compile(r"[A-Za-z0-9_-]{86}")


@dataclass
class GrantApp:
    """A plain ``oauth_entity`` app, its user (with a password) and the forms each grant sends."""

    instance: MockInstance
    app: dict[str, str]
    user: dict[str, str]
    client_secret: str = CLIENT_SECRET
    password: str = PASSWORD

    @property
    def client_id(self) -> str:
        return self.app["client_id"]

    def client(self, **overrides: str | None) -> dict[str, str]:
        form = {"client_id": self.client_id, "client_secret": self.client_secret, **overrides}
        return {k: v for k, v in form.items() if v is not None}

    def password_form(self, **overrides: str | None) -> dict[str, str]:
        fields: dict[str, str | None] = {"grant_type": "password", "username": self.user["user_name"],
                                         "password": self.password}
        return self.client(**{**fields, **overrides})

    def refresh_form(self, refresh_token: str, **overrides: str | None) -> dict[str, str]:
        return self.client(**{"grant_type": "refresh_token", "refresh_token": refresh_token, **overrides})

    def basic(self, client_id: str | None = None, secret: str | None = None) -> dict[str, str]:
        raw = f"{client_id or self.client_id}:{self.client_secret if secret is None else secret}"
        return {"Authorization": "Basic " + base64.b64encode(raw.encode()).decode()}

    def credentials(self, client: Client, **overrides: str | None) -> dict[str, Any]:
        """A password grant's reply (asserted 200)."""
        response = client.post("/oauth_token.do", data=self.password_form(**overrides))
        assert response.status_code == 200, self.instance.refusals
        return response.get_json()  # type: ignore[no-any-return]


def build_app(instance: MockInstance, *, user: dict[str, Any] | None = None, **app: Any) -> GrantApp:
    """An active app with a secret and a redirect URL, whose OAuth Application User is a new user with a password."""
    person = instance.insert("sys_user", {"user_name": "beth.anglin", "email": "beth@example.com",
                                          "name": "Beth Anglin", "user_password": PASSWORD, **(user or {})})
    values = {"name": "grant app", "client_secret": CLIENT_SECRET, "redirect_url": REDIRECT,
              "user": person["sys_id"], **app}
    return GrantApp(instance, instance.insert("oauth_entity", values), person)


def enable_client_credentials(client: Client, admin: dict[str, str], value: str = "true") -> None:
    """What an admin does (docs/platform.md §10.3): create the system property, through the Table API."""
    response = client.post("/api/now/table/sys_properties", headers=admin, json={
        "name": "glide.oauth.inbound.client.credential.grant_type.enabled", "value": value, "type": "true|false"})
    assert response.status_code == 201


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def credential_state(instance: MockInstance) -> dict[str, tuple[str, str]]:
    """Every oauth_credential row's type and expiry, by sys_id: a refusal may change none of them."""
    return {r["sys_id"]: (r["type"], r["expires"]) for r in instance.query("oauth_credential")}


def assert_refused(client: Client, instance: MockInstance, code: str, *, status: int = 401,
                   body: bytes | None = GENERIC_401, source: str = "oauth_token.do", path: str = "/oauth_token.do",
                   method: str = "POST", **kwargs: Any) -> Any:
    """Send, then check the status, the exact body (when given), the reason code, one syslog row and that
    nothing else changed (codes kept in memory included). Returns the response."""
    before = table_counts(instance)
    credentials = credential_state(instance)
    codes = dict(instance.platform.codes)
    instance.clear_refusals()
    response = client.open(path, method=method, **kwargs)
    assert response.status_code == status, (response.status_code, response.data, instance.refusals)
    if body is not None:
        assert response.data == body
        assert response.content_type == "application/json;charset=UTF-8"
    refusals = instance.refusals
    assert [r.code for r in refusals] == [code], refusals
    assert table_counts(instance) == {**before, "syslog": before["syslog"] + 1}
    assert instance.platform.codes == codes
    assert credential_state(instance) == credentials
    row = instance.query("syslog")[-1]
    assert (row["level"], row["source"], row["message"]) == ("error", source, f"[{code}] {refusals[0].sentence}")
    for secret in (CLIENT_SECRET, PASSWORD):
        assert secret not in refusals[0].sentence
    return response
