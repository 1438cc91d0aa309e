"""The WSGI app: routing, authentication, dispatch. Wiring only.

In the shape of werkzeug's ``examples/shortly``: the URL map is built once,
each endpoint is an ``on_<endpoint>`` method, errors render themselves.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.exceptions import NotFound as RoutingNotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from ..oauth.request import FORM_CONTENT_TYPE, TokenRequest
from ..oauth.tokens import TokenService
from ..platform.glide_jwt import GlideJWTError, generate_jwt
from ..platform.refusals import REFUSAL_BODY, REFUSAL_STATUS, Refusal
from ..platform.request_log import note_caller
from ..platform.state import Platform
from ..platform.users import Caller
from ..tables.errors import BadRequest, InvalidResource, MethodNotSupported, PlainNotFound, WriteRefused, json_response
from . import attachment_api, control, faults, table_api
from .auth import authenticate
from .request import InstanceRequest, read_body, read_form, read_json_object
from .request_capture import Capture

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

log = logging.getLogger("mock_instance")

#: Mock-only endpoints, not part of the platform (the README says so).
MOCK_PREFIX = "/snjwt-mock"


def _rules() -> list[Rule]:
    rules = []
    for prefix, defaults in (("/api/now", {"version": None}), ("/api/now/<any(v1, v2):version>", {})):
        rules += [
            Rule(f"{prefix}/table/<table>", endpoint="table_list", methods=["GET", "POST"], defaults=defaults),
            Rule(f"{prefix}/table/<table>/<sys_id>", endpoint="table_record",
                 methods=["GET", "PUT", "PATCH", "DELETE"], defaults=defaults),
        ]
    for prefix in ("/api/now", "/api/now/v1"):
        rules += [
            Rule(f"{prefix}/attachment", endpoint="attachment_list", methods=["GET"]),
            Rule(f"{prefix}/attachment/file", endpoint="attachment_file", methods=["POST"]),
            Rule(f"{prefix}/attachment/upload", endpoint="attachment_upload", methods=["POST"]),
            Rule(f"{prefix}/attachment/<sys_id>", endpoint="attachment", methods=["GET", "DELETE"]),
            Rule(f"{prefix}/attachment/<sys_id>/file", endpoint="attachment_download", methods=["GET"]),
        ]
    return rules + [
        Rule("/oauth_token.do", endpoint="token", methods=["POST"]),
        Rule("/oauth_revoke_token.do", endpoint="revoke", methods=["GET", "POST"]),
        Rule(f"{MOCK_PREFIX}/generate_jwt", endpoint="mock_generate_jwt", methods=["POST"]),
        Rule(f"{MOCK_PREFIX}/refusals", endpoint="mock_refusals", methods=["GET"]),
        Rule(f"{MOCK_PREFIX}/faults", endpoint="mock_faults", methods=["GET", "POST", "DELETE"]),
        *control.rules(),
    ]


def refusal_response() -> Response:
    """The token endpoint's one answer to every refusal (docs/platform.md §4)."""
    return json_response(REFUSAL_BODY, REFUSAL_STATUS)


class InstanceApp:
    """The instance over WSGI. Crashes are recorded (see :meth:`take_errors`) and answered 500."""

    def __init__(self, platform: Platform, tokens: TokenService) -> None:
        self.platform = platform
        self.tokens = tokens
        self.url_map = Map(_rules(), strict_slashes=False, merge_slashes=False)
        self._crashes: list[BaseException] = []
        self._crashes_lock = threading.Lock()

    # -- plumbing -----------------------------------------------------------

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        return self.wsgi_app(environ, start_response)

    def wsgi_app(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        capture = Capture(self.platform, environ)  # the request log's entry (platform/request_log.py)
        request = InstanceRequest(environ)
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
            return getattr(self, f"on_{endpoint}")(request, **values)
        except HTTPException as e:
            return e.get_response(request.environ)  # type: ignore[return-value]
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
        caller = authenticate(self.platform.store, self.tokens, request.headers.get("Authorization"))
        note_caller(caller.user_name)
        return caller

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
        try:
            body = read_body(request, self.platform.settings.rest_body_limit)
        except BadRequest as e:
            # Too large to read: refused before the grant's own checks, logged the same way.
            self.platform.refuse(Refusal("request_too_large", str(e.detail)))
            return refusal_response()
        form, repeated = read_form(body) if request.mimetype == FORM_CONTENT_TYPE else ({}, frozenset())
        token_request = TokenRequest(
            content_type=request.mimetype,
            form=form,
            repeated=repeated,
            authorization=request.headers.get("Authorization"),
            authentication=request.headers.get("Authentication"),
        )
        try:
            return json_response(self.tokens.exchange(token_request))
        except Refusal:
            return refusal_response()

    def on_revoke(self, request: Request) -> Response:
        token = request.args.get("token")
        if token is None and request.method == "POST":
            body = read_body(request, self.platform.settings.rest_body_limit)
            token = read_form(body)[0].get("token") if request.mimetype == FORM_CONTENT_TYPE else None
        self.tokens.revoke(token or "")
        return Response(status=200)

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
        """The control API: clock, settings, reset, snapshots, requests, tokens (web/control.py)."""
        self._require_admin(request)
        return control.handle(self.platform, self.tokens, request, action, **values)


def _json_arg(value: Any) -> Any:
    if value is None or isinstance(value, str | dict):
        return value
    raise BadRequest("header and payload are JSON objects or JSON strings")
