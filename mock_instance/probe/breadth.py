"""Probes of the out-of-box breadth settings (docs/platform.md §12, §13): the system time zone, custom sys_ids,
the attachment upload's Location, and the request-line limit.

Every record a probe makes is this run's (ledgered) and deleted before the next probe.
"""

from __future__ import annotations

import datetime
import re
import secrets
import string
from typing import Any

from .answers import Answer
from .compare import offset_at
from .context import ProbeContext
from .outcome import Decision, Evidence, SpecDefect, Undecided
from .registry import probe

#: docs/platform.md §12.2, §9: where a caller without a time zone gets theirs, and the formats it is shown in.
ZONE_PROPERTY, DATE_FORMAT, TIME_FORMAT = "glide.sys.default.tz", "glide.sys.date_format", "glide.sys.time_format"
#: Java date pattern letters the probe reads, as strptime directives.
_JAVA = {"yyyy": "%Y", "MM": "%m", "dd": "%d", "HH": "%H", "hh": "%I", "mm": "%M", "ss": "%S", "a": "%p"}
_JAVA_TOKEN = re.compile(r"yyyy|MM|dd|HH|hh|mm|ss|a|[A-Za-z]+|[^A-Za-z]")
#: docs/platform.md §12.8: the bisection's bounds (PySNC's two data points), in "A"s in the table name.
LINE_SHORT, LINE_LONG = 8000, 24000


