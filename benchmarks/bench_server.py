"""Token exchanges per second over a real socket (issue 17), as ratios measured in one interleaved run.

One load client (this process: threads, each with one keep-alive connection of
``http.client``) posts token requests to servers that each run in their own process:

- ``mock``: ``snjwt-mock serve`` (the RS256 chain provisioned through its Table API;
  JTI verification on, so every exchange gets its own assertion, signed before timing);
- ``bare``: a threaded Werkzeug server that only verifies the assertion with PyJWT;
- ``axa``: axa's oauth2-mock-server (Node.js), sent a ``client_credentials`` request
  (it has no JWT bearer grant; it signs a JWT access token and verifies nothing).
  Installed with npm into a temporary folder; skipped with a message when that fails;
- ``before``: with ``--before DIR``, the mock from another source tree (e.g. an
  unpacked ``git archive`` of main), to compare a change in the same run.

Over http and over https, at 1, 4 and 16 client threads, contenders interleaved in
rotating order; the figure is the median exchanges/s over rounds, and each ratio is
the mock's rate over the other's (> 1: the mock is faster).

Run: python benchmarks/bench_server.py [--before DIR] [--skip-axa]
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode, urlsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from harness import report  # noqa: E402

Bodies = Callable[[int], list[bytes]]


class Server:
    """A server process, its base URL and the CA file to trust (https)."""

    def __init__(self, name: str, command: list[str], *, env: dict[str, str] | None = None,
                 cwd: str | None = None, ca_file: str | None = None) -> None:
        self.name = name
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                        env=env, cwd=cwd)
        self.url, self.ca_file = "", ca_file
        deadline = time.monotonic() + 60
        assert self.process.stdout is not None
        while time.monotonic() < deadline and not (self.url and (self.ca_file or "https" not in self.url)):
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError(f"{name} exited before it was ready")
            for marker in ("instance URL ", "listening on ", "BARE "):
                if marker in line:
                    self.url = line.split(marker, 1)[1].split()[0]
            if "TLS certificate " in line:
                self.ca_file = line.split("TLS certificate ", 1)[1].split()[0]
        threading.Thread(target=self.process.stdout.read, daemon=True).start()  # keep its pipe drained

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


class _Plain(http.client.HTTPConnection):
    def connect(self) -> None:
        super().connect()
        # What urllib3 (so requests) does: no client-side Nagle wait either.
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _Secure(http.client.HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def exchanges_per_second(server: Server, path: str, bodies: list[bytes], threads: int) -> float:
    """Post every body from ``threads`` threads, one keep-alive connection each; exchanges/s."""
    parts = urlsplit(server.url)
    context = ssl.create_default_context(cafile=server.ca_file) if parts.scheme == "https" else None
    chunks = [bodies[i::threads] for i in range(threads)]
    errors: list[str] = []
    start_line = threading.Barrier(threads + 1)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}

    def work(chunk: list[bytes]) -> None:
        if context is None:
            conn: http.client.HTTPConnection = _Plain(parts.hostname, parts.port, timeout=60)
        else:
            conn = _Secure(parts.hostname, parts.port, timeout=60, context=context)
        start_line.wait()
        try:
            for body in chunk:
                conn.request("POST", path, body, headers)  # reconnects by itself after a Connection: close
                response = conn.getresponse()
                content = response.read()
                if response.status != 200:
                    errors.append(f"{server.name}: {response.status} {content[:200]!r}")
        except (OSError, http.client.HTTPException) as e:
            errors.append(f"{server.name} ({threads} threads): {e!r}")
        finally:
            conn.close()

    workers = [threading.Thread(target=work, args=(c,)) for c in chunks]
    for w in workers:
        w.start()
    start_line.wait()
    began = time.perf_counter()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - began
    assert not errors, errors[:3]
    return len(bodies) / elapsed


def mock_server(tls: bool, source: str | None = None) -> Server:
    env = dict(os.environ)
    if source is not None:
        env["PYTHONPATH"] = source
    command = [sys.executable, "-m", "mock_instance", "serve", "--port", "0", "--set", "cleanup_interval=1000000000"]
    return Server("before" if source else "mock", command + (["--tls"] if tls else []), env=env,
                  cwd=source or str(HERE.parent))


def bare_server(tls_files: tuple[str, str] | None, public_key: str, client_id: str) -> Server:
    command = [sys.executable, str(Path(__file__).resolve()), "bare-server", public_key, client_id]
    return Server("bare", command + (list(tls_files) if tls_files else []), ca_file=tls_files[0] if tls_files else None)


def serve_bare(public_key_file: str, client_id: str, *tls: str) -> None:
    """The ``bare-server`` mode: a threaded Werkzeug server that verifies the assertion with PyJWT, and nothing else."""
    import logging

    import jwt
    from cryptography.hazmat.primitives.serialization import load_pem_public_key
    from werkzeug.serving import make_server
    from werkzeug.wrappers import Request, Response

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    public_key = load_pem_public_key(Path(public_key_file).read_bytes())

    @Request.application
    def app(request: Request) -> Response:
        jwt.decode(request.form["assertion"], public_key, algorithms=["RS256"], audience=client_id)  # type: ignore[arg-type]
        return Response('{"access_token":"x","scope":"useraccount","token_type":"Bearer","expires_in":1799}',
                        content_type="application/json;charset=UTF-8")

    server = make_server("127.0.0.1", 0, app, threaded=True, ssl_context=tuple(tls) if tls else None)  # type: ignore[arg-type]
    print(f"BARE {'https' if tls else 'http'}://127.0.0.1:{server.server_port}", flush=True)
    server.serve_forever()


def install_axa(quick: bool, skip: bool) -> str | None:
    """The oauth2-mock-server launcher, installed with npm into a temporary folder; None (said why) otherwise."""
    if quick or skip:
        print("  axa's oauth2-mock-server: skipped (--quick or --skip-axa)")
        return None
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        print("  axa's oauth2-mock-server: skipped (no node/npm on PATH)")
        return None
    folder = tempfile.mkdtemp(prefix="snjwt-axa-")
    result = subprocess.run([npm, "install", "--silent", "--no-audit", "--no-fund", "--prefix", folder,
                             "oauth2-mock-server"], capture_output=True, text=True, timeout=600)
    launcher = Path(folder) / "node_modules" / ".bin" / "oauth2-mock-server"
    if result.returncode != 0 or not launcher.exists():
        print(f"  axa's oauth2-mock-server: skipped (npm install failed: {result.stderr.strip()[:200]})")
        return None
    return str(launcher)


def axa_server(launcher: str, tls_files: tuple[str, str] | None) -> Server:
    command = ["node", launcher, "-a", "127.0.0.1", "-p", "0"]
    if tls_files:
        command += ["-c", tls_files[0], "-k", tls_files[1]]
    server = Server("axa", command, ca_file=tls_files[0] if tls_files else None)
    if tls_files:
        server.url = server.url.replace("http://", "https://", 1)  # it prints http:// whatever it serves
    return server


def main() -> None:
    if sys.argv[1:2] == ["bare-server"]:
        serve_bare(*sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a smoke run with tiny sizes (no axa)")
    parser.add_argument("--before", metavar="DIR", help="also run the mock from this source tree")
    parser.add_argument("--skip-axa", action="store_true", help="do not install or run axa's oauth2-mock-server")
    args = parser.parse_args()
    from chain import RemoteChain

    per_run, rounds = (24, 1) if args.quick else (800, 3)
    launcher = install_axa(args.quick, args.skip_axa)
    workdir = Path(tempfile.mkdtemp(prefix="snjwt-bench-"))
    rows: list[tuple[str, float, float | None, float | None]] = []
    try:
        for tls in (False, True):
            scheme = "https" if tls else "http"
            tls_files = None
            if tls:
                from mock_instance.transports.tls import write_self_signed

                cert, key = write_self_signed(workdir, "127.0.0.1")
                tls_files = (str(cert), str(key))
            servers = [mock_server(tls)] + ([mock_server(tls, args.before)] if args.before else [])
            chains = {s.name: RemoteChain.provision(s.url, s.ca_file) for s in servers}
            public_key = chains["mock"].write_public_key(workdir)
            servers.append(bare_server(tls_files, str(public_key), chains["mock"].client_id))
            if launcher is not None:
                servers.append(axa_server(launcher, tls_files))
            try:
                rows += measure(servers, chains, scheme, per_run, rounds)
            finally:
                for server in servers:
                    server.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report("Token exchanges/s over a socket: the mock's rate over each other's (> 1: the mock is faster)", rows)


def measure(servers: list[Server], chains: dict[str, object], scheme: str, per_run: int,
            rounds: int) -> list[tuple[str, float, float | None, float | None]]:
    from chain import RemoteChain

    mock_chain = chains["mock"]
    assert isinstance(mock_chain, RemoteChain)
    reused = [urlencode(mock_chain.form()).encode() for _ in range(per_run)]  # bare and axa do not check the jti
    rows = []
    for threads in (1, 4, 16):
        rates: dict[str, list[float]] = {s.name: [] for s in servers}
        for r in range(rounds):
            for server in servers[r % len(servers):] + servers[:r % len(servers)]:
                chain = chains.get(server.name)
                if isinstance(chain, RemoteChain):
                    bodies = [urlencode(chain.form()).encode() for _ in range(per_run)]  # fresh jtis, signed now
                    path = "/oauth_token.do"
                elif server.name == "axa":
                    bodies = [body.replace(b"grant_type=urn", b"grant_type=client_credentials&x=urn")
                              for body in reused]
                    path = "/token"
                else:
                    bodies, path = reused, "/oauth_token.do"
                rates[server.name].append(exchanges_per_second(server, path, bodies, threads))
        median = {name: statistics.median(values) for name, values in rates.items()}
        print(f"  {scheme:5} {threads:2d} thread(s): " + ", ".join(f"{n} {v:6.0f}/s" for n, v in median.items()))
        for name, value in median.items():
            if name != "mock":
                goal = " (target >= 1.5)" if name == "axa" else ""
                rows.append((f"{scheme:5} {threads:2d} threads: mock over {name}{goal}", median["mock"] / value,
                             None, None))
    return rows


if __name__ == "__main__":
    main()
