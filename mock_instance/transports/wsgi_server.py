"""The WSGI server under :class:`~mock_instance.transports.server.InstanceServer`: cheroot, set up for a mock.

cheroot is a production-grade, pure-Python server: HTTP/1.1 keep-alive, a
thread pool, TLS and TCP_NODELAY. What this module changes, and why:

- The TLS handshake runs in a worker thread, under the connection timeout,
  once the client has sent its first bytes (cheroot does it in the accept
  loop, where a client that connects and says nothing would stall every other).
- The pool grows when every worker is busy (up to :data:`MAX_THREADS`), so a
  few slow clients, each holding a worker until its timeout, never hold up the
  others; its threads are daemons, as the server thread is.
- Idle keep-alive connections are not capped at cheroot's 10: a CI job's
  workers each keep one.
- ``snjwt.drop`` in the environ closes the connection without a byte of
  answer (the injected ``drop`` fault); requests are logged by method, path and
  status only (query strings can carry tokens); cheroot's own messages go to the
  ``mock_instance.server`` logger at debug level.
"""

from __future__ import annotations

import errno
import logging
import socket
import ssl
import traceback
from typing import Any

from cheroot import server as cheroot_server
from cheroot import wsgi
from cheroot.ssl.builtin import BuiltinSSLAdapter
from cheroot.workers.threadpool import ThreadPool, WorkerThread

from ..platform.faults import DROP_KEY

log = logging.getLogger("mock_instance.server")

#: Worker threads at start, and at most (the pool grows while every worker is busy).
MIN_THREADS = 8
MAX_THREADS = 256
#: Keep-alive connections kept open while idle between requests.
KEEP_ALIVE_LIMIT = 1024
#: The request line and headers together, at most (cheroot answers 413 past it).
MAX_HEADER_BYTES = 1024 * 1024
#: Seconds ``stop()`` gives a busy worker before closing its socket under it.
SHUTDOWN_GRACE = 1.0


class _LazyTLS(BuiltinSSLAdapter):
    """Wraps the socket without the handshake: :class:`_Connection` does it in a worker."""

    def wrap(self, sock: socket.socket) -> tuple[ssl.SSLSocket, dict[str, str]]:
        wrapped = self.context.wrap_socket(sock, do_handshake_on_connect=False, server_side=True)
        return wrapped, {"wsgi.url_scheme": "https", "HTTPS": "on"}


class _Connection(cheroot_server.HTTPConnection):
    _handshaken = False

    def __init__(self, server: Any, sock: Any, makefile: Any = cheroot_server.MakeFile) -> None:
        super().__init__(server, sock, makefile)
        try:
            # Linux passes the listening socket's TCP_NODELAY on; not every system does.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def communicate(self) -> bool:
        if not self._handshaken and isinstance(self.socket, ssl.SSLSocket):
            try:
                self.socket.do_handshake()
            except (OSError, ssl.SSLError) as e:  # a timeout, plain HTTP, a client that left
                log.debug("TLS handshake with %s failed: %s", self.remote_addr, e)
                return False
            self._handshaken = True
        return bool(super().communicate())


class _Gateway(wsgi.Gateway_10):
    def get_environ(self) -> dict[str, Any]:
        environ: dict[str, Any] = super().get_environ()
        environ[DROP_KEY] = self._drop
        return environ

    def _drop(self) -> None:
        """An injected ``drop`` fault: close the connection without a byte of answer."""
        self.req.close_connection = True
        try:
            self.req.conn.socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # the client left first
        # An errno cheroot ignores: it writes nothing more and closes the connection.
        raise ConnectionAbortedError(errno.ECONNABORTED, "dropped (an injected fault)")

    def respond(self) -> None:
        super().respond()
        req = self.req
        log.info("%s %s %s", req.method.decode("latin-1"), req.path.decode("latin-1"),
                 (req.status or b"").split(b" ", 1)[0].decode("latin-1"))


class _Pool(ThreadPool):
    def grow(self, amount: int) -> None:
        # cheroot's grow() polls each new thread's start-up in 0.1 s sleeps; a queued connection waits anyway.
        budget = max(self.max - len(self._threads), 0)
        self._threads.extend(self._spawn_worker() for _ in range(min(amount, budget)))

    def _spawn_worker(self) -> WorkerThread:
        worker = WorkerThread(self.server)
        worker.name = f"snjwt-mock worker {worker.name}"
        worker.daemon = True  # a program that never calls stop() still exits
        worker.start()
        return worker

    def put(self, obj: Any) -> None:
        super().put(obj)
        if self.idle < self.qsize and len(self._threads) < self.max:
            self.grow(1)


class WSGIServer(wsgi.Server):
    """cheroot's WSGI server with this module's changes; ``prepare()`` binds, ``serve()`` runs, ``stop()``."""

    ConnectionClass = _Connection
    keep_alive_conn_limit = KEEP_ALIVE_LIMIT
    max_request_header_size = MAX_HEADER_BYTES
    expiration_interval = 0.25  # how often idle connections are checked against the timeout

    def __init__(self, host: str, port: int, app: Any, *, timeout: float,
                 tls: tuple[str, str] | None = None) -> None:
        # The backlog: a burst of clients (a CI job's workers, a load test) should not lean on SYN retries.
        super().__init__((host, port), app, numthreads=MIN_THREADS, max=MAX_THREADS, request_queue_size=128,
                         timeout=timeout, shutdown_timeout=SHUTDOWN_GRACE, server_name="snjwt-mock")
        self.gateway = _Gateway
        self.requests = _Pool(self, min=MIN_THREADS, max=MAX_THREADS)
        if tls is not None:
            self.ssl_adapter = _LazyTLS(*tls)

    @property
    def port(self) -> int:
        """The bound port (after ``prepare()``)."""
        return int(self.bind_addr[1])

    def error_log(self, msg: str = "", level: int = 20, traceback: bool = False) -> None:
        # Disconnects, timeouts and bad requests are the client's business; the app records its own crashes.
        log.debug("%s%s", msg, "\n" + _format_exc() if traceback else "")


def _format_exc() -> str:
    return traceback.format_exc()
