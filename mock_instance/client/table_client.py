"""The few Table and Attachment API calls a client makes to set up and remove records (mock or live)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests


class ProvisioningError(RuntimeError):
    """A provisioning call failed; the message has the table, status and the platform's error."""


class TableClient:
    """Table/Attachment API calls as an admin, with errors that say what failed.

    References come back as bare sys_ids (``sysparm_exclude_reference_link``),
    so a caller can compare them with the sys_ids it holds.
    """

    def __init__(self, session: requests.Session, base_url: str) -> None:
        self.session = session
        self.base = base_url.rstrip("/")

    def _check(self, response: requests.Response, what: str) -> Any:
        if response.status_code >= 400:
            try:
                error = response.json().get("error", {})
                detail = f"{error.get('message')}: {error.get('detail')}"
            except (ValueError, AttributeError):
                detail = response.text[:200]
            raise ProvisioningError(f"{what} failed with HTTP {response.status_code}: {detail}")
        if not response.content:
            return None
        try:
            return response.json()["result"]
        except (ValueError, KeyError, TypeError):
            raise ProvisioningError(f"{what}: the answer is not the Table API's JSON "
                                    f"(HTTP {response.status_code}, {response.headers.get('Content-Type')})") from None

    def create(self, table: str, values: Mapping[str, Any], *, input_display_value: bool = False) -> dict[str, Any]:
        """Insert a record. ``input_display_value`` sends ``sysparm_input_display_value=true``: a real
        instance then stores a ``user_password`` hashed, as a password a user can log in with [COMM]
        (the mock accepts and ignores the parameter, docs/platform.md §2)."""
        params = {"sysparm_exclude_reference_link": "true"}
        if input_display_value:
            params["sysparm_input_display_value"] = "true"
        response = self.session.post(f"{self.base}/api/now/table/{table}", json=dict(values), params=params)
        return self._check(response, f"creating a {table} record")

    def update(self, table: str, sys_id: str, values: Mapping[str, Any]) -> dict[str, Any]:
        response = self.session.patch(f"{self.base}/api/now/table/{table}/{sys_id}", json=dict(values),
                                      params={"sysparm_exclude_reference_link": "true"})
        return self._check(response, f"updating {table} {sys_id}")

    def query(self, table: str, query: str, fields: str = "") -> list[dict[str, Any]]:
        """Records matching ``query``. The platform ignores a condition on an unknown column and
        returns every row (docs/platform.md §2): check a returned field before acting on a row."""
        params = {"sysparm_query": query, "sysparm_exclude_reference_link": "true"}
        if fields:
            params["sysparm_fields"] = fields
        response = self.session.get(f"{self.base}/api/now/table/{table}", params=params)
        return self._check(response, f"querying {table}")

    def delete(self, table: str, sys_id: str) -> bool:
        """Delete one record; False when it was already gone."""
        response = self.session.delete(f"{self.base}/api/now/table/{table}/{sys_id}")
        if response.status_code == 404:
            return False
        self._check(response, f"deleting {table} {sys_id}")
        return True

    def attach(self, table: str, sys_id: str, file_name: str, content: bytes) -> dict[str, Any]:
        response = self.session.post(f"{self.base}/api/now/attachment/file", data=content, params={
            "table_name": table, "table_sys_id": sys_id, "file_name": file_name},
            headers={"Content-Type": "application/octet-stream"})
        return self._check(response, f"attaching {file_name} to {table}")
