"""The HTTP control API (mock-only): drive a served mock from any language, as ``MockInstance`` does in Python.

JSON, admin Basic auth, under ``/snjwt-mock/`` (the README documents each
request and response): the clock, settings, reset, named snapshots, the request
log, issued tokens, and a dry run of the token endpoint's checks. A
state-changing request from a browser page of another origin is refused
(``Origin`` header), so a page cannot drive the mock through an admin's cached
Basic credentials.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from ..oauth.dry_run import dry_run
from ..oauth.issued import issued_tokens, revoke_issued
from ..oauth.tokens import TokenService
from ..platform.settings import Reply, parse_setting
from ..platform.state import Platform
from ..tables.clock import format_glide
from ..tables.errors import BadRequest, PlatformError, RecordNotFound, json_response
from .request import int_arg, read_json_object, truthy

PREFIX = "/snjwt-mock"
#: Requests the log answers at most in one call.
MAX_REQUESTS = 500


class CrossSiteRefused(PlatformError):
    """A state-changing request sent by a page of another origin."""

    code = 403
    message = "Cross-site request refused"


def rules(kind: type[Rule] = Rule) -> list[Rule]:
    """The control API's routes (endpoint ``control``, the handler in ``action``), as rules of ``kind``."""
    def rule(path: str, action: str, methods: list[str]) -> Rule:
        return kind(f"{PREFIX}{path}", endpoint="control", methods=methods, defaults={"action": action})

    return [
        rule("/clock", "clock", ["GET", "POST"]),
        rule("/settings", "settings", ["GET", "PATCH", "POST"]),
        rule("/reset", "reset", ["POST"]),
        rule("/snapshots", "snapshots", ["GET", "POST"]),
        rule("/snapshots/<snapshot_id>", "snapshot", ["GET", "DELETE"]),
        rule("/snapshots/<snapshot_id>/restore", "restore", ["POST"]),
        rule("/requests", "requests", ["GET", "DELETE"]),
        rule("/requests/<int:request_id>", "request", ["GET"]),
        rule("/tokens", "tokens", ["GET"]),
        rule("/tokens/<sys_id>/revoke", "revoke", ["POST"]),
        rule("/dry_run", "dry_run", ["POST"]),
    ]


def check_same_origin(request: Request) -> None:
    """Refuse a state-changing request whose ``Origin`` is not the instance itself (curl sends none)."""
    if request.method in ("GET", "HEAD"):
        return
    origin = request.headers.get("Origin")
    if origin is not None and origin != f"{request.scheme}://{request.host}":
        raise CrossSiteRefused(f"Origin {origin} is not this instance; control requests come from its own pages "
                               "or from clients that send no Origin")


def handle(platform: Platform, tokens: TokenService, request: Request, action: str, **values: Any) -> Response:
    """Serve one control request (the caller checked that it is an admin's)."""
    return _HANDLERS[action](platform, tokens, request, **values)


def _body(platform: Platform, request: Request) -> dict[str, Any]:
    return read_json_object(request, platform.settings.rest_body_limit)


def clock_state(platform: Platform) -> dict[str, Any]:
    """The clock as JSON: epoch seconds, the platform's date-time, frozen or running."""
    now = platform.clock.time()
    return {"time": now, "glide": format_glide(now), "frozen": platform.clock.frozen}


