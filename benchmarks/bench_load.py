"""Growth (issue 6), measured in one run.

100,000 tokens issued while the instance clock runs past their expiry (the
cleanup job runs on its interval): live credentials and remembered jtis stay
bounded, memory (tracemalloc) at 100,000 tokens against at 1,000, and a Bearer
token check at 100,000 tokens against at 100. Throughput over a socket is
``bench_server.py``'s.

Run: python benchmarks/bench_load.py
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chain import provision  # noqa: E402
from harness import quick_flag, report  # noqa: E402

from mock_instance import MockInstance  # noqa: E402
from mock_instance.oauth.request import TokenRequest  # noqa: E402


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
    print("\nGrowth (issue 6)")
    rows = growth(quick)
    report("Ratios (measured in this run)", rows)


if __name__ == "__main__":
    main()
