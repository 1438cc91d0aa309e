"""The web console of a served mock: the chain as the setup article's steps, a setup flow, a JWT debugger,
live views of requests, refusals and tokens, and the instance's controls.

A layer above :class:`~mock_instance.MockInstance`, beside the CLI: it provisions
through the client side (the one ``Provisioner``) and is imported only by
``snjwt-mock serve`` (on by default) or by code that asks for it; the pytest
plugin never imports it.

>>> from mock_instance import MockInstance
>>> from mock_instance.console import serve_with_console
>>> server = serve_with_console(MockInstance())  # doctest: +SKIP
>>> print(server.url)  # open it in a browser; sign in as admin  # doctest: +SKIP
"""

from __future__ import annotations

from .context import Keyring, KnownChain
from .site import ConsoleSite, serve_with_console

__all__ = ["ConsoleSite", "Keyring", "KnownChain", "serve_with_console"]
