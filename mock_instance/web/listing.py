"""What every list route shares: which records a list request selects, and how it pages them.

docs/platform.md §2 (the Table API list: ``sysparm_query``, name-value filters,
``sysparm_limit``/``sysparm_offset``, ``Link``) and §3 (the Attachment API list
takes ``sys_attachment`` fields the same way).
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

from werkzeug.wrappers import Request

from ..tables.conditions import Warn, compile_query, filter_records
from ..tables.query import Condition, EncodedQuery
from ..tables.store import Record
from ..tables.views import TableResolver
from .request import int_arg


def list_matches(records: Iterable[Record], request: Request, resolver: TableResolver, warn: Warn) -> list[Record]:
    """The records a list request selects: ``sysparm_query`` ANDed with its ``name=value`` field parameters.

    The one filter of every list route. A parameter that is neither ``sysparm_*`` nor a field of
    ``resolver``'s table is ignored, as on the platform; a known field's value is compared exactly
    (``^`` and all), never parsed as a query. The order is the query's ``ORDERBY``. Query parts
    that cannot apply are dropped and reported to ``warn``.
    """
    matched = filter_records(records, request.args.get("sysparm_query"), resolver, warn)
    fields = tuple((Condition(key, "=", value),) for key, value in request.args.items(multi=True)
                   if not key.startswith("sysparm_") and resolver.is_known(key))
    if not fields:
        return matched
    # Applied after the query, so the AND holds around its ^OR and ^NQ.
    predicate, _ = compile_query(EncodedQuery(groups=(fields,)), resolver)
    return [r for r in matched if predicate(r)]


def page_bounds(request: Request, default_limit: int) -> tuple[int, int]:
    """``(limit, offset)`` of a list request; an unreadable value means the default, a negative limit none."""
    return max(int_arg(request, "sysparm_limit", default_limit), 0), int_arg(request, "sysparm_offset", 0)


def link_header(request: Request, total: int, limit: int, offset: int) -> str:
    """``Link`` with first, prev, next and last, always [OBS, docs/platform.md §2].

    prev is offset - limit even at offset 0, next is offset + limit even on the
    last page, last is max(total - limit, 0).
    """
    base = request.base_url
    kept = [(k, v) for k, v in request.args.items(multi=True) if k not in ("sysparm_limit", "sysparm_offset")]

    def url(at: int) -> str:
        return f"{base}?{urlencode([*kept, ('sysparm_limit', str(limit)), ('sysparm_offset', str(at))])}"

    return ",".join([f'<{url(0)}>;rel="first"', f'<{url(offset - limit)}>;rel="prev"',
                     f'<{url(offset + limit)}>;rel="next"', f'<{url(max(total - limit, 0))}>;rel="last"'])
