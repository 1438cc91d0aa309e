"""What came back from the instance, kept for deciding and shown as evidence with every secret masked.

An :class:`Answer` holds one reply in full (the probe decides from it and
records refusal bodies byte for byte); its evidence form is clipped and passed
through the :class:`Masker`, which knows every secret of the run (client
secrets, passwords, shared keys) and every token the instance handed out.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from ..crypto.secret import MASK, Secret
from .outcome import Evidence

#: How much of a body the evidence shows.
BODY_SHOWN = 240
#: The JSON members of a token reply that hold secrets (docs/platform.md §10.0).
TOKEN_KEYS = ("access_token", "refresh_token", "code")
#: Rows read from the System Log after a refusal: enough to find this run's newest among other writers'.
SYSLOG_ROWS = 50
SYSLOG_SOURCE = "oauth_token.do"
_TOKEN_MEMBER = re.compile(r'("(?:access_token|refresh_token|code)"\s*:\s*")[^"]*(")')


@dataclass(frozen=True)
class Answer:
    """One reply: status, ``Content-Type``, body bytes and headers; ``json`` when the body parses as JSON."""

    status: int
    content_type: str | None
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, response: requests.Response) -> Answer:
        return cls(response.status_code, response.headers.get("Content-Type"), response.content,
                   dict(response.headers))

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def member(self, name: str) -> Any:
        """A member of a JSON object body (None when absent or not an object)."""
        document = self.json
        return document.get(name) if isinstance(document, dict) else None

    def reply(self) -> dict[str, Any]:
        """The reply as a recorded reply in the profile's JSON form (docs/platform.md §9)."""
        document: dict[str, Any] = {"status": self.status, "content_type": self.content_type}
        try:
            document["body"] = self.body.decode("utf-8")
        except UnicodeDecodeError:
            document["body_base64"] = base64.b64encode(self.body).decode("ascii")
        return document


class Masker:
    """Replaces every secret the run knows, and every token member of a JSON body, with ``***``."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()

    def add(self, *values: Secret | str | None) -> None:
        for value in values:
            clear = value.reveal() if isinstance(value, Secret) else value
            if clear and len(clear) >= 6:  # a short value would mask ordinary words
                self._secrets.add(clear)

    def learn(self, answer: Answer) -> None:
        """Remember the tokens a reply handed out, so no later evidence shows them."""
        for name in TOKEN_KEYS:
            value = answer.member(name)
            if isinstance(value, str):
                self.add(value)

    def contains_secret(self, text: str) -> bool:
        return any(secret in text for secret in self._secrets)

    def text(self, text: str) -> str:
        text = _TOKEN_MEMBER.sub(rf"\g<1>{MASK}\g<2>", text)
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, MASK)
        return text

    def evidence(self, request: str, answer: Answer | None, *, header: str = "", syslog: str = "") -> Evidence:
        if answer is None:
            return Evidence(self.text(request))
        body = self.text(answer.body.decode("utf-8", "replace"))
        if len(body) > BODY_SHOWN:
            body = body[:BODY_SHOWN] + f"... ({len(answer.body)} bytes)"
        return Evidence(self.text(request), answer.status, answer.content_type, body, self.text(header),
                        self.text(syslog))


class SyslogReader:
    """The System Log rows of ``oauth_token.do`` that appeared since the last look (admin only).

    Best effort, for evidence: another integration's refusal at the same moment
    shows up too, and an admin who may not read ``syslog`` gets none.
    """

    def __init__(self, session: requests.Session, base_url: str) -> None:
        self._session = session
        self._url = f"{base_url.rstrip('/')}/api/now/table/syslog"
        self._seen: set[str] = set()
        self.readable = True

    def start(self) -> None:
        """Note the rows already there (they are not this run's)."""
        self._seen = {row["sys_id"] for row in self._rows()}

    def new_messages(self) -> str:
        """The messages of rows not seen before, newest first, joined; empty when none or not readable."""
        rows = [row for row in self._rows() if row["sys_id"] not in self._seen]
        self._seen.update(row["sys_id"] for row in rows)
        return " | ".join(str(row.get("message", ""))[:200] for row in rows)

    def _rows(self) -> list[dict[str, Any]]:
        if not self.readable:
            return []
        try:
            response = self._session.get(self._url, params={
                "sysparm_query": f"source={SYSLOG_SOURCE}^ORDERBYDESCsys_created_on",
                "sysparm_fields": "sys_id,source,message", "sysparm_limit": str(SYSLOG_ROWS)})
            rows = response.json().get("result") if response.status_code == 200 else None
        except (requests.RequestException, ValueError, AttributeError):
            rows = None
        if not isinstance(rows, list):
            self.readable = False
            return []
        # A query whose condition was ignored returns every source's rows (docs/platform.md §2): keep ours.
        return [row for row in rows if isinstance(row, dict) and row.get("source") == SYSLOG_SOURCE
                and isinstance(row.get("sys_id"), str)]
