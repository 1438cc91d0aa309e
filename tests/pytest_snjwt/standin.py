"""A stand-in for a real instance where the mock's column names are guesses.

Some reference columns the mock uses are not documented ([CHOSEN] in docs/platform.md §1, such as
``jwt_claim_validation.jwt_provider``). If a real instance calls the column something else, a
query naming it is ignored and returns every row (docs/platform.md §2), and a client that deletes
what its query returned deletes every row of the table. :class:`IgnoredFields` wraps a
:class:`~mock_instance.MockInstance` so that it answers such queries as that instance would.

>>> instance = MockInstance()
>>> app = IgnoredFields(instance, {("jwt_claim_validation", "jwt_provider")})
>>> with StandInServer(app) as server:  # doctest: +SKIP
...     requests.get(server.url + "/api/now/table/jwt_claim_validation?sysparm_query=jwt_provider=x")
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from mock_instance import InstanceServer, MockInstance
from mock_instance.tables.query import parse_condition, split_parts

#: The Table API's list route, all three spellings (docs/platform.md §2).
_TABLE_PATH = re.compile(r"/api/now/(?:v[12]/)?table/([^/]+)/?(?P<record>[^/]*)$")


class IgnoredFields:
    """WSGI middleware: the Table API as if ``fields`` ((table, field) pairs) did not exist.

    A list request loses every ``sysparm_query`` condition (and ``ORDERBY``) and every
    ``name=value`` filter on those fields, so it matches every row, as a real instance does for
    an unknown field. With ``hide=True`` the fields are also left out of the records returned, as
    a real instance would leave out a column it does not have.
    """

    def __init__(self, instance: MockInstance, fields: Iterable[tuple[str, str]], *, hide: bool = False) -> None:
        self.instance = instance
        self.fields = frozenset(fields)
        self.hide = hide
        #: Queries as they reached the mock (after dropping), for tests to inspect.
        self.seen: list[tuple[str, str]] = []

    @property
    def app(self) -> IgnoredFields:
        # InstanceServer serves ``instance.app``: the stand-in is its own app.
        return self

    def take_errors(self) -> list[BaseException]:
        return self.instance.app.take_errors()

    def add_base_url(self, url: str) -> None:
        self.instance.add_base_url(url)

    def remove_base_url(self, url: str) -> None:
        self.instance.remove_base_url(url)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        match = _TABLE_PATH.match(environ.get("PATH_INFO", ""))
        if match is None:
            return self.instance(environ, start_response)
        table = match.group(1)
        dropped = {f for t, f in self.fields if t == table}
        if not dropped:
            return self.instance(environ, start_response)
        if environ.get("REQUEST_METHOD") in ("GET", "HEAD") and not match.group("record"):
            params = []
            for key, value in parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True):
                if key == "sysparm_query":
                    value = drop_conditions(value, dropped)
                elif key in dropped:
                    continue  # a name=value filter on a field the instance does not have
                params.append((key, value))
            environ = {**environ, "QUERY_STRING": urlencode(params)}
            self.seen.append((table, dict(params).get("sysparm_query", "")))
        if not self.hide:
            return self.instance(environ, start_response)
        return self._hiding(environ, start_response, dropped)

    def _hiding(self, environ: dict[str, Any], start_response: Any, dropped: set[str]) -> Iterable[bytes]:
        captured: dict[str, Any] = {}

        def keep(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured.update(status=status, headers=headers)
            return lambda data: None

        body = b"".join(self.instance(environ, keep))
        headers = captured["headers"]
        if body and any(k.lower() == "content-type" and "json" in v for k, v in headers):
            payload = json.loads(body)
            result = payload.get("result") if isinstance(payload, dict) else None
            for record in result if isinstance(result, list) else [result] if isinstance(result, dict) else []:
                for name in dropped:
                    record.pop(name, None)
            body = json.dumps(payload).encode()
            headers = [(k, str(len(body)) if k.lower() == "content-length" else v) for k, v in headers]
        start_response(captured["status"], headers)
        return [body]


def drop_conditions(query: str, fields: set[str]) -> str:
    """``query`` without the conditions (and ``ORDERBY``) naming any of ``fields``, dot-walks included.

    A dropped condition that began a ``^NQ`` group hands the ``NQ`` to the next one kept.
    """
    kept: list[str] = []
    carry_nq = False
    for part in split_parts(query):
        prefix, body = _prefix(part)
        if _names(body, fields):
            carry_nq = carry_nq or prefix == "NQ"
            continue
        if carry_nq and prefix != "NQ":
            prefix, carry_nq = "NQ", False
        elif prefix == "NQ":
            carry_nq = False
        kept.append(prefix + body.replace("^", "^^"))
    return "^".join(kept)


def _prefix(part: str) -> tuple[str, str]:
    for prefix in ("NQ", "OR"):
        if part.startswith(prefix) and parse_condition(part[len(prefix):]) is not None:
            return prefix, part[len(prefix):]
    return "", part


def _names(part: str, fields: set[str]) -> bool:
    for order in ("ORDERBYDESC", "ORDERBY"):
        if part.startswith(order):
            return part[len(order):].split(".")[0] in fields
    condition = parse_condition(part)
    return condition is not None and condition.field.split(".")[0] in fields


class StandInServer(InstanceServer):
    """:class:`~mock_instance.InstanceServer` serving an :class:`IgnoredFields` over a real socket."""

    def __init__(self, app: IgnoredFields, **options: Any) -> None:
        super().__init__(app, **options)  # type: ignore[arg-type]

