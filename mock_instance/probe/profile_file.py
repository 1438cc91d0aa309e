"""Write the profile: the settings in which the instance differs from the mock, in the format that
``mock_instance.platform.profile`` reads (``MockInstance(profile=...)``, ``snjwt-mock serve --profile``).

The probe side writes the format without importing the server side; a test
reads every profile a probe run writes back through the loader.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

from .outcome import DIFFERS
from .report import Report

#: ``refusal_bodies[user_not_found]``: a keyed setting's name and key.
_KEYED = re.compile(r"(?P<name>\w+)\[(?P<key>\w+)\]")


def profile_document(report: Report) -> dict[str, Any]:
    """``{"instance", "release", "date", "settings"}``: only the settings that differ, keyed ones by key."""
    settings: dict[str, Any] = {}
    for outcome in report.outcomes:
        if outcome.status != DIFFERS:
            continue
        keyed = _KEYED.fullmatch(outcome.setting)
        if keyed:
            settings.setdefault(keyed["name"], {})[keyed["key"]] = outcome.instance
        else:
            settings[outcome.setting] = outcome.instance
    return {"instance": report.instance, "release": report.release, "date": report.date, "settings": settings}


def write_profile(report: Report, path: str | os.PathLike[str]) -> dict[str, Any]:
    """Write :func:`profile_document` as JSON to ``path`` (replacing it); returns the document."""
    document = profile_document(report)
    temporary = f"{os.fspath(path)}.tmp"
    with open(temporary, "w", encoding="utf-8") as f:
        json.dump(document, f, indent=2, ensure_ascii=False)
        f.write("\n")
    os.replace(temporary, path)
    return document
