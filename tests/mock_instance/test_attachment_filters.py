"""The Attachment API list filters by ``sys_attachment`` fields, as the Table API list does (docs/platform.md §2, §3).

A client that lists one record's files (``?table_sys_id=<record>``) and deletes what comes back
must delete that record's files only: never another record's, never a keystore.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from werkzeug.test import Client

from conftest import basic
from mock_instance import MockInstance
from mock_instance.client import Keystore

PREFIXES = ["/api/now/attachment", "/api/now/v1/attachment"]
KEYSTORE = "keystore"


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Mapping[str, str]
    body: Any


Call = Callable[[str, str, dict[str, str]], Reply]


@dataclass
class Files:
    """Two incidents with two files each, and a keystore attached to a sys_certificate (admin-only)."""

    one: str
    two: str
    certificate: str
    ids: dict[str, str] = field(default_factory=dict)  # label ("one/a.txt") -> attachment sys_id

    def labels(self, sys_ids: list[str]) -> list[str]:
        by_id = {v: k for k, v in self.ids.items()}
        return [by_id[s] for s in sys_ids]

    def params(self, template: str) -> str:
        return template.format(one=self.one, two=self.two, certificate=self.certificate)


@pytest.fixture
def files(instance: MockInstance, rsa_keystore: Keystore) -> Files:
    cert = instance.insert("sys_certificate", {"name": "ks", "type": "pkcs12_key_store",
                                               "key_store_password": rsa_keystore.store_password.reveal()})
    one = instance.insert("incident", {"short_description": "one"})["sys_id"]
    two = instance.insert("incident", {"short_description": "two"})["sys_id"]
    made = Files(one, two, cert["sys_id"])
    # The keystore goes first: a list that ignored the filter would hand it out first.
    made.ids[KEYSTORE] = instance.attach("sys_certificate", cert["sys_id"], "snclient.keystore",
                                         rsa_keystore.pkcs12)["sys_id"]
    for record, label in ((one, "one/a.txt"), (one, "one/notes.log"), (two, "two/b.txt"), (two, "two/notes.log")):
        made.ids[label] = instance.attach("incident", record, label.split("/")[1], label.encode())["sys_id"]
    return made


@pytest.fixture
def plain(instance: MockInstance) -> dict[str, str]:
    instance.insert("sys_user", {"user_name": "abel", "user_password": "pw"})
    return basic("abel", "pw")


@pytest.fixture(params=["in-process", "socket"])
def http(request: pytest.FixtureRequest, instance: MockInstance) -> Iterator[Call]:
    """One request to the instance: through werkzeug's test client, or over MockInstance.serve()."""
    if request.param == "in-process":
        client = Client(instance)

        def in_process(method: str, path: str, headers: dict[str, str]) -> Reply:
            r = client.open(path, method=method, headers=headers)
            return Reply(r.status_code, r.headers, r.get_json(silent=True))

        yield in_process
        return
    with instance.serve() as server, requests.Session() as session:
        def over_socket(method: str, path: str, headers: dict[str, str]) -> Reply:
            r = session.request(method, f"{server.url}{path}", headers=headers, timeout=30)
            return Reply(r.status_code, r.headers, r.json() if r.content else None)

        yield over_socket


# (parameters, the files listed, in order). {one}, {two}, {certificate} are the records' sys_ids.
CASES = [
    ("table_sys_id={one}", ["one/a.txt", "one/notes.log"]),
    ("table_name=incident&table_sys_id={two}", ["two/b.txt", "two/notes.log"]),
    ("file_name=notes.log", ["one/notes.log", "two/notes.log"]),
    ("file_name=notes.log&sysparm_query=table_sys_id={two}", ["two/notes.log"]),
    # ANDed with the whole query: with every ^NQ group, after ^OR, keeping its ORDERBY.
    ("sysparm_query=table_sys_id={one}^NQtable_sys_id={two}&file_name=notes.log", ["one/notes.log", "two/notes.log"]),
    ("table_sys_id={one}&sysparm_query=file_nameENDSWITH.txt^ORfile_name=b.txt", ["one/a.txt"]),
    ("table_sys_id={one}&sysparm_query=ORDERBYDESCfile_name", ["one/notes.log", "one/a.txt"]),
    ("table_name=sys_certificate", [KEYSTORE]),
    ("table_sys_id={certificate}", [KEYSTORE]),
    # Unknown parameters are ignored; the filters still apply.
    ("table_sys_id={one}&no_such_field=x&sysparm_no_such=1", ["one/a.txt", "one/notes.log"]),
    ("no_such_field=x", [KEYSTORE, "one/a.txt", "one/notes.log", "two/b.txt", "two/notes.log"]),
    # A value is compared as it stands, never read as a query of its own.
    ("file_name=a.txt^NQfile_nameLIKE.", []),
    ("table_sys_id={one}&table_sys_id={two}", []),
]


