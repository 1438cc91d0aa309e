"""The client side of a live run: safe sessions, checks before writing, and a ledger of what was made.

Nothing here imports pytest; the plugin and a cleanup command both build on it.
"""

from __future__ import annotations

from .ledger import Ledger, LedgerEntry, default_folder

__all__ = ["Ledger", "LedgerEntry", "default_folder"]
