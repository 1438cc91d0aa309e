"""A create the instance carried out but whose answer never arrived (a timeout, Ctrl-C, SIGTERM) still gets deleted:
the provisioner finds the record by its run-prefixed name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from mock_instance import MockInstance
from mock_instance.client import Ledger, Provisioner, TableClient, Variant, make_keystore
from tests.helpers import table_counts

URL = "https://snjwt.test"
PREFIX = "snjwt-0a1b2c-"


class LostAnswers(requests.Session):
    """Sends every request; then, for a POST to ``table``, raises ``error`` instead of returning the answer."""

    def __init__(self, table: str, error: BaseException) -> None:
        super().__init__()
        self.auth = ("admin", "admin")
        self.table, self.error = table, error

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        response = super().request(method, url, *args, **kwargs)
        if method == "POST" and str(url).endswith(f"/api/now/table/{self.table}"):
            raise self.error
        return response


@pytest.mark.parametrize("table", ["sys_certificate", "jwt_verifier_map", "sys_user"])
@pytest.mark.parametrize("error", [requests.ReadTimeout("read timed out"), KeyboardInterrupt()])
def test_a_record_made_without_an_answer_is_deleted(tmp_path: Path, table: str, error: BaseException) -> None:
    instance = MockInstance()
    before = table_counts(instance)
    keystore = make_keystore()
    with instance.intercept(URL):
        ledger = Ledger.open(URL, PREFIX.rstrip("-"), tmp_path)
        provisioner = Provisioner(TableClient(LostAnswers(table, error), URL), PREFIX, lambda _: keystore,
                                  log=ledger)
        with pytest.raises(type(error)):
            provisioner.provision(Variant())
        assert instance.store.count(table) == before[table]  # found and deleted with the rest
    assert {t: n for t, n in table_counts(instance).items() if t != "syslog"} == \
        {t: n for t, n in before.items() if t != "syslog"}
    assert provisioner.created == [] and ledger.entries() == []


def test_only_a_row_with_exactly_the_name_is_taken(tmp_path: Path) -> None:
    instance = MockInstance()
    other = instance.insert("sys_user", {"user_name": f"{PREFIX}1-user-of-someone-else"})
    with instance.intercept(URL):
        provisioner = Provisioner(TableClient(LostAnswers("sys_user", requests.ReadTimeout()), URL), PREFIX,
                                  lambda _: make_keystore())
        with pytest.raises(requests.ReadTimeout):
            provisioner.provision(Variant())
    assert instance.get("sys_user", other["sys_id"]) is not None