def _list(http: Call, files: Files, prefix: str, params: str, headers: dict[str, str]) -> tuple[list[str], Reply]:
    reply = http("GET", f"{prefix}?{files.params(params)}", headers)
    assert reply.status == 200, reply.body
    return files.labels([m["sys_id"] for m in reply.body["result"]]), reply


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize(("params", "expected"), CASES)
def test_each_filter_lists_exactly_its_files(http: Call, files: Files, admin: dict[str, str], prefix: str,
                                             params: str, expected: list[str]) -> None:
    listed, reply = _list(http, files, prefix, params, admin)
    assert listed == expected
    assert reply.headers["X-Total-Count"] == str(len(expected))


@pytest.mark.parametrize("prefix", PREFIXES)
def test_limit_offset_and_total_follow_the_filtered_set(http: Call, files: Files, admin: dict[str, str],
                                                        prefix: str) -> None:
    pages = [_list(http, files, prefix, f"table_sys_id={{two}}&sysparm_limit=1&sysparm_offset={at}", admin)
             for at in (0, 1, 2)]
    assert [listed for listed, _ in pages] == [["two/b.txt"], ["two/notes.log"], []]
    assert {reply.headers["X-Total-Count"] for _, reply in pages} == {"2"}
    # docs/platform.md §3 gives the attachment list X-Total-Count only; Link is the Table API's (§2).
    assert all("Link" not in reply.headers for _, reply in pages)


@pytest.mark.parametrize(("params", "expected"), CASES)
def test_the_table_api_selects_the_same_records(client: Client, files: Files, admin: dict[str, str], params: str,
                                                expected: list[str]) -> None:
    """One filter for both list routes: /table/sys_attachment and /attachment cannot drift apart."""
    table = client.get(f"/api/now/table/sys_attachment?sysparm_fields=sys_id&{files.params(params)}", headers=admin)
    assert files.labels([r["sys_id"] for r in table.get_json()["result"]]) == expected


def test_the_acl_still_applies_per_attachment(http: Call, files: Files, plain: dict[str, str]) -> None:
    for params in ("table_name=sys_certificate", "table_sys_id={certificate}", "file_name=snclient.keystore",
                   "no_such_field=x"):
        listed, reply = _list(http, files, PREFIXES[0], params, plain)
        assert KEYSTORE not in listed
        assert reply.headers["X-Total-Count"] == str(len(listed))
    assert _list(http, files, PREFIXES[0], "table_sys_id={one}", plain)[0] == ["one/a.txt", "one/notes.log"]


@pytest.mark.parametrize("user", ["plain", "admin"])
@pytest.mark.parametrize("params", ["table_sys_id={one}", "table_name=incident&table_sys_id={one}"])
@pytest.mark.parametrize("prefix", PREFIXES)
def test_deleting_one_records_list_spares_every_other_file(http: Call, files: Files, instance: MockInstance,
                                                            rsa_keystore: Keystore, plain: dict[str, str],
                                                            admin: dict[str, str], user: str, params: str,
                                                            prefix: str) -> None:
    """What the public clients do: list a record's files, delete each one that comes back."""
    auth = plain if user == "plain" else admin
    listed, reply = _list(http, files, prefix, params, auth)
    assert listed == ["one/a.txt", "one/notes.log"]
    for meta in reply.body["result"]:
        assert http("DELETE", f"{prefix}/{meta['sys_id']}", auth).status == 204

    remaining = [r["sys_id"] for r in instance.query("sys_attachment")]
    assert files.labels(remaining) == [KEYSTORE, "two/b.txt", "two/notes.log"]
    assert instance.store.file(files.ids[KEYSTORE]) == rsa_keystore.pkcs12
    assert [instance.store.file(files.ids[label]) for label in ("two/b.txt", "two/notes.log")] == [
        b"two/b.txt", b"two/notes.log"]
    assert _list(http, files, prefix, params, auth)[0] == []
