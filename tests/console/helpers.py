"""What the console's tests share: a console over a fresh instance, its admin, and a chain it set up."""

from __future__ import annotations

from typing import Any

from werkzeug.test import Client, TestResponse

from conftest import basic
from mock_instance import MockInstance
from mock_instance.console import ConsoleSite

BASE = "/snjwt-mock/console"
ADMIN = basic()
CHOSEN_SECRET = "Sentinel-chosen-secret-41"


def console(instance: MockInstance) -> tuple[ConsoleSite, Client]:
    site = ConsoleSite(instance)
    return site, Client(site)


def set_up(client: Client, **changes: Any) -> TestResponse:
    """POST the setup form as a person would fill it in (a generated RS256 key unless changed)."""
    form = {"key_source": "generate", "name": "acme", "algorithm": "RS256", "client_secret": CHOSEN_SECRET,
            "clock_skew": "300", "jti_verification": "true", "user_name": "jwt.integration",
            "email": "jwt.integration@example.com", "user_field": "email", **changes}
    return client.post(f"{BASE}/setup", data={k: v for k, v in form.items() if v is not None}, headers=ADMIN)
