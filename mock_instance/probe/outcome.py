"""What a probe finds: its decision, why it could not decide, its evidence, and its outcome in the report.

A probe (docs/platform.md §13) is a function over a :class:`~.context.ProbeContext`
named after the setting it decides (:mod:`.registry`). It returns a :class:`Decision` (the
instance's value, in the profile's JSON form), or raises :class:`Undecided`
(it could not tell, and says why), :class:`SpecDefect` (the instance answered
what the spec does not allow) or :class:`NotShown` (the instance does not show
this setting, so the mock's value stands).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: The outcomes of one probe, as the report and ``--json`` name them.
MATCH, DIFFERS, UNDECIDED, SKIPPED = "match", "differs", "undecided", "skipped"
#: Why a probe was skipped: the tag, and the sentence the report's legend gives once.
SKIPS = {
    "not shown": "the instance does not show it (a blank field, an absent property): the mock's value stands",
    "opt-in": "changes what every integration sees, or sends 20 MB: --instance-wide, on a disposable instance",
    "needs a session": "the authorization code flow needs an interactive login, which the probe does not do",
    "no mock setting": "the mock has no such setting (yet)",
}


@dataclass(frozen=True)
class Evidence:
    """One request a probe sent and what came back, with every secret masked."""

    request: str
    status: int | None = None
    content_type: str | None = None
    body: str = ""
    #: A header that decided the probe (``WWW-Authenticate: ...``), when one did.
    header: str = ""
    #: The instance's System Log rows written for this request (token refusals), when the admin can read them.
    syslog: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"request": self.request, "status": self.status, "content_type": self.content_type,
                "body": self.body, "header": self.header, "syslog": self.syslog}

    def __str__(self) -> str:
        header = f"({self.header}) " if self.header else ""  # before the body: it decided, the body may be long
        answer = "no answer" if self.status is None else f"{self.status} {header}{self.content_type or ''} {self.body}"
        text = f"{self.request}: {' '.join(answer.split())}"
        return text + (f"\n    syslog: {self.syslog}" if self.syslog else "")


@dataclass(frozen=True)
class Decision:
    """The instance's value for the setting (JSON form). ``agrees(mock_value)`` compares by meaning when the
    probe knows better than a plain comparison (an offset seen at one instant, say)."""

    value: Any
    agrees: Callable[[Any], bool] | None = None


class Undecided(Exception):
    """The probe could not decide; the message says why."""


class SpecDefect(Undecided):
    """The instance answered what docs/platform.md does not allow, or two readings disagree."""

    def __init__(self, message: str) -> None:
        super().__init__(f"spec defect: {message}")


class NotShown(Exception):
    """The instance does not show this setting (a blank field, an absent property): the mock's value stands."""


@dataclass
class Outcome:
    """What one probe found; ``instance`` and ``match`` are None when it did not decide."""

    setting: str
    mock: Any
    instance: Any
    match: bool | None
    status: str
    reason: str = ""
    evidence: list[Evidence] = field(default_factory=list)
    instance_wide: bool = False
    #: Why a skipped probe did not run, in two words (:data:`SKIPS`).
    skip: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"setting": self.setting, "mock": self.mock, "instance": self.instance, "match": self.match,
                "status": self.status, "skip": self.skip, "reason": self.reason, "instance_wide": self.instance_wide,
                "evidence": [e.to_json() for e in self.evidence]}
