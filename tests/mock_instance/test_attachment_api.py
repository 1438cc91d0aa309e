"""The Attachment API (docs/platform.md §3)."""

from __future__ import annotations

import hashlib
import io
import json

import pytest
from werkzeug.test import Client

from conftest import basic
from mock_instance import MockInstance

PREFIXES = ["/api/now/attachment", "/api/now/v1/attachment"]


@pytest.fixture
def incident(instance: MockInstance) -> dict[str, str]:
    return instance.insert("incident", {"short_description": "printer on fire"})


@pytest.fixture
def plain(instance: MockInstance) -> dict[str, str]:
    instance.insert("sys_user", {"user_name": "abel", "user_password": "pw"})
    return basic("abel", "pw")


@pytest.mark.parametrize("prefix", PREFIXES)
def test_file_upload_metadata_download_delete(client: Client, admin: dict[str, str], incident: dict[str, str],
                                              prefix: str) -> None:
    content = b"\x89PNG fake image bytes"
    upload = client.post(f"{prefix}/file?table_name=incident&table_sys_id={incident['sys_id']}&file_name=a.png",
                         data=content, headers={**admin, "Content-Type": "image/png"})
    assert upload.status_code == 201
    meta = upload.get_json()["result"]
    assert {k: meta[k] for k in ("file_name", "table_name", "table_sys_id", "content_type", "size_bytes", "hash")} == {
        "file_name": "a.png", "table_name": "incident", "table_sys_id": incident["sys_id"],
        "content_type": "image/png", "size_bytes": str(len(content)), "hash": hashlib.sha256(content).hexdigest()}
    assert meta["download_link"] == f"http://localhost/api/now/attachment/{meta['sys_id']}/file"
    # docs/platform.md §12.7: the file URL, keeping the request's version segment
    assert upload.headers["Location"] == f"http://localhost{prefix}/{meta['sys_id']}/file"
    assert all(isinstance(v, str) for v in meta.values())

    assert client.get(f"{prefix}/{meta['sys_id']}", headers=admin).get_json()["result"] == meta
    download = client.get(f"{prefix}/{meta['sys_id']}/file", headers=admin)
    assert (download.status_code, download.data, download.content_type) == (200, content, "image/png")
    assert json.loads(download.headers["X-Attachment-Metadata"]) == meta

    assert client.delete(f"{prefix}/{meta['sys_id']}", headers=admin).status_code == 204
    assert client.get(f"{prefix}/{meta['sys_id']}", headers=admin).status_code == 404


def test_multipart_upload(client: Client, admin: dict[str, str], incident: dict[str, str]) -> None:
    response = client.post("/api/now/attachment/upload", headers=admin, data={
        "table_name": "incident", "table_sys_id": incident["sys_id"],
        "file": (io.BytesIO(b"hello"), "notes.txt", "text/plain"),
    })
    assert response.status_code == 201
    meta = response.get_json()["result"]
    assert (meta["file_name"], meta["content_type"], meta["size_bytes"]) == ("notes.txt", "text/plain", "5")


def test_list_with_query_and_total(client: Client, admin: dict[str, str], instance: MockInstance,
                                   incident: dict[str, str]) -> None:
    for name in ("a.txt", "b.txt", "c.log"):
        instance.attach("incident", incident["sys_id"], name, b"x")
    response = client.get("/api/now/attachment?sysparm_query=file_nameENDSWITH.txt^ORDERBYDESCfile_name",
                          headers=admin)
    assert [m["file_name"] for m in response.get_json()["result"]] == ["b.txt", "a.txt"]
    assert response.headers["X-Total-Count"] == "2"


@pytest.mark.parametrize("missing", ["table_name", "table_sys_id", "file_name"])
def test_missing_parameter(client: Client, admin: dict[str, str], incident: dict[str, str], instance: MockInstance,
                           missing: str) -> None:
    params = {"table_name": "incident", "table_sys_id": incident["sys_id"], "file_name": "a"}
    del params[missing]
    query = "&".join(f"{k}={v}" for k, v in params.items())
    response = client.post(f"/api/now/attachment/file?{query}", data=b"x", headers=admin)
    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == f"Missing parameter: {missing}"
    assert instance.query("sys_attachment") == []


def test_unknown_record(client: Client, admin: dict[str, str]) -> None:
    response = client.post("/api/now/attachment/file?table_name=incident&table_sys_id=nope&file_name=a",
                           data=b"x", headers=admin)
    assert response.status_code == 404


def test_plain_user_attaches_to_incident_but_cannot_read_the_table(client: Client, plain: dict[str, str],
                                                                   incident: dict[str, str]) -> None:
    upload = client.post(f"/api/now/attachment/file?table_name=incident&table_sys_id={incident['sys_id']}"
                         "&file_name=a.txt", data=b"x", headers=plain)
    assert upload.status_code == 201
    assert client.get("/api/now/attachment", headers=plain).headers["X-Total-Count"] == "1"
    assert client.get("/api/now/table/sys_attachment", headers=plain).status_code == 403


def test_plain_user_cannot_see_security_attachments(client: Client, plain: dict[str, str], instance: MockInstance,
                                                   rsa_keystore: object) -> None:
    cert = instance.insert("sys_certificate", {"name": "ks", "type": "pkcs12_key_store"})
    attachment = instance.attach("sys_certificate", cert["sys_id"], "ks.p12", b"secret bytes")
    assert client.get("/api/now/attachment", headers=plain).get_json()["result"] == []
    assert client.get(f"/api/now/attachment/{attachment['sys_id']}/file", headers=plain).status_code == 404
    upload = client.post(f"/api/now/attachment/file?table_name=sys_certificate&table_sys_id={cert['sys_id']}"
                         "&file_name=x", data=b"x", headers=plain)
    assert upload.status_code == 403


def test_upload_limit_is_a_setting(incident: dict[str, str], admin: dict[str, str]) -> None:
    instance = MockInstance(upload_size_limit=10)
    record = instance.insert("incident", {})
    client = Client(instance)
    ok = client.post(f"/api/now/attachment/file?table_name=incident&table_sys_id={record['sys_id']}&file_name=a",
                     data=b"x" * 10, headers=admin)
    big = client.post(f"/api/now/attachment/file?table_name=incident&table_sys_id={record['sys_id']}&file_name=a",
                      data=b"x" * 11, headers=admin)
    assert (ok.status_code, big.status_code) == (201, 400)
    assert len(instance.query("sys_attachment")) == 1


def test_attachments_bigger_than_the_rest_limit(client: Client, admin: dict[str, str], incident: dict[str, str]) -> None:
    content = b"x" * (11 * 1024 * 1024)
    response = client.post(f"/api/now/attachment/file?table_name=incident&table_sys_id={incident['sys_id']}"
                           "&file_name=big.bin", data=content, headers=admin)
    assert response.status_code == 201
    assert response.get_json()["result"]["size_bytes"] == str(len(content))


def test_multipart_errors(client: Client, admin: dict[str, str], incident: dict[str, str]) -> None:
    no_file = client.post("/api/now/attachment/upload", headers=admin,
                          data={"table_name": "incident", "table_sys_id": incident["sys_id"]},
                          content_type="multipart/form-data")
    assert no_file.get_json()["error"]["message"] == "Missing parameter: file"
    not_multipart = client.post("/api/now/attachment/upload", headers=admin, data=b"x",
                                content_type="application/json")
    assert not_multipart.status_code == 400
    broken = client.post("/api/now/attachment/upload", headers=admin, data=b"--x\r\nbroken",
                         content_type="multipart/form-data; boundary=x")
    assert broken.status_code == 400
