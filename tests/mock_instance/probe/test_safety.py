"""The probe keeps live mode's safety rules: it changes only its own records, puts back what it changed, deletes
everything (also when interrupted or when a restore fails), and shows no secret (docs/platform.md §13)."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from mock_instance import MockInstance
from mock_instance.platform.profile import settings_document
from mock_instance.probe import UNDECIDED, ProbeError, Report, run_probes
from tests.helpers import table_counts
from tests.pytest_snjwt.standin import IgnoredFields, StandInServer
from tests.test_secrets import assert_clean

#: Request and reply fields that hold a secret (docs/platform.md §1, §4, §10).
SECRET_FIELDS = {"client_secret", "password", "assertion", "refresh_token", "access_token", "code", "token",
                 "user_password", "shared_key", "key_store_password", "signing_key_password"}
Refuse = Callable[[str, str, bytes], bool]


class Recorder(IgnoredFields):
    """The mock, with every request and reply kept for the test; ``refuse`` answers chosen requests with a 403."""

    def __init__(self, instance: MockInstance, refuse: Refuse | None = None) -> None:
        super().__init__(instance, ())
        self.refuse = refuse
        #: (method, path, query, Authorization, request body, reply body)
        self.exchanges: list[tuple[str, str, str, str, bytes, bytes]] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ = {**environ, "wsgi.input": io.BytesIO(body)}
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        if self.refuse is not None and self.refuse(method, path, body):
            start_response("403 Forbidden", [("Content-Type", "application/json")])
            return [b'{"error":{"message":"Operation Failed","detail":"refused by the test"},"status":"failure"}']
        captured: dict[str, Any] = {}

        def keep(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured.update(status=status, headers=headers)
            return lambda data: None

        reply = b"".join(self.instance(environ, keep))
        start_response(captured["status"], captured["headers"])
        self.exchanges.append((method, path, environ.get("QUERY_STRING", ""), environ.get("HTTP_AUTHORIZATION", ""),
                               body, reply))
        return [reply]

    def secrets(self) -> set[str]:
        """Every secret value that crossed the wire, either way."""
        found: set[str] = set()
        for _method, _path, query, authorization, body, reply in self.exchanges:
            values = [*parse_qsl(query), *parse_qsl(body.decode("latin-1"))]
            for document in (body, reply):
                try:
                    parsed = json.loads(document)
                except ValueError:
                    continue
                for record in [parsed, parsed.get("result")] if isinstance(parsed, dict) else []:
                    values += list(record.items()) if isinstance(record, dict) else []
            found |= {str(v) for k, v in values if k in SECRET_FIELDS and len(str(v)) >= 8}
            if authorization.startswith(("Basic ", "Bearer ")):
                credential = authorization.split(" ", 1)[1]
                if authorization.startswith("Basic "):
                    credential = base64.b64decode(credential).decode().partition(":")[2]
                found |= {credential} if len(credential) >= 8 else set()
        return found

    def changed(self) -> set[str]:
        """The sys_ids the probe updated or deleted through the Table API."""
        return {path.rstrip("/").rsplit("/", 1)[1] for method, path, *_ in self.exchanges
                if method in ("PATCH", "PUT", "DELETE") and path.startswith("/api/now/table/")}


@contextmanager
def recorded(instance: MockInstance, refuse: Refuse | None = None) -> Iterator[tuple[str, Recorder]]:
    recorder = Recorder(instance, refuse)
    with StandInServer(recorder) as server:
        yield server.url, recorder


def probe(url: str, state: Path, **options: Any) -> Report:
    return run_probes(url, "admin", "admin", mock=settings_document(MockInstance().settings), gap=0,
                      state_dir=str(state), **options)


def existing(instance: MockInstance) -> set[str]:
    return {record["sys_id"] for table in instance.store.tables() for record in instance.query(table)}


def without_syslog(counts: dict[str, int]) -> dict[str, int]:
    return {table: count for table, count in counts.items() if table != "syslog"}


def test_only_its_own_records_change_and_no_secret_is_shown(tmp_path: Path) -> None:
    instance = MockInstance()
    before, seeded = table_counts(instance), existing(instance)
    with recorded(instance) as (url, recorder):
        report = probe(url, tmp_path, instance_wide=True)
    assert without_syslog(table_counts(instance)) == without_syslog(before)  # a refusal's syslog row stays
    changed = recorder.changed()
    assert changed and not changed & seeded  # updated or deleted: only records this run made
    shown = report.render(width=200) + json.dumps(report.to_json())
    secrets = recorder.secrets()
    assert len(secrets) > 20  # tokens, client secrets, passwords, assertions, the shared key
    assert_clean(shown, *secrets)
    assert "***" in shown and not instance.errors


def test_an_interrupted_run_deletes_what_it_made(tmp_path: Path) -> None:
    instance = MockInstance()
    before = table_counts(instance)

    def interrupt_at(setting: str) -> None:
        if setting == "refresh_expires_previous_access_token":
            raise KeyboardInterrupt

    with recorded(instance) as (url, _), pytest.raises(ProbeError, match=r"^interrupted \(Ctrl-C or SIGTERM\); everything it made was deleted$") as raised:
        probe(url, tmp_path, progress=interrupt_at)
    assert raised.value.left == [] and not list(tmp_path.glob("*.jsonl"))
    assert without_syslog(table_counts(instance)) == without_syslog(before)


def test_a_failed_restore_stops_the_run_and_still_deletes_everything(tmp_path: Path) -> None:
    instance = MockInstance()
    before = table_counts(instance)

    def refuse_the_restore(method: str, path: str, body: bytes) -> bool:
        return method == "PATCH" and "/oauth_jwt/" in path and json.loads(body) == {"public_client": False}

    with recorded(instance, refuse_the_restore) as (url, _):
        report = probe(url, tmp_path)
    assert without_syslog(table_counts(instance)) == without_syslog(before)
    outcomes = [outcome.setting for outcome in report.outcomes]
    stopped_at = outcomes.index("public_client_lookup_by_aud")
    failed = report.outcomes[stopped_at]
    assert failed.status == UNDECIDED and failed.reason.startswith("putting back public_client on oauth_jwt ")
    later = report.outcomes[stopped_at + 1:]
    assert later and all(o.status == UNDECIDED and o.reason == f"not run: {failed.reason}" for o in later)
    assert report.exit_status == 1


def test_a_chain_the_instance_refuses_is_exit_status_2(tmp_path: Path) -> None:
    instance = MockInstance()
    before = table_counts(instance)

    def refuse_users(method: str, path: str, body: bytes) -> bool:
        return method == "POST" and path == "/api/now/table/sys_user"

    with recorded(instance, refuse_users) as (url, _), pytest.raises(ProbeError) as raised:
        probe(url, tmp_path)
    assert str(raised.value).startswith("could not provision the probe's chains: creating a sys_user record failed "
                                        "with HTTP 403")
    assert str(raised.value).endswith("; everything it made was deleted")
    assert table_counts(instance) == before and raised.value.left == []
