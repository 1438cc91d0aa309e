"""The registry of probes: each is a function named after the setting it decides (docs/platform.md §13)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .context import ProbeContext
from .outcome import Decision


@dataclass(frozen=True)
class ProbeSpec:
    """One registered probe: the setting it decides and how."""

    setting: str
    run: Callable[[ProbeContext], Decision] | None
    #: What it sends, for ``--list`` and the README.
    summary: str = ""
    #: Changes what every integration on the instance sees (docs/platform.md §13): opt-in only.
    instance_wide: bool = False
    #: Needs an interactive session through the instance's login page, which the program does not open.
    needs_session: bool = False


#: Every probe, in the order they run (each module registers its own on import).
PROBES: list[ProbeSpec] = []


def probe(setting: str, *, instance_wide: bool = False,
          needs_session: bool = False) -> Callable[[Callable[[ProbeContext], Decision]],
                                                   Callable[[ProbeContext], Decision]]:
    """Register the decorated function as the probe of ``setting``; its docstring's first line is its summary."""
    def register(function: Callable[[ProbeContext], Decision]) -> Callable[[ProbeContext], Decision]:
        summary = (function.__doc__ or "").strip().splitlines()[0] if function.__doc__ else ""
        add(ProbeSpec(setting, function, summary, instance_wide, needs_session))
        return function
    return register


def add(spec: ProbeSpec) -> None:
    """Register one probe; a setting is decided by one probe only."""
    if any(existing.setting == spec.setting for existing in PROBES):
        raise ValueError(f"a probe for {spec.setting!r} is registered already")
    PROBES.append(spec)
