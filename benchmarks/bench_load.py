"""Load and growth (issue 6), measured in one run.

(a) Token exchanges per second over loopback with 1, 4 and 16 client threads:
    the mock's threaded server against a minimal Werkzeug server that only
    verifies the assertion with PyJWT (same threading, same client), and the ratio.
(b) Growth: 100,000 tokens issued while the instance clock runs past their
    expiry (the cleanup job runs on its interval): live credentials and
    remembered jtis stay bounded, memory (tracemalloc) at 100,000 tokens against
    at 1,000, and a Bearer token check at 100,000 tokens against at 100.

Run: python benchmarks/bench_load.py
"""

from __future__ import annotations

import gc
import logging
import statistics
import sys
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import jwt  # noqa: E402
import requests  # noqa: E402
from chain import provision  # noqa: E402
from harness import quick_flag, report  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402
from werkzeug.wrappers import Request, Response  # noqa: E402

from mock_instance import MockInstance  # noqa: E402
from mock_instance.client import make_keystore  # noqa: E402
from mock_instance.oauth.request import TokenRequest  # noqa: E402


def bare_server(public_key: Any, client_id: str) -> Any:
    """A threaded Werkzeug server that only verifies the assertion with PyJWT."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    @Request.application
    def app(request: Request) -> Response:
        jwt.decode(request.form["assertion"], public_key, algorithms=["RS256"], audience=client_id)
        return Response('{"access_token":"x","scope":"useraccount","token_type":"Bearer","expires_in":1799}',
                        content_type="application/json;charset=UTF-8")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def exchanges_per_second(url: str, bodies: list[bytes], threads: int) -> float:
    """Send every body from ``threads`` client threads (one keep-alive session each); exchanges/s."""
    chunks = [bodies[i::threads] for i in range(threads)]
    errors: list[str] = []
    start_line = threading.Barrier(threads + 1)

    def work(chunk: list[bytes]) -> None:
        with requests.Session() as session:
            session.trust_env = False
            start_line.wait()
            for body in chunk:
                response = session.post(url, data=body,
                                        headers={"Content-Type": "application/x-www-form-urlencoded"})
                if response.status_code != 200:
                    errors.append(response.text)

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


def throughput(quick: bool) -> list[tuple[str, float, float | None, float | None]]:
    instance = MockInstance(cleanup_interval=10**9)
    chain = provision(instance, make_keystore())
    public_key = chain.public_key()
    per_run = 40 if quick else 600
    rounds = 1 if quick else 3
    rows = []
    with instance.serve() as server:
        bare = bare_server(public_key, chain.client_id)
        bare_url = f"http://127.0.0.1:{bare.server_port}/oauth_token.do"
        try:
            for threads in (1, 4, 16):
                mock_rates, bare_rates = [], []
                for _ in range(rounds):
                    # JTI verification is on: fresh assertions for every exchange, signed before timing.
                    mock_rates.append(exchanges_per_second(
                        server.token_url, [urlencode(chain.form()).encode() for _ in range(per_run)], threads))
                    bare_rates.append(exchanges_per_second(
                        bare_url, [urlencode(chain.form()).encode() for _ in range(per_run)], threads))
                mock_rate, bare_rate = statistics.median(mock_rates), statistics.median(bare_rates)
                print(f"  {threads:2d} client thread(s): mock {mock_rate:7.0f}/s, bare verifier {bare_rate:7.0f}/s")
                rows.append((f"(a) {threads:2d} threads: bare exchanges/s over the mock's", bare_rate / mock_rate,
                             None, None))
        finally:
            bare.shutdown()
    return rows


def growth(quick: bool) -> list[tuple[str, float, float | None, float | None]]:
    total = 5000 if quick else 100_000
    instance = MockInstance(cleanup_interval=60)
    chain = provision(instance, None, algorithm="HS256")  # cheap to sign: the state is what's measured
    instance.clock.freeze(1_800_000_000)
    service = instance.tokens

    def issue(n: int) -> str:
        """Issue ``n`` tokens; keep only the last (holding them all would be the benchmark's own growth)."""
        token = ""
        for _ in range(n):
            form = chain.form()
            token = service.exchange(TokenRequest("application/x-www-form-urlencoded", form))["access_token"]
            instance.clock.advance(1)  # one token per instance second: most expire long before the end
        return token

    def check_cost(token: str) -> float:
        samples = []
        for _ in range(5):
            began = time.perf_counter()
            for _ in range(2000):
                service.user_for_access_token(token)
            samples.append((time.perf_counter() - began) / 2000)
        return statistics.median(samples)

    steady = max(total // 20, 2500)  # past a token's lifespan (1800 s): as many expire as are issued
    early = issue(100)
    cost_small = check_cost(early)
    tracemalloc.start()  # after the check timing: tracing slows every allocation
    issue(steady - 100)
    gc.collect()
    memory_small = tracemalloc.get_traced_memory()[0]
    late = issue(total - steady)
    gc.collect()
    memory_large = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    cost_large = check_cost(late)
    live = instance.store.count("oauth_credential")
    print(f"  after {total} tokens: {live} credential rows and {service.remembered_jtis} jtis remembered "
          "(a token lives 1800 s, a jti exp + skew = 600 s; one token per instance second; cleanup every 60 s)")
    print(f"  traced memory: {memory_small / 1e6:.1f} MB at {steady} tokens, {memory_large / 1e6:.1f} MB at {total}")
    return [
        (f"(b) memory at {total} tokens vs at {steady}", memory_large / memory_small, None, None),
        (f"(b) Bearer token check at {total} tokens vs at 100", cost_large / cost_small, None, cost_large),
    ]


def main() -> None:
    quick = quick_flag(__doc__)
    print("\nLoad and growth (issue 6)")
    rows = throughput(quick) + growth(quick)
    report("Ratios (measured in this run)", rows)


if __name__ == "__main__":
    main()
