"""What the plugin's hooks and fixtures share, kept on ``config.stash``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from .config import SnjwtConfig

if TYPE_CHECKING:

    pass

MARKER = "snjwt"
#: Arms a fault on the mock for the test body (``@pytest.mark.snjwt_fault("rate_limited")``).
FAULT_MARKER = "snjwt_fault"
#: The resolved options, ini keys and environment.
CONFIG_KEY = pytest.StashKey[SnjwtConfig]()
#: The session's instance (set by the session fixture, read by the report hook).
TARGET_KEY = pytest.StashKey["Target"]()
#: The chain variants the collected tests ask for (computed once, after collection).
VARIANTS_KEY = pytest.StashKey["set[Variant]"]()
#: The chain variants whose tests use the other grants' fixtures, and whether they need client credentials.
GRANTS_KEY = pytest.StashKey["dict[Variant, bool]"]()
#: Fixtures that need the grants app (docs/platform.md §10), and those that also need client credentials.
GRANT_FIXTURES = frozenset({"snjwt_grant_app", "snjwt_password_token"})
CLIENT_CREDENTIALS_FIXTURES = frozenset({"snjwt_client_credentials", "snjwt_client_credentials_token"})
#: Live: the lines that end the run (what was deleted, what is left and how to remove it).
SUMMARY_KEY = pytest.StashKey["list[str]"]()
