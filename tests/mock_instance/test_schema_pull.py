"""Your instance's schema: pulled from a running instance, loaded into a fresh mock, answering alike (#12).

The source is ``snjwt-mock serve --tls --schema`` with custom tables; the pull goes through its
Table API exactly as it would against a real instance.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests
from werkzeug.test import Client

from conftest import basic
from mock_instance import MockInstance, SchemaError
from tests.helpers import serving

CUSTOM = Path(__file__).parent / "data" / "custom_schema.json"
METADATA = {
    "sys_db_object": ("name", "sys_id,name,label,is_extendable,super_class.name"),
    "sys_dictionary": ("name", "sys_id,name,element,column_label,internal_type,reference,max_length,default_value,"
                               "display,mandatory"),
    "sys_choice": ("name", "sys_id,name,element,value,label,sequence,language,inactive,dependent_value,hint"),
}


def pull(url: str, *args: str, ca: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SNJWT_")}
    environment.update(env if env is not None else {"SNJWT_INSTANCE": url, "SNJWT_ADMIN_USER": "admin",
                                                    "SNJWT_ADMIN_PASSWORD": "admin"})
    command = [sys.executable, "-m", "mock_instance", "schema", "pull", *args] + (["--ca-file", ca] if ca else [])
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=environment)


def answers(get: Any, table: str) -> dict[str, list[dict[str, str]]]:
    out = {}
    for meta, (key, fields) in METADATA.items():
        rows = get(f"/api/now/table/{meta}?sysparm_query={key}={table}^ORDERBYsys_id&sysparm_fields={fields}"
                   "&sysparm_exclude_reference_link=true")
        out[meta] = rows
    return out


def test_pulled_schema_answers_metadata_like_its_source(tmp_path: Path) -> None:
    with serving("--tls", "--schema", str(CUSTOM)) as (url, lines):
        ca = re.search(r"TLS certificate (\S+)", "\n".join(lines)).group(1)  # type: ignore[union-attr]
        target = tmp_path / "pulled.json"
        result = pull(url, "--table", "u_laptop", "--table", "incident", "-o", str(target), ca=ca)
        assert result.returncode == 0, result.stderr
        # Columns: u_asset 7, u_laptop 2, incident 17 + 2; choices: 3, 1, and incident's 6 + 6 + 5 + 2.
        assert result.stdout.strip() == (f"snjwt-mock: pulled 3 table(s) (u_asset, u_laptop, incident), 28 column(s), "
                                         f"23 choice(s) from {url} into {target}")
        pulled = json.loads(target.read_text())
        assert [(t["name"], t["extends"]) for t in pulled["tables"]] == [
            ("u_asset", ""), ("u_laptop", "u_asset"), ("incident", "task")]

        def source(path: str) -> Any:
            response = requests.get(url + path, auth=("admin", "admin"), verify=ca, timeout=30)
            assert response.status_code == 200, response.text
            return response.json()["result"]

        expected = {table: answers(source, table) for table in ("u_asset", "u_laptop", "incident")}
    fresh = MockInstance(schema=target)
    client = Client(fresh)

    def mine(path: str) -> Any:
        response = client.get(path, headers=basic())
        assert response.status_code == 200, response.data
        return response.get_json()["result"]

    for table, metadata in expected.items():
        assert answers(mine, table) == metadata, table
    assert len(expected["u_asset"]["sys_dictionary"]) == 14  # seven columns of its own, seven system ones
    assert len(expected["incident"]["sys_dictionary"]) == 19 and len(expected["incident"]["sys_choice"]) == 19
    assert {"Brand New", "Network"} <= {c["label"] for c in expected["incident"]["sys_choice"]}
    assert [o["super_class.name"] for o in expected["u_laptop"]["sys_db_object"]] == ["u_asset"]
    assert fresh.warnings == []


def test_a_loaded_schema_serves_its_tables_choices_and_defaults(client: Client) -> None:
    instance = MockInstance(schema=CUSTOM)
    client = Client(instance)
    created = client.post("/api/now/table/u_laptop", json={"u_name": "ThinkPad", "u_status": "2", "u_cpu": "x86",
                                                           "u_secret": "s3cret"}, headers=basic())
    assert created.status_code == 201
    laptop = created.get_json()["result"]
    assert (laptop["u_owner"]["value"], laptop["u_status"], laptop["u_secret"]) == (
        "6816f79cc0a8016401c5a33be04be441", "2", "")
    shown = client.get(f"/api/now/table/u_laptop/{laptop['sys_id']}?sysparm_display_value=true"
                       "&sysparm_fields=u_status,u_owner,sys_class_name,u_secret", headers=basic()).get_json()["result"]
    assert (shown["u_status"], shown["u_owner"]["display_value"], shown["sys_class_name"], shown["u_secret"]) == (
        "Spare", "System Administrator", "Laptop", "********")
    incident = instance.insert("incident", {"u_area": "db", "u_asset": laptop["sys_id"], "state": "1"})
    seen = client.get(f"/api/now/table/incident/{incident['sys_id']}?sysparm_display_value=true"
                      "&sysparm_fields=u_area,u_asset,state", headers=basic()).get_json()["result"]
    assert (seen["u_area"], seen["u_asset"]["display_value"], seen["state"]) == ("Database", "ThinkPad", "Brand New")
    assert [a["u_name"] for a in instance.query("u_asset")] == ["ThinkPad"]  # a parent query sees its children
    instance.reset()
    assert instance.query("sys_db_object", "name=u_laptop")[0]["label"] == "Laptop"


@pytest.mark.parametrize(("document", "message"), [
    ("not json", "Expecting value"),
    ('{"tables": [{"name": "u_x", "extends": "u_nowhere"}]}', "parent 'u_nowhere' does not exist"),
    ('{"tables": [{"name": "u_x", "fields": [{"name": "u_a", "type": "integer"}, {"name": "u_a"}]}]}', "defined twice"),
])
def test_a_schema_that_cannot_load_is_refused_clearly(tmp_path: Path, document: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(document)
    with pytest.raises(SchemaError, match=re.escape(f"schema {path}")) as raised:
        MockInstance(schema=path)
    assert message in str(raised.value)
    with pytest.raises(SchemaError, match="No such file"):
        MockInstance(schema=tmp_path / "missing.json")


def test_pull_says_what_is_missing_or_wrong(tmp_path: Path) -> None:
    missing = pull("", "--table", "incident", env={})
    assert missing.returncode != 0
    assert "missing SNJWT_INSTANCE (or --instance), SNJWT_ADMIN_USER, SNJWT_ADMIN_PASSWORD" in missing.stderr
    with serving() as (url, _):
        unknown = pull(url, "--table", "u_nope", "-o", str(tmp_path / "x.json"))
        assert unknown.returncode != 0 and "the instance has no table 'u_nope'" in unknown.stderr
        refused = pull(url, "--table", "incident", "-o", str(tmp_path / "x.json"),
                       env={"SNJWT_INSTANCE": url, "SNJWT_ADMIN_USER": "admin", "SNJWT_ADMIN_PASSWORD": "wrong"})
        assert refused.returncode != 0 and "HTTP 401" in refused.stderr
    assert not (tmp_path / "x.json").exists()


def test_serve_refuses_a_bad_schema_file(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "mock_instance", "serve", "--port", "0", "--schema",
                             str(tmp_path / "missing.json")], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "snjwt-mock: schema" in result.stderr and "missing.json" in result.stderr
