"""ServiceNow's own client, PySNC, doing CRUD with GlideRecord on the mock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mock_instance import MockInstance

pysnc = pytest.importorskip("pysnc", reason="PySNC is in the test extra")


def crud(client: pysnc.ServiceNowClient) -> None:
    gr = client.GlideRecord("incident")
    gr.initialize()
    gr.short_description = "created by PySNC"
    gr.urgency = 2
    sys_id = gr.insert()
    assert sys_id

    found = client.GlideRecord("incident")
    found.add_query("short_description", "created by PySNC")
    found.query()
    assert len(found) == 1
    assert found.next()
    assert (found.get_value("urgency"), found.get_value("number")) == ("2", "INC0010001")

    found.short_description = "updated by PySNC"
    found.update()
    again = client.GlideRecord("incident")
    assert again.get(sys_id)
    assert again.get_value("short_description") == "updated by PySNC"
    again.delete()
    gone = client.GlideRecord("incident")
    assert not gone.get(sys_id)


@pytest.fixture
def tls_server(instance: MockInstance) -> Iterator[object]:
    with instance.serve(tls=True) as server:
        yield server


def test_pysnc_in_process(instance: MockInstance) -> None:
    with instance.intercept("https://dev12345.service-now.com"):
        crud(pysnc.ServiceNowClient("https://dev12345.service-now.com", ("admin", "admin")))


def test_pysnc_over_tls(tls_server: object, monkeypatch: pytest.MonkeyPatch) -> None:
    # PySNC merges environment settings with verify=None on every request, so
    # REQUESTS_CA_BUNDLE (set on many CI images) beats ServiceNowClient(verify=...).
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", tls_server.ca_file)  # type: ignore[attr-defined]
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    crud(pysnc.ServiceNowClient(tls_server.url, ("admin", "admin"), verify=tls_server.ca_file))  # type: ignore[attr-defined]


def test_pysnc_caller_reference_and_attachment(instance: MockInstance) -> None:
    with instance.intercept("https://dev12345.service-now.com"):
        client = pysnc.ServiceNowClient("https://dev12345.service-now.com", ("admin", "admin"))
        gr = client.GlideRecord("incident")
        gr.initialize()
        gr.caller_id = "6816f79cc0a8016401c5a33be04be441"
        sys_id = gr.insert()
        read = client.GlideRecord("incident")
        assert read.get(sys_id)
        assert read.get_display_value("caller_id") == "System Administrator"
        read.add_attachment("notes.txt", b"hello")
        attachments = read.get_attachments()
        assert [a.file_name for a in attachments] == ["notes.txt"]
