"""What transports need of an instance, and how a crash inside it reaches the test.

A transport serves anything with an ``app`` that is a WSGI callable able to
hand over the exceptions it answered 500 (``take_errors``). At ``stop()``
those are re-raised as :class:`ServerCrashed`, so a fixture's teardown fails
the test that caused them; when the test has already failed, its own error wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment


class ServerCrashed(RuntimeError):
    """A request handler raised: the mock answered 500, and this carries the original error."""


class ServedApp(Protocol):
    """A WSGI app that records the exceptions it answered 500."""

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]: ...

    def take_errors(self) -> list[BaseException]:
        """Return and forget the recorded exceptions."""
        ...


class HasApp(Protocol):
    """What a transport serves (a ``MockInstance``): an :class:`ServedApp`, told which base URLs reach it."""

    @property
    def app(self) -> ServedApp: ...

    def add_base_url(self, url: str) -> None:
        """The transport now serves ``url``."""

    def remove_base_url(self, url: str) -> None:
        """The transport stopped serving ``url``."""


class Transport:
    """A way in that runs between ``start()`` and ``stop()``, usable as a context manager.

    One policy for every transport: leaving the block stops it and re-raises a crash
    the mock recorded, unless the block is already failing, whose own error comes first.
    """

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            self.stop()
        except ServerCrashed:
            if exc_type is None:
                raise


def raise_crashes(app: ServedApp) -> None:
    """Re-raise the first crash the app recorded since the last call, if any."""
    errors = app.take_errors()
    if errors:
        raise ServerCrashed(f"{len(errors)} request(s) crashed the mock; the first: {errors[0]!r}") from errors[0]
