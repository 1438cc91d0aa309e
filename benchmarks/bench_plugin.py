"""The plugin's cost (issue 4), measured in one run.

Per-test cost of ``snjwt_access_token``: a generated file of 300 tests run with
and without the fixture; (with - without) / 300 (target <= 3 ms per test).
Session start-up: one test with the fixture against one without, less one
test's cost (target <= 100 ms, issue 17): imports, the mock, provisioning, and the key
pair (generated once, then read from pytest's cache, as in a user's checkout).

Each pytest run is a fresh subprocess; the runs are interleaved in rounds and
the median is kept. Run: python benchmarks/bench_plugin.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import quick_flag, report  # noqa: E402


def write(folder: Path, name: str, count: int, fixture: bool) -> Path:
    """A test file of ``count`` empty tests, each taking the fixture or not."""
    arg = "snjwt_access_token" if fixture else ""
    body = "\n".join(f"def test_{n}({arg}):\n    pass\n" for n in range(count))
    path = folder / name
    path.write_text(body)
    return path


def run(path: Path) -> float:
    # Bytecode caching on, as users have it: some CI images set PYTHONDONTWRITEBYTECODE, and
    # then every run recompiles (and pytest re-rewrites) every module, which is not the plugin's cost.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pytest", "-q", str(path)],
                   cwd=path.parent, check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def main() -> None:
    quick = quick_flag(__doc__)
    tests, rounds = (20, 1) if quick else (300, 5)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = {
            "many_with": write(folder, "test_many_with.py", tests, True),
            "many_without": write(folder, "test_many_without.py", tests, False),
            "one_with": write(folder, "test_one_with.py", 1, True),
            "one_without": write(folder, "test_one_without.py", 1, False),
        }
        samples: dict[str, list[float]] = {name: [] for name in files}
        for path in files.values():
            run(path)  # warm-up: writes the bytecode caches and pytest's cache (the session key pair)
        for _ in range(rounds):
            for name, path in files.items():
                samples[name].append(run(path))
    t = {name: statistics.median(values) for name, values in samples.items()}
    per_test = (t["many_with"] - t["many_without"]) / tests
    startup = (t["one_with"] - t["one_without"]) - per_test
    print("\nPlugin (issue 4): medians over", rounds, "rounds of fresh pytest processes")
    for name, seconds in t.items():
        print(f"  {name:<14} {seconds * 1000:8.1f} ms")
    report("Plugin cost", [
        ("per-test cost of snjwt_access_token, ms (target 3)", per_test * 1000 / 3, 1.0, None),
        ("session start-up cost, ms (target 100)", startup * 1000 / 100, 1.0, None),
    ])
    print(f"  = {per_test * 1000:.2f} ms per test, {startup * 1000:.0f} ms start-up "
          "(rows above: measured / target)")


if __name__ == "__main__":
    main()
