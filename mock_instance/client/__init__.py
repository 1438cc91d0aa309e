"""The client side of a live run: safe sessions, checks before writing, and a ledger of what was made.

Nothing here imports pytest; the plugin and a cleanup command both build on it.
"""

from __future__ import annotations

from .http import (
    PinnedSession,
    PlainHTTPRefused,
    RedirectRefused,
    UnsafeRequestError,
    admin_session,
    basic_header,
    check_url,
    is_loopback,
    post_token_form,
    token_session,
)
from .ledger import Ledger, LedgerEntry, default_folder
from .preflight import PreflightError, check_chain, preflight, reference

__all__ = [
    "Ledger",
    "LedgerEntry",
    "PinnedSession",
    "PlainHTTPRefused",
    "PreflightError",
    "RedirectRefused",
    "UnsafeRequestError",
    "admin_session",
    "basic_header",
    "check_chain",
    "check_url",
    "default_folder",
    "is_loopback",
    "post_token_form",
    "preflight",
    "reference",
    "token_session",
]
