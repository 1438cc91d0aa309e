"""Table API cost (issue 2), as ratios measured in one run.

(a) GET one record by sys_id through the mock's WSGI app, against a bare
    Werkzeug app that returns a constant JSON body on the same path (target <= 2x).
(b) List queries over 1,000 and over 100,000 records (issue 17): an equality
    query with 10 matches at either size (target <= 2x: an index, not a scan);
    for information, ``state=3`` (a seventh of the records match, and the total
    counts them) and an ORDERBY first page (the index walked, not the table sorted).

Run: python benchmarks/bench_table_api.py
"""

from __future__ import annotations

import base64
import io
import json
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import compare, quick_flag, report  # noqa: E402
from werkzeug.wrappers import Request, Response  # noqa: E402

from mock_instance import MockInstance  # noqa: E402

AUTH = "Basic " + base64.b64encode(b"admin:admin").decode()


def call(app: Callable, path: str, query: str = "") -> Callable[[], bytes]:
    """A WSGI GET as a server would make it, body consumed."""
    base = {"REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": query,
            "SERVER_NAME": "localhost", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "localhost", "HTTP_AUTHORIZATION": AUTH, "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr, "wsgi.multithread": False, "wsgi.multiprocess": False,
            "wsgi.run_once": False, "wsgi.version": (1, 0)}

    def start_response(status: str, headers: list, exc_info: object = None) -> None:
        assert status.startswith("200"), status

    def run() -> bytes:
        environ = dict(base)
        environ["wsgi.input"] = io.BytesIO()
        return b"".join(app(environ, start_response))

    return run


def bare_app(body: bytes) -> Callable:
    @Request.application
    def app(request: Request) -> Response:
        return Response(body, content_type="application/json;charset=UTF-8")
    return app


def main() -> None:
    quick = quick_flag(__doc__)
    instance = MockInstance()
    record = instance.insert("incident", {"short_description": "benchmark", "caller_id": ""})
    path = f"/api/now/table/incident/{record['sys_id']}"
    mock_get = call(instance, path)
    constant = bare_app(json.dumps({"result": record}).encode())
    times = compare({"mock": mock_get, "bare": call(constant, path)}, number=20 if quick else 2000,
                    rounds=2 if quick else 7)
    rows = [("(a) GET by sys_id vs bare Werkzeug constant JSON", times["mock"] / times["bare"], 2.0, times["mock"])]

    small, large = (100, 1000) if quick else (1000, 100_000)
    queries = {
        "equality, 10 matches at either size": "sysparm_query=short_description%3Dbatch%203&sysparm_limit=10",
        "state=3 (1 record in 7 matches), first page": "sysparm_query=state%3D3&sysparm_limit=10",
        "ORDERBYDESCnumber, first page": "sysparm_query=ORDERBYDESCnumber&sysparm_limit=10",
    }
    instances = {}
    for size in (small, large):
        big = instances[size] = MockInstance()
        for n in range(size):
            big.insert("incident", {"short_description": f"batch {n % (size // 10)}", "state": str(n % 7)})
    for label, query in queries.items():
        calls = {size: call(instances[size], "/api/now/table/incident", query) for size in (small, large)}
        times = compare({"small": calls[small], "large": calls[large]}, number=2 if quick else 20,
                        rounds=2 if quick else 5)
        target = 2.0 if label.startswith("equality") else None
        rows.append((f"(b) {label}: {large} records vs {small}", times["large"] / times["small"], target,
                     times["large"]))
    report("Table API (issue 2)", rows)


if __name__ == "__main__":
    main()
