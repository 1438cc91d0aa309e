"""Custom sys_ids (docs/platform.md §12.6), the upload Location (§12.7), the request-line limit (§12.8)."""

from __future__ import annotations

import io

import pytest
import requests
from werkzeug.test import Client

from conftest import basic
from mock_instance import MockInstance, RecordedReply
from tests.helpers import table_counts

PYSNC_GUID = "AAAABBBBCCCCDDDDEEEEFFFF00001111"


def test_a_client_sys_id_of_32_letters_or_digits_is_kept_as_sent(client: Client, instance: MockInstance) -> None:
    created = client.post("/api/now/table/incident", json={"sys_id": PYSNC_GUID, "short_description": "probe"},
                          headers=basic())
    assert (created.status_code, created.get_json()["result"]["sys_id"]) == (201, PYSNC_GUID)
    assert created.headers["Location"].endswith(f"/api/now/table/incident/{PYSNC_GUID}")
    assert client.get(f"/api/now/table/incident/{PYSNC_GUID}", headers=basic()).status_code == 200
    assert client.get(f"/api/now/table/incident/{PYSNC_GUID.lower()}", headers=basic()).status_code == 404  # exact
    assert [i["sys_id"] for i in instance.query("task", f"sys_id={PYSNC_GUID}")] == [PYSNC_GUID]
    changed = client.patch(f"/api/now/table/incident/{PYSNC_GUID}", json={"sys_id": "b" * 32, "state": "2"},
                           headers=basic())
    assert changed.get_json()["result"]["sys_id"] == PYSNC_GUID  # a sys_id in an update is ignored


@pytest.mark.parametrize(("sys_id", "strict"), [
    ("A" * 31, False), ("A" * 33, False), ("a-" * 16, False), ("é" * 32, False), (PYSNC_GUID, True), ("g" * 32, True)])
def test_a_bad_sys_id_is_refused_and_stores_nothing(client: Client, instance: MockInstance, sys_id: str,
                                                    strict: bool) -> None:
    instance.configure(strict_custom_sys_id=strict)
    before = table_counts(instance)
    refused = client.post("/api/now/table/incident", json={"sys_id": sys_id}, headers=basic())
    assert refused.status_code == 400
    assert refused.get_json()["error"]["message"] == "Operation Failed"
    assert table_counts(instance) == before


def test_a_sys_id_used_in_the_hierarchy_is_refused(client: Client, instance: MockInstance) -> None:
    instance.configure(strict_custom_sys_id=True)
    instance.insert("incident", {"sys_id": "c" * 32})
    before = table_counts(instance)
    refused = client.post("/api/now/table/problem", json={"sys_id": "c" * 32}, headers=basic())
    assert (refused.status_code, refused.get_json()["error"]["detail"]) == (
        400, f"a record with sys_id {'c' * 32} already exists")
    assert table_counts(instance) == before
    assert client.post("/api/now/table/sys_user", json={"sys_id": "c" * 32}, headers=basic()).status_code == 201


@pytest.mark.parametrize(("prefix", "keeps", "expected"), [
    ("/api/now/attachment", True, "/api/now/attachment"), ("/api/now/v1/attachment", True, "/api/now/v1/attachment"),
    ("/api/now/v1/attachment", False, "/api/now/attachment")])
def test_the_upload_location_is_the_file_url(client: Client, instance: MockInstance, prefix: str, keeps: bool,
                                             expected: str) -> None:
    instance.configure(attachment_location_keeps_version=keeps)
    incident = instance.insert("incident", {})
    raw = client.post(f"{prefix}/file?table_name=incident&table_sys_id={incident['sys_id']}&file_name=p.txt",
                      data=b"probe", headers={**basic(), "Content-Type": "text/plain"})
    multipart = client.post(f"{prefix}/upload", headers=basic(), data={
        "table_name": "incident", "table_sys_id": incident["sys_id"], "file": (io.BytesIO(b"x"), "q.txt")})
    for response in (raw, multipart):
        sys_id = response.get_json()["result"]["sys_id"]
        assert response.headers["Location"] == f"http://localhost{expected}/{sys_id}/file"
        # download_link stays unversioned [DOC]
        assert response.get_json()["result"]["download_link"] == f"http://localhost/api/now/attachment/{sys_id}/file"


def test_an_over_long_request_line_is_refused_before_anything_else(client: Client, instance: MockInstance) -> None:
    ok = client.get(f"/api/now/table/{'A' * 8000}/x", headers=basic())
    assert (ok.status_code, ok.get_json()["error"]["message"]) == (400, f"Invalid table {'A' * 8000}")
    before = table_counts(instance)
    for headers in (basic(), {}):
        refused = client.get(f"/api/now/table/{'A' * 23000}/x", headers=headers)
        assert (refused.status_code, refused.content_type) == (414, "text/html")
        assert refused.data == b"<html><body><h1>414 Request-URI Too Long</h1></body></html>"
    posted = client.post(f"/api/now/table/incident?sysparm_query={'a' * 17000}", json={}, headers=basic())
    assert posted.status_code == 414
    assert table_counts(instance) == before


def test_the_limit_and_the_refusal_are_settings(client: Client, instance: MockInstance) -> None:
    instance.configure(request_line_limit=100, request_line_refusal=RecordedReply(400, "text/html;charset=UTF-8",
                                                                                   b"<html>Bad Request</html>"))
    short = client.get("/api/now/table/incident", headers=basic())
    long = client.get(f"/api/now/table/incident?sysparm_query={'x' * 100}", headers=basic())
    assert short.status_code == 200
    assert (long.status_code, long.content_type, long.data) == (400, "text/html;charset=UTF-8",
                                                                b"<html>Bad Request</html>")
    with pytest.raises(TypeError, match="RecordedReply"):
        instance.configure(request_line_refusal="414")


def test_the_limit_holds_over_a_real_socket(instance: MockInstance) -> None:
    with instance.serve() as server:
        assert requests.get(f"{server.url}/api/now/table/{'A' * 8000}/x", auth=("admin", "admin")).status_code == 400
        refused = requests.get(f"{server.url}/api/now/table/{'A' * 23000}/x", auth=("admin", "admin"))
        assert refused.status_code == 414 and refused.text.startswith("<html>")
