"""The WSGI app: routing, authentication, dispatch. Wiring only.

In the shape of werkzeug's ``examples/shortly``: the URL map is built once,
each endpoint is an ``on_<endpoint>`` method, errors render themselves.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.exceptions import NotFound as RoutingNotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from ..oauth.tokens import TokenService
from ..platform.glide_jwt import GlideJWTError, generate_jwt
from ..platform.request_log import note_caller
from ..platform.state import Platform
from ..platform.users import Caller
from ..tables.errors import BadRequest, InvalidResource, MethodNotSupported, PlainNotFound, WriteRefused, json_response
from . import attachment_api, control, faults, guards, oauth_endpoints, table_api
from .auth import authenticate
from .request import InstanceRequest, might_exceed, read_json_object, request_line
from .request_capture import Capture

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

log = logging.getLogger("mock_instance")

#: Mock-only endpoints, not part of the platform (the README says so).
MOCK_PREFIX = "/snjwt-mock"
#: Where a routed request's §11 description (:class:`~mock_instance.platform.api_access.ApiCall`) is kept.
API_CALL_KEY = "snjwt.api_call"


class _Route(Rule):
    """A rule the app only matches and never builds a URL from.

    werkzeug compiles two URL builders per rule (an ``ast`` each), most of a Map's cost, and a
    map is made at every start; the instance never calls ``url_for``, so it skips them.
    """

    def _compile_builder(self, append_unknown: bool = True) -> Any:
        def build(*args: Any, **kwargs: Any) -> Any:
            raise NotImplementedError("the instance's routes are matched, never built")

        return build


def _rules() -> list[Rule]:
    rules = []
    for prefix, defaults in (("/api/now", {"version": None}), ("/api/now/<any(v1, v2):version>", {})):
        rules += [
            _Route(f"{prefix}/table/<table>", endpoint="table_list", methods=["GET", "POST"], defaults=defaults),
            _Route(f"{prefix}/table/<table>/<sys_id>", endpoint="table_record",
                   methods=["GET", "PUT", "PATCH", "DELETE"], defaults=defaults),
        ]
        rules += [_Route(f"{prefix}/stats/<table>", endpoint="stats", methods=["GET"], defaults=defaults),
                  _Route(f"{prefix}/batch", endpoint="batch", methods=["POST"], defaults=defaults)]
    for prefix in ("/api/now", "/api/now/v1"):
        rules += [
            _Route(f"{prefix}/attachment", endpoint="attachment_list", methods=["GET"]),
            _Route(f"{prefix}/attachment/file", endpoint="attachment_file", methods=["POST"]),
            _Route(f"{prefix}/attachment/upload", endpoint="attachment_upload", methods=["POST"]),
            _Route(f"{prefix}/attachment/<sys_id>", endpoint="attachment", methods=["GET", "DELETE"]),
            _Route(f"{prefix}/attachment/<sys_id>/file", endpoint="attachment_download", methods=["GET"]),
        ]
    return rules + [
        _Route("/oauth_token.do", endpoint="token", methods=["POST"]),
        _Route("/oauth_revoke_token.do", endpoint="revoke", methods=["GET", "POST"]),
        _Route("/oauth_auth.do", endpoint="authorize", methods=["GET", "POST"]),
        _Route(f"{MOCK_PREFIX}/generate_jwt", endpoint="mock_generate_jwt", methods=["POST"]),
        _Route(f"{MOCK_PREFIX}/refusals", endpoint="mock_refusals", methods=["GET"]),
        _Route(f"{MOCK_PREFIX}/faults", endpoint="mock_faults", methods=["GET", "POST", "DELETE"]),
        *control.rules(_Route),
    ]


@cache
def url_map() -> Map:
    """The routes, compiled once per process (an app is made per instance, and instances per test)."""
    return Map(_rules(), strict_slashes=False, merge_slashes=False)


class InstanceApp:
    """The instance over WSGI. Crashes are recorded (see :meth:`take_errors`) and answered 500."""

    def __init__(self, platform: Platform, tokens: TokenService) -> None:
        self.platform = platform
        self.tokens = tokens
        self.url_map = url_map()
        self._crashes: list[BaseException] = []
        self._crashes_lock = threading.Lock()

    # -- plumbing -----------------------------------------------------------

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        return self.wsgi_app(environ, start_response)

    def wsgi_app(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        settings = self.platform.settings
        capture = Capture(self.platform, environ)  # the request log's entry (platform/request_log.py)
        request = InstanceRequest(environ)
        if might_exceed(environ, settings.request_line_limit) and \
                len(request_line(environ)) > settings.request_line_limit:
            # docs/platform.md §12.8: the front end refuses it, before any authentication or JSON.
            refusal = settings.request_line_refusal
            response = Response(refusal.body, status=refusal.status, content_type=refusal.content_type)
            capture.finish(request, response)
            return response(environ, start_response)
        try:
            # An injected fault answers first (outside dispatch: a dropped connection is no crash);
            # the mock's own endpoints never fail, so a test can always clear its faults.
            response = None if request.path.startswith(MOCK_PREFIX) else faults.serve_fault(self.platform, request)
            if response is None:
                response = self.dispatch_request(request)
        except BaseException:
            capture.finish(request, None)
            raise
        capture.finish(request, response)
        return response(environ, start_response)

    def dispatch_request(self, request: Request) -> Response:
        try:
            # Routing ignores the host, so a plain bind is enough (bind_to_environ parses it).
            adapter = self.url_map.bind("instance", path_info=request.path, url_scheme=request.scheme)
            try:
                endpoint, values = adapter.match(method=request.method)
            except RoutingNotFound:
                raise InvalidResource() if request.path.startswith("/api/") else PlainNotFound() from None
            except MethodNotAllowed as e:
                raise MethodNotSupported(sorted(e.valid_methods or [])) from None
            request.environ[API_CALL_KEY] = guards.api_call(endpoint, values, request)
            return self._with_rate_limit_headers(request, getattr(self, f"on_{endpoint}")(request, **values))
        except HTTPException as e:
            return self._with_rate_limit_headers(request, e.get_response(request.environ))  # type: ignore[arg-type]
        except Exception as e:  # the one place a bug may land: record it for the test to see
            with self._crashes_lock:
                self._crashes.append(e)
            log.error("mock_instance crashed on %s %s\n%s", request.method, request.path, traceback.format_exc())
            return json_response({"error": {"message": "Internal error in mock_instance",
                                            "detail": f"{type(e).__name__}"}, "status": "failure"}, 500)

    @property
    def errors(self) -> list[BaseException]:
        """Exceptions that escaped a handler (each answered 500): always a mock bug."""
        with self._crashes_lock:
            return list(self._crashes)

    def take_errors(self) -> list[BaseException]:
        """Return and forget the recorded crashes."""
        with self._crashes_lock:
            crashes, self._crashes = self._crashes, []
            return crashes

    def _caller(self, request: Request) -> Caller:
        """The authenticated caller; for a REST API resource, also past its rate limit and scope check (§11)."""
        caller = authenticate(self.platform.store, self.tokens, request.headers.get("Authorization"),
                              bearer_challenge=self.platform.settings.www_authenticate_bearer_on_bad_token)
        note_caller(caller.user_name)
        call = request.environ.get(API_CALL_KEY)
        if call is not None:
            guards.check(self.platform, request, call, caller)
        return caller

    @staticmethod
    def _with_rate_limit_headers(request: Request, response: Response) -> Response:
        response.headers.extend(request.environ.get(guards.HEADERS_KEY, {}))
        return response

    # -- Table API ----------------------------------------------------------

    def on_table_list(self, request: Request, table: str, version: str | None) -> Response:
        caller = self._caller(request)
        if request.method == "POST":
            return table_api.create_record(self.platform, request, caller, table)
        return table_api.list_records(self.platform, request, caller, table, version)

    def on_table_record(self, request: Request, table: str, sys_id: str, version: str | None) -> Response:
        caller = self._caller(request)
        if request.method in ("GET", "HEAD"):
            return table_api.get_record(self.platform, request, caller, table, sys_id)
        if request.method == "DELETE":
            return table_api.delete_record(self.platform, request, caller, table, sys_id)
        return table_api.update_record(self.platform, request, caller, table, sys_id)

    # -- Aggregate and Batch APIs ---------------------------------------------

    # Imported on first use: few sessions call them, and every session starts.

    def on_stats(self, request: Request, table: str, version: str | None) -> Response:
        from . import aggregate_api

        return aggregate_api.stats(self.platform, request, self._caller(request), table)

    def on_batch(self, request: Request, version: str | None) -> Response:
        from . import batch_api

        self._caller(request)  # the batch's caller: every item runs as them
        return batch_api.run_batch(self.platform, request, self.dispatch_request)

    # -- Attachment API -----------------------------------------------------

    def on_attachment_list(self, request: Request) -> Response:
        return attachment_api.list_attachments(self.platform, request, self._caller(request))

    def on_attachment_file(self, request: Request) -> Response:
        return attachment_api.upload_file(self.platform, request, self._caller(request))

    def on_attachment_upload(self, request: Request) -> Response:
        return attachment_api.upload_multipart(self.platform, request, self._caller(request))

    def on_attachment(self, request: Request, sys_id: str) -> Response:
        caller = self._caller(request)
        if request.method == "DELETE":
            return attachment_api.delete_attachment(self.platform, request, caller, sys_id)
        return attachment_api.get_metadata(self.platform, request, caller, sys_id)

    def on_attachment_download(self, request: Request, sys_id: str) -> Response:
        return attachment_api.download(self.platform, request, self._caller(request), sys_id)

    # -- OAuth --------------------------------------------------------------

    def on_token(self, request: Request) -> Response:
        return oauth_endpoints.token(self.platform, self.tokens, request)

    def on_revoke(self, request: Request) -> Response:
        return oauth_endpoints.revoke(self.platform, self.tokens, request)

    def on_authorize(self, request: Request) -> Response:
        return oauth_endpoints.authorize(self.platform, self.tokens, request)

    # -- mock-only endpoints ------------------------------------------------

    def _require_admin(self, request: Request) -> Caller:
        caller = self._caller(request)
        if not caller.is_admin:
            # What the platform says to a non-admin writing a security record, for every method.
            raise WriteRefused("Insert")
        control.check_same_origin(request)
        return caller

    def on_mock_generate_jwt(self, request: Request) -> Response:
        """GlideJWTAPI.generateJWT for clients outside Python (not a platform endpoint)."""
        self._require_admin(request)
        body = read_json_object(request, self.platform.settings.rest_body_limit)
        provider = body.get("provider")
        if not isinstance(provider, str):
            raise BadRequest("give the jwt_provider sys_id as \"provider\"")
        try:
            token = generate_jwt(self.platform, provider, _json_arg(body.get("header")), _json_arg(body.get("payload")))
        except GlideJWTError as e:
            raise BadRequest(str(e), message="generateJWT failed") from e
        return json_response({"result": {"jwt": token}})

    def on_mock_refusals(self, request: Request) -> Response:
        """The recent refusals with their reasons (not a platform endpoint)."""
        self._require_admin(request)
        return json_response({"result": [
            {"code": r.code, "sentence": r.sentence, "source": r.source, "at": r.at}
            for r in self.platform.refusals.recent()
        ]})

    def on_mock_faults(self, request: Request) -> Response:
        """Injected faults: GET lists, POST arms one, DELETE disarms all (not a platform endpoint)."""
        self._require_admin(request)
        if request.method == "POST":
            return faults.add_fault(self.platform, request)
        if request.method == "DELETE":
            return faults.clear_faults(self.platform)
        return faults.list_faults(self.platform)


    def on_control(self, request: Request, action: str, **values: Any) -> Response:
        """The control API: clock, settings, reset, snapshots, requests, tokens, dry run (web/control.py)."""
        self._require_admin(request)
        return control.handle(self.platform, self.tokens, request, action, **values)


def _json_arg(value: Any) -> Any:
    if value is None or isinstance(value, str | dict):
        return value
    raise BadRequest("header and payload are JSON objects or JSON strings")
