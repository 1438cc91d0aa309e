"""The drift report: what the mock assumes beside what the instance did, as a table or one JSON document.

Exit status (``snjwt-mock probe``): 0 when every probe that ran decided and
matched the mock (skipped ones, opt-in or not shown, do not count), 1 when any
differs or could not decide, 2 when the probe could not run at all.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .outcome import DIFFERS, MATCH, SKIPPED, SKIPS, UNDECIDED, Outcome

#: The report's verdicts, as the table prints them.
VERDICTS = {MATCH: "match", DIFFERS: "DIFFERS", UNDECIDED: "undecided", SKIPPED: "skipped"}
_VALUE_WIDTH = 28


@dataclass
class Report:
    """One probe run: the instance, its release (None when not readable), the date, and every probe's outcome."""

    instance: str
    release: str | None
    date: str
    outcomes: list[Outcome]
    #: What the teardown could not delete, and how to remove it.
    left: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == status)

    @property
    def exit_status(self) -> int:
        return 1 if self.count(DIFFERS) or self.count(UNDECIDED) else 0

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` document: one entry per probe (``setting``, ``mock``, ``instance``, ``match``, ...)."""
        return {"instance": self.instance, "release": self.release, "date": self.date,
                "exit_status": self.exit_status, "probes": [outcome.to_json() for outcome in self.outcomes],
                "left": list(self.left)}

    def render(self, *, width: int | None = None) -> str:
        """The table for a terminal: a row per probe; under a row that differs, its evidence; under one that did
        not decide, why and the evidence; a legend for the skipped ones."""
        columns = width or shutil.get_terminal_size((120, 24)).columns
        name_width = max((len(outcome.setting) for outcome in self.outcomes), default=10)
        lines = [f"snjwt-mock probe: {self.instance} ({self.release or 'release not readable'}), {self.date}", "",
                 f"{'setting':<{name_width}}  {'mock':<{_VALUE_WIDTH}}  {'instance':<{_VALUE_WIDTH}}  result"]
        for outcome in self.outcomes:
            instance = "-" if outcome.instance is None else show(outcome.instance)
            verdict = f"skipped: {outcome.skip}" if outcome.status == SKIPPED else VERDICTS[outcome.status]
            lines.append(f"{outcome.setting:<{name_width}}  {_cell(show(outcome.mock))}  {_cell(instance)}  {verdict}")
            if outcome.status == UNDECIDED or (outcome.skip == "not shown" and outcome.reason):
                lines.append(_clip(f"    why: {outcome.reason}", columns))
            if outcome.status in (DIFFERS, UNDECIDED):
                lines += [_clip(f"    - {evidence}", columns) for evidence in outcome.evidence]
        lines += ["", f"{len(self.outcomes)} probes: {self.count(MATCH)} match, {self.count(DIFFERS)} differ, "
                      f"{self.count(UNDECIDED)} undecided, {self.count(SKIPPED)} skipped"]
        skipped = dict.fromkeys(outcome.skip for outcome in self.outcomes if outcome.status == SKIPPED)
        lines += [_clip(f"  skipped: {tag}: {SKIPS.get(tag, '')}", columns) for tag in skipped]
        lines += [f"left on the instance: {item}" for item in self.left]
        return "\n".join(lines)


def show(value: Any) -> str:
    """A value in a few words: true, 3600, a zone, ``401 application/json {...}``."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping) and "status" in value:
        body = str(value.get("body", "<binary>"))
        media = str(value.get("content_type") or "").split(";")[0].rpartition("/")[2]
        return f"{value['status']} {media} {body}".strip() if body else f"{value['status']} empty"
    if isinstance(value, Mapping):
        return "; ".join(f"{key}: {show(item)}" for key, item in value.items())
    return str(value)


def _cell(text: str) -> str:
    text = " ".join(text.split())
    return f"{text[:_VALUE_WIDTH - 1]}…" if len(text) > _VALUE_WIDTH else f"{text:<{_VALUE_WIDTH}}"


def _clip(text: str, columns: int) -> str:
    limit = max(columns, 60)
    return "\n".join(line if len(line) <= limit else line[:limit - 1] + "…" for line in text.split("\n"))
