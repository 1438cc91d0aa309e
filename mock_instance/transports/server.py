"""The threaded HTTP(S) server: the only module that opens sockets.

One thread per connection, so a slow or half-open client never holds up
another; the TLS handshake happens in that thread too, under the same
timeout (werkzeug's own server does it in the accept loop).
"""

from __future__ import annotations

import logging
import shutil
import socket
import ssl
import tempfile
import threading
from pathlib import Path
from typing import Any

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

from ..platform.faults import DROP_KEY
from .crashes import HasApp, Transport, raise_crashes
from .tls import write_self_signed

log = logging.getLogger("mock_instance.server")

#: Seconds a connection may sit idle (mid-request or between requests) before it is dropped.
DEFAULT_CONNECTION_TIMEOUT = 30.0


class _Handler(WSGIRequestHandler):
    """Logs method and path only: query strings can carry tokens (``/oauth_revoke_token.do?token=``)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        path = self.path.split("?", 1)[0]
        log.info("%s %s %s", self.command, path, code)

    def log_error(self, format: str, *args: Any) -> None:
        log.debug("connection %s: " + format, self.client_address, *args)

    def make_environ(self) -> Any:
        environ = super().make_environ()
        environ[DROP_KEY] = self._drop
        return environ

    def _drop(self) -> None:
        """An injected ``drop`` fault: close the connection without a byte of answer."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # the client left first
        # werkzeug treats a ConnectionError from the app as a dropped connection: nothing is written.
        raise ConnectionAbortedError("dropped (an injected fault)")


class _Server(ThreadedWSGIServer):
    daemon_threads = True
    # socketserver's default backlog is 5: a burst of clients (a CI job's workers, a load
    # test) would lean on SYN retries. The platform's front end takes bursts in stride.
    request_queue_size = 128

    def __init__(self, host: str, port: int, app: Any, tls: ssl.SSLContext | None, timeout: float) -> None:
        super().__init__(host, port, app, handler=_Handler)
        # werkzeug reads ssl_context to set wsgi.url_scheme; the socket is wrapped per connection.
        self.ssl_context = tls
        self.connection_timeout = timeout

    def finish_request(self, request: Any, client_address: Any) -> None:
        request.settimeout(self.connection_timeout)
        if self.ssl_context is None:
            super().finish_request(request, client_address)
            return
        try:
            wrapped = self.ssl_context.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError) as e:
            log.debug("TLS handshake with %s failed: %s", client_address, e)
            return
        try:
            super().finish_request(wrapped, client_address)
        finally:
            # socketserver closes the plain socket, which the wrapper has detached.
            self.shutdown_request(wrapped)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Disconnects and timeouts are the client's business; the app records its own crashes.
        log.debug("connection error from %s", client_address, exc_info=True)


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
        self._server: _Server | None = None
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
        context = None
        if self.tls:
            self._folder = Path(tempfile.mkdtemp(prefix="snjwt-tls-"))
            cert, key = write_self_signed(self._folder, self.host)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            self.ca_file = str(cert)
        self._server = _Server(self.host, self._requested_port, self.instance.app, context, self._timeout)
        self._port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"snjwt-mock:{self.port}", daemon=True)
        self._thread.start()
        self.instance.add_base_url(self.url)
        return self

    def stop(self) -> None:
        """Stop accepting, close the socket, and re-raise the first handler crash, if any."""
        if self._server is None:
            return
        self.instance.remove_base_url(self.url)
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None
        raise_crashes(self.instance.app)

    def __repr__(self) -> str:
        state = self.url if self._server is not None else "stopped"
        return f"<InstanceServer {state}>"

