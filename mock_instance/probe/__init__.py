"""Calibrate the mock from a real instance: the probes of docs/platform.md §13, a drift report and a profile.

``snjwt-mock probe --instance URL`` runs them (admin credentials from
``SNJWT_ADMIN_USER`` / ``SNJWT_ADMIN_PASSWORD``). Client side: this package
imports only :mod:`mock_instance.client` and :mod:`mock_instance.crypto`, and
writes the profile format that :mod:`mock_instance.platform.profile` reads.
"""

from __future__ import annotations

from .outcome import DIFFERS, MATCH, SKIPPED, UNDECIDED, Decision, Evidence, Outcome
from .profile_file import profile_document, write_profile
from .registry import PROBES, ProbeSpec
from .report import Report
from .runner import ProbeError, ordered, run_probes

__all__ = ["DIFFERS", "MATCH", "PROBES", "SKIPPED", "UNDECIDED", "Decision", "Evidence", "Outcome", "ProbeError",
           "ProbeSpec", "Report", "ordered", "profile_document", "run_probes", "write_profile"]