@probe("system_time_zone")
def system_time_zone(ctx: ProbeContext) -> Decision:
    """glide.sys.default.tz; if empty, the offset of a new incident's display value for a user with no time zone."""
    found = ctx.properties(ZONE_PROPERTY, DATE_FORMAT, TIME_FORMAT)
    ctx.evidence.append(Evidence(f"GET /api/now/table/sys_properties?sysparm_query=name={ZONE_PROPERTY}", 200, None,
                                 f"value={found[ZONE_PROPERTY]!r}" if ZONE_PROPERTY in found else "absent"))
    if found.get(ZONE_PROPERTY, "").strip():
        return Decision(found[ZONE_PROPERTY].strip())
    pattern = _strptime(found.get(DATE_FORMAT) or "yyyy-MM-dd", found.get(TIME_FORMAT) or "HH:mm:ss")
    access, _ = ctx.tokens()  # the run's user, who has no time_zone of their own
    created = ctx.call("/api/now/table/incident as the run's user", "POST", "/api/now/table/incident", token=access,
                       json={"short_description": f"{ctx.provisioner.prefix}probe time zone"})
    sys_id = _created(ctx, created, "incident")
    try:
        shown = ctx.call("/api/now/table/incident/<it>?sysparm_display_value=all as the run's user", "GET",
                         f"/api/now/table/incident/{sys_id}", token=access,
                         params={"sysparm_display_value": "all", "sysparm_fields": "sys_created_on"})
    finally:
        ctx.problems += ctx.provisioner.remove("incident", sys_id)
    result = shown.member("result")
    field = result.get("sys_created_on") if isinstance(result, dict) else None
    if not isinstance(field, dict) or not {"value", "display_value"} <= set(field):
        raise SpecDefect("sys_created_on came back without display_value and value (docs/platform.md §12.2)")
    try:
        moment = datetime.datetime.strptime(field["value"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=datetime.UTC)
        local = datetime.datetime.strptime(field["display_value"], pattern)
    except (TypeError, ValueError):
        raise Undecided(f"cannot read {field['display_value']!r} as the instance's format {pattern!r}") from None
    offset = local - moment.replace(tzinfo=None)
    hours, rest = divmod(round(offset.total_seconds() / 60), 60)
    if rest or not -12 <= hours <= 14:  # Etc/GMT+12 to Etc/GMT-14
        raise Undecided(f"the offset is {offset}, which no Etc/GMT zone has: set {ZONE_PROPERTY} on the instance")
    # POSIX signs: a display 7 hours behind UTC is Etc/GMT+7.
    zone = "Etc/UTC" if hours == 0 else f"Etc/GMT{-hours:+d}"
    return Decision(zone, agrees=lambda mock: offset_at(mock, moment) == datetime.timedelta(hours=hours))


@probe("strict_custom_sys_id")
def strict_custom_sys_id(ctx: ProbeContext) -> Decision:
    """POST an incident whose sys_id is 32 upper-case letters and digits; kept as sent → false, refused → true.

    §13 names AAAABBBBCCCCDDDDEEEEFFFF00001111 (PySNC's); a random sys_id of that shape cannot meet a record
    that a PySNC test run left on the instance, which the probe must never touch.
    """
    custom = "PROBE" + "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(27))
    if ctx.call("/api/now/table/incident/<the sys_id>", "GET", f"/api/now/table/incident/{custom}").status == 200:
        raise Undecided("a record with that sys_id exists already; the probe leaves it alone")
    answer = ctx.call("/api/now/table/incident with a sys_id in upper case", "POST", "/api/now/table/incident",
                      json={"sys_id": custom, "short_description": f"{ctx.provisioner.prefix}probe sys_id"})
    if 400 <= answer.status < 500:
        return Decision(True)
    sys_id = _created(ctx, answer, "incident")
    try:
        if sys_id != custom:
            raise SpecDefect(f"the record was made with another sys_id ({sys_id}), not the one sent nor a refusal")
        ctx.call("/api/now/table/incident/<the sys_id>", "GET", f"/api/now/table/incident/{custom}")
    finally:
        ctx.problems += ctx.provisioner.remove("incident", sys_id)
    return Decision(False)


@probe("attachment_location_keeps_version")
def attachment_location_keeps_version(ctx: ProbeContext) -> Decision:
    """POST /api/now/v1/attachment/file to an incident of the run; a Location with /api/now/v1/ → true."""
    with ctx.temporary("incident", {"short_description": f"{ctx.provisioner.prefix}probe attachment"}) as incident:
        answer = ctx.call("/api/now/v1/attachment/file?table_name=incident&...&file_name=p.txt", "POST",
                          "/api/now/v1/attachment/file", data=b"probe", headers={"Content-Type": "text/plain"},
                          params={"table_name": "incident", "table_sys_id": incident["sys_id"], "file_name": "p.txt"})
        sys_id = _created(ctx, answer, "sys_attachment")
        ctx.problems += ctx.provisioner.remove("sys_attachment", sys_id)
    location = answer.headers.get("Location", "")
    ctx.evidence[-1] = ctx.masker.evidence(str(ctx.evidence[-1].request), answer, header=f"Location: {location}")
    if "/api/now/v1/attachment/" in location:
        return Decision(True)
    if "/api/now/attachment/" in location:
        return Decision(False)
    raise SpecDefect(f"the upload's Location is {location!r}, not an attachment URL (docs/platform.md §12.7)")


@probe("request_line_limit")
def request_line_limit(ctx: ProbeContext) -> Decision:
    """GET /api/now/table/<n × A>/x, bisecting n between 8 000 and 24 000; the longest line answered with JSON."""
    return Decision(request_lines(ctx)[0])


@probe("request_line_refusal")
def request_line_refusal(ctx: ProbeContext) -> Decision:
    """The reply to the shortest request line of that bisection that was refused, as sent."""
    return Decision(request_lines(ctx)[1].reply())


def request_lines(ctx: ProbeContext) -> tuple[int, Answer]:
    """The longest request line answered with JSON, and the reply to one byte more (a proxy between here and
    the instance would answer instead, and the probe could not tell)."""
    def bisect() -> tuple[int, Answer]:
        answers: dict[int, Answer] = {}

        def served(n: int) -> bool:
            response = ctx.admin.session.get(f"{ctx.url}{_long_path(n)}", allow_redirects=False)
            answers[n] = Answer.of(response)
            return "json" in (answers[n].content_type or "")

        short, long = LINE_SHORT, LINE_LONG
        if not served(short) or served(long):
            kept = short if "json" not in (answers[short].content_type or "") else long
            ctx.evidence.append(ctx.masker.evidence(f"GET {_shown(kept)}", answers[kept]))
            raise Undecided(f"a request line of {_line(kept)} bytes was {'refused' if kept == short else 'served'}: "
                            "the limit is outside the probe's range")
        while long - short > 1:
            middle = (short + long) // 2
            short, long = (middle, long) if served(middle) else (short, middle)
        for n in (short, long):
            ctx.evidence.append(ctx.masker.evidence(f"GET {_shown(n)}", answers[n]))
        return _line(short), answers[long]
    return ctx.once("request_lines", bisect)


def _long_path(n: int) -> str:
    return f"/api/now/table/{'A' * n}/x"


def _line(n: int) -> int:
    """The request line's length in bytes: ``GET <target> HTTP/1.1``."""
    return len(f"GET {_long_path(n)} HTTP/1.1")


def _shown(n: int) -> str:
    return f"/api/now/table/<{n} × A>/x ({_line(n)}-byte request line)"


def _created(ctx: ProbeContext, answer: Answer, table: str) -> str:
    """The sys_id of the record a 201 made (adopted into the ledger at once); :class:`Undecided` otherwise."""
    result: Any = answer.member("result")
    sys_id = result.get("sys_id") if isinstance(result, dict) else None
    if answer.status != 201 or not isinstance(sys_id, str):
        raise Undecided(f"making the {table} record got HTTP {answer.status}")
    ctx.provisioner.adopt(table, sys_id)
    return sys_id


def _strptime(date_format: str, time_format: str) -> str:
    directives = []
    for token in _JAVA_TOKEN.findall(f"{date_format} {time_format}"):
        if token in _JAVA:
            directives.append(_JAVA[token])
        elif token.isalpha():
            raise Undecided(f"the instance shows date-times as {date_format} {time_format}, which the probe "
                            "does not read")
        else:
            directives.append(token.replace("%", "%%"))
    return "".join(directives)
