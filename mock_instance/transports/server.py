"""The HTTP(S) server: with :mod:`.wsgi_server`, the only code that opens sockets.

A production-grade server (cheroot, see :mod:`.wsgi_server`): HTTP/1.1
keep-alive, a thread pool that grows while every worker is busy, TLS, and
TCP_NODELAY. A slow or half-open client never holds up another: an idle
connection waits in a selector, not a thread, and is dropped after the
connection timeout; the TLS handshake runs in a worker under that timeout.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from .crashes import HasApp, Transport, raise_crashes
from .tls import write_self_signed

if TYPE_CHECKING:
    from .wsgi_server import WSGIServer

#: Seconds a connection may sit idle (mid-request or between requests) before it is dropped.
DEFAULT_CONNECTION_TIMEOUT = 30.0


class InstanceServer(Transport):
    """A :class:`MockInstance` over a real socket. ``start()``/``stop()``, or use it as a context manager.

    >>> from mock_instance import MockInstance
    >>> with MockInstance().serve(tls=True) as server:  # doctest: +SKIP
    ...     requests.get(server.url + "/api/now/table/incident", verify=server.ca_file)
    """

    def __init__(self, instance: HasApp, host: str = "127.0.0.1", port: int = 0, *, tls: bool = False,
                 connection_timeout: float = DEFAULT_CONNECTION_TIMEOUT) -> None:
        self.instance = instance
        self.host = host
        self.tls = tls
        self._requested_port = port
        self._timeout = connection_timeout
        self._server: WSGIServer | None = None
        self._port: int | None = None
        self._thread: threading.Thread | None = None
        self._folder: Path | None = None
        #: The PEM of the generated certificate, to pass as ``verify=`` (None without TLS).
        self.ca_file: str | None = None

    @property
    def port(self) -> int:
        """The bound port (still known after :meth:`stop`)."""
        if self._port is None:
            raise RuntimeError("the server was never started")
        return self._port

    @property
    def url(self) -> str:
        """The base URL, e.g. ``https://127.0.0.1:43117``."""
        host = self.host
        if host in ("0.0.0.0", "", "::"):
            host = "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"

    @property
    def token_url(self) -> str:
        """``/oauth_token.do`` on this server."""
        return f"{self.url}/oauth_token.do"

    def start(self) -> InstanceServer:
        if self._server is not None:
            return self
        from .wsgi_server import WSGIServer  # cheroot loads only for a program that serves

        tls = None
        if self.tls:
            self._folder = Path(tempfile.mkdtemp(prefix="snjwt-tls-"))
            cert, key = write_self_signed(self._folder, self.host)
            tls = (str(cert), str(key))
            self.ca_file = str(cert)
        server = WSGIServer(self.host, self._requested_port, self.instance.app, timeout=self._timeout, tls=tls)
        try:
            server.prepare()  # binds: an OSError (port in use) reaches the caller
        except BaseException:
            self._remove_folder()
            raise
        self._server = server
        self._port = server.port
        self._thread = threading.Thread(target=server.serve, name=f"snjwt-mock:{self.port}", daemon=True)
        self._thread.start()
        self.instance.add_base_url(self.url)
        return self

    def stop(self) -> None:
        """Stop accepting, close the socket, and re-raise the first handler crash, if any."""
        if self._server is None:
            return
        self.instance.remove_base_url(self.url)
        self._server.stop()  # closes the listening socket and every connection, open or idle
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = None
        self._remove_folder()
        raise_crashes(self.instance.app)

    def _remove_folder(self) -> None:
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def __repr__(self) -> str:
        state = self.url if self._server is not None else "stopped"
        return f"<InstanceServer {state}>"

