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

__all__ = [
    "Ledger",
    "LedgerEntry",
    "PinnedSession",
    "PlainHTTPRefused",
    "RedirectRefused",
    "UnsafeRequestError",
    "admin_session",
    "basic_header",
    "check_url",
    "default_folder",
    "is_loopback",
    "post_token_form",
    "token_session",
]
