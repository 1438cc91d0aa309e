"""Run a callback on a library as soon as it is imported, without importing it ourselves.

The in-process bridges patch httpx only for programs that use it: if it is
already imported, now; otherwise the moment it is (a one-shot import hook,
removed when cancelled). A program that never imports httpx never loads it.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any


class _ThenCall(importlib.abc.Loader):
    """The module's own loader, followed by the callback once the module has run."""

    def __init__(self, loader: Any, then: Callable[[ModuleType], None]) -> None:
        self._loader = loader
        self._then = then

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)  # type: ignore[no-any-return]

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        # Give the module its real loader back (importlib.resources and inspect use it).
        module.__loader__ = self._loader
        if module.__spec__ is not None:
            module.__spec__.loader = self._loader
        self._then(module)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)


class WhenImported(importlib.abc.MetaPathFinder):
    """``WhenImported("httpx", patch).start()`` calls ``patch(httpx)`` now if httpx is loaded, else on import."""

    def __init__(self, name: str, callback: Callable[[ModuleType], None]) -> None:
        self.name = name
        self._callback = callback

    def start(self) -> None:
        module = sys.modules.get(self.name)
        if module is not None:
            self._callback(module)
        elif self not in sys.meta_path:
            sys.meta_path.insert(0, self)

    def cancel(self) -> None:
        """Stop waiting for the import (no effect once the callback has run)."""
        if self in sys.meta_path:
            sys.meta_path.remove(self)

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.name:
            return None
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            if finder is self or find is None:
                continue
            spec = find(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = _ThenCall(spec.loader, self._loaded)
        return spec

    def _loaded(self, module: ModuleType) -> None:
        self.cancel()
        self._callback(module)