def _number(body: dict[str, Any], name: str) -> float:
    value = body[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadRequest(f"{name} takes a number of seconds, not {value!r}", message="Invalid clock change")
    return float(value)


def _clock(platform: Platform, tokens: TokenService, request: Request) -> Response:
    if request.method == "POST":
        body = _body(platform, request)
        changes = sorted(set(body) & {"freeze", "advance", "unfreeze", "real_time"})
        if len(changes) != 1 or len(body) != 1:
            raise BadRequest('give exactly one of {"freeze": true | <epoch seconds>}, {"advance": <seconds>}, '
                             '{"unfreeze": true}, {"real_time": true}', message="Invalid clock change")
        change = changes[0]
        if change == "freeze":
            platform.clock.freeze(None if body["freeze"] is True else _number(body, "freeze"))
        elif change == "advance":
            platform.clock.advance(_number(body, "advance"))
        elif change == "unfreeze":
            platform.clock.unfreeze()
        else:
            platform.clock.reset()
    return json_response({"result": clock_state(platform)})


def _settings(platform: Platform, tokens: TokenService, request: Request) -> Response:
    if request.method != "GET":
        body = _body(platform, request)
        changes: dict[str, Any] = {}
        try:
            for name, value in body.items():
                changes[name] = parse_setting(f"{name}={value}")[1] if isinstance(value, str) else value
            platform.configure(**changes)
        except (TypeError, ValueError) as e:
            raise BadRequest(str(e), message="Invalid setting") from e
    settings = platform.settings
    return json_response({"result": {name: setting_json(getattr(settings, name)) for name in settings.names()}})


def setting_json(value: Any) -> Any:
    """A setting as JSON: booleans, numbers and text as they are; a recorded reply as
    ``{"status", "content_type", "body"}``, and a set of them as an object of those (what PATCH takes back)."""
    if isinstance(value, Reply):
        return {"status": value.status, "content_type": value.content_type,
                "body": value.body.decode("utf-8", "replace")}
    if isinstance(value, Mapping):
        return {key: setting_json(reply) for key, reply in value.items()}
    return value


def _reset(platform: Platform, tokens: TokenService, request: Request) -> Response:
    platform.reset()
    return json_response({"result": {"reset": True, "clock": clock_state(platform)}})


def _snapshots(platform: Platform, tokens: TokenService, request: Request) -> Response:
    if request.method == "POST":
        name = _body(platform, request).get("name", "")
        if not isinstance(name, str) or len(name) > 100:
            raise BadRequest("name is a string of at most 100 characters", message="Invalid snapshot")
        saved = platform.snapshots.save(name, platform.snapshot(), platform.clock.time())
        return json_response({"result": saved.as_dict()}, 201)
    return json_response({"result": [s.as_dict() for s in platform.snapshots.list()]})


def _snapshot(platform: Platform, tokens: TokenService, request: Request, snapshot_id: str) -> Response:
    saved = platform.snapshots.get(snapshot_id)
    if saved is None:
        raise RecordNotFound(f"no snapshot {snapshot_id!r}")
    if request.method == "DELETE":
        platform.snapshots.delete(snapshot_id)
        return Response(status=204)
    return json_response({"result": saved.as_dict()})


def _restore(platform: Platform, tokens: TokenService, request: Request, snapshot_id: str) -> Response:
    saved = platform.snapshots.get(snapshot_id)
    if saved is None:
        raise RecordNotFound(f"no snapshot {snapshot_id!r}")
    platform.restore(saved.state)
    return json_response({"result": {"restored": saved.as_dict(), "clock": clock_state(platform)}})


def _requests(platform: Platform, tokens: TokenService, request: Request) -> Response:
    if request.method == "DELETE":
        platform.requests.clear()
        return json_response({"result": {"cleared": True}})
    after = max(int_arg(request, "after", 0), 0)
    limit = min(max(int_arg(request, "limit", 100), 1), MAX_REQUESTS)
    details = truthy(request.args.get("details"))
    kept = platform.requests.recent(after=after)[-limit:]
    return json_response({"result": [r.as_dict(details=details) for r in kept]})


def _request(platform: Platform, tokens: TokenService, request: Request, request_id: int) -> Response:
    record = platform.requests.get(request_id)
    if record is None:
        raise RecordNotFound(f"request {request_id} is not in the log (it keeps the last {MAX_REQUESTS})")
    return json_response({"result": record.as_dict()})


def _tokens(platform: Platform, tokens: TokenService, request: Request) -> Response:
    return json_response({"result": [t.as_dict() for t in issued_tokens(platform)]})


def _revoke(platform: Platform, tokens: TokenService, request: Request, sys_id: str) -> Response:
    if not revoke_issued(platform, tokens, sys_id):
        raise RecordNotFound(f"no oauth_credential {sys_id!r}")
    return json_response({"result": {"revoked": sys_id}})


def _dry_run(platform: Platform, tokens: TokenService, request: Request) -> Response:
    body = _body(platform, request)
    values = {name: body.get(name) for name in ("assertion", "client_id", "client_secret")}
    if not isinstance(values["assertion"], str) or not all(v is None or isinstance(v, str) for v in values.values()):
        raise BadRequest('give "assertion" (and "client_id", "client_secret") as strings', message="Invalid dry run")
    return json_response({"result": dry_run(platform, **values).as_dict()})


_HANDLERS: dict[str, Callable[..., Response]] = {
    "clock": _clock, "settings": _settings, "reset": _reset, "snapshots": _snapshots, "snapshot": _snapshot,
    "restore": _restore, "requests": _requests, "request": _request, "tokens": _tokens, "revoke": _revoke,
    "dry_run": _dry_run,
}
