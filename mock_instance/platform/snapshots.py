"""Named snapshots kept on the instance, for clients that cannot hold a Python object (mock-only).

``MockInstance.snapshot()`` hands a Python caller its copy; a client over HTTP
(``/snjwt-mock/snapshots``) or the console saves one here by name and restores
it by id. The shelf is not part of any snapshot, and a reset keeps it.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

#: How many snapshots the shelf keeps; saving one more drops the oldest.
MAX_SNAPSHOTS = 20


@dataclass(frozen=True)
class SavedSnapshot:
    """A snapshot on the shelf: its id, a name, when it was taken (instance time), and the state."""

    id: str
    name: str
    at: float
    state: Any = field(repr=False, compare=False)

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape (``/snjwt-mock/snapshots``)."""
        return {"id": self.id, "name": self.name, "at": self.at}


class SnapshotShelf:
    """Saved snapshots, oldest first, at most :data:`MAX_SNAPSHOTS`; thread-safe."""

    def __init__(self) -> None:
        self._saved: OrderedDict[str, SavedSnapshot] = OrderedDict()
        self._lock = threading.Lock()

    def save(self, name: str, state: Any, at: float) -> SavedSnapshot:
        saved = SavedSnapshot(secrets.token_hex(8), name, at, state)
        with self._lock:
            self._saved[saved.id] = saved
            while len(self._saved) > MAX_SNAPSHOTS:
                self._saved.popitem(last=False)
        return saved

    def list(self) -> list[SavedSnapshot]:
        with self._lock:
            return list(self._saved.values())

    def get(self, snapshot_id: str) -> SavedSnapshot | None:
        with self._lock:
            return self._saved.get(snapshot_id)

    def delete(self, snapshot_id: str) -> bool:
        with self._lock:
            return self._saved.pop(snapshot_id, None) is not None
