"""Stand-ins for a real instance: ``snjwt-mock serve`` with non-default settings, and how to probe them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from mock_instance import Settings
from mock_instance.platform.profile import settings_document
from mock_instance.probe import Report, run_probes
from tests.helpers import serving

#: The tables a probe run writes to (syslog aside: a refusal's row is the one change it may leave).
TABLES = ("sys_user", "sys_user_has_role", "sys_certificate", "sys_attachment", "jwt_keystore_aliases",
          "jwt_provider", "jwt_claim_validation", "oauth_entity", "jwt_verifier_map", "oauth_credential",
          "sys_properties", "incident")
_KEYED = re.compile(r"(\w+)\[(\w+)\]")


def reply(reason: str, content_type: str = "application/json") -> dict[str, Any]:
    """A recorded refusal that differs from the spec's but keeps its 401 (other probes read the status)."""
    body = json.dumps({"error": reason}) if "json" in content_type else f"<html><body>{reason}</body></html>"
    return {"status": 401, "content_type": content_type, "body": body}


def set_args(settings: Mapping[str, Any]) -> list[str]:
    """``--set NAME=VALUE`` for each setting, as a person types them."""
    args = []
    for name, value in settings.items():
        text = json.dumps(value) if isinstance(value, dict) else str(value).lower() if isinstance(value, bool) \
            else str(value)
        args += ["--set", f"{name}={text}"]
    return args


def flatten(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The report's setting names: ``refusal_bodies`` one entry per reason."""
    flat: dict[str, Any] = {}
    for name, value in settings.items():
        if name == "refusal_bodies":
            flat.update({f"refusal_bodies[{reason}]": item for reason, item in value.items()})
        else:
            flat[name] = value
    return flat


def probe(url: str, state_dir: Path, *, mock: Settings | None = None, **options: Any) -> Report:
    """Probe ``url`` as the stand-in's admin, compared with ``mock`` (default: the mock's defaults)."""
    return run_probes(url, "admin", "admin", mock=settings_document(mock or Settings()), gap=0,
                      state_dir=str(state_dir), **options)


def counts(url: str, password: str = "admin") -> dict[str, int]:
    """Rows per table through the Table API (``X-Total-Count``)."""
    found = {}
    for table in TABLES:
        response = requests.get(f"{url}/api/now/table/{table}", params={"sysparm_limit": "1"},
                                auth=("admin", password), timeout=30)
        found[table] = int(response.headers["X-Total-Count"])
    return found


def by_setting(report: Report) -> dict[str, Any]:
    return {outcome.setting: outcome for outcome in report.outcomes}


@contextmanager
def stand_in(settings: Mapping[str, Any], *extra: str) -> Iterator[str]:
    """A ``snjwt-mock serve`` process with ``settings`` (and more serve arguments); yields its URL."""
    with serving(*set_args(settings), *extra) as (url, _lines):
        yield url
