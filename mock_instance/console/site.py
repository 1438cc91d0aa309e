"""The console in front of an instance: ``/`` and ``/snjwt-mock/console/...`` here, every other path to the mock.

A WSGI app with the shape transports serve (``.app``, ``take_errors``,
base URLs), so ``InstanceServer(ConsoleSite(instance))`` serves both. Every
console page asks for the admin's Basic credentials; a form posted from a page
of another origin is refused. Crashes are recorded and re-raised at ``stop()``
like the instance's own.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable, Iterable
from importlib import resources
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from ..instance import MockInstance
from ..platform.users import Caller
from ..tables.errors import NotAuthenticated, PlatformError
from ..web.auth import authenticate
from .context import Context, Keyring
from .html import BASE, esc, note, page
from .pages import activity, chain, debugger, instance_page, setup

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

log = logging.getLogger("mock_instance.console")
REALM = 'Basic realm="snjwt-mock console", charset="UTF-8"'
STATIC_TYPES = {"css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8"}

Handler = Callable[..., Response]
PAGES: dict[str, tuple[Handler, list[str]]] = {
    "overview": (chain.overview, ["GET"]),
    "record": (chain.record, ["GET"]),
    "setup": (setup.setup, ["GET", "POST"]),
    "debugger": (debugger.debugger, ["GET", "POST"]),
    "requests": (activity.requests_page, ["GET"]),
    "request": (activity.request_page, ["GET"]),
    "refusals": (activity.refusals_page, ["GET"]),
    "tokens": (activity.tokens_page, ["GET"]),
    "revoke": (activity.revoke, ["POST"]),
    "live": (activity.live, ["GET"]),
    "instance": (instance_page.instance_page, ["GET", "POST"]),
}
PATHS = {"overview": "/", "record": f"{BASE}/record/<table_name>/<sys_id>", "setup": f"{BASE}/setup",
         "debugger": f"{BASE}/debugger", "requests": f"{BASE}/requests",
         "request": f"{BASE}/requests/<int:request_id>", "refusals": f"{BASE}/refusals",
         "tokens": f"{BASE}/tokens", "revoke": f"{BASE}/tokens/<sys_id>/revoke", "live": f"{BASE}/live/<view>",
         "instance": f"{BASE}/instance"}


class ConsoleSite:
    """The console over ``instance``; ``keyring`` holds the chains whose keys it may sign with."""

    def __init__(self, instance: MockInstance, keyring: Keyring | None = None) -> None:
        self.instance = instance
        self.keyring = keyring or Keyring()
        rules = [Rule(PATHS[name], endpoint=name, methods=methods) for name, (_, methods) in PAGES.items()]
        rules.append(Rule(f"{BASE}/static/<name>", endpoint="static", methods=["GET"]))
        self.url_map = Map(rules, strict_slashes=False)
        self._crashes: list[BaseException] = []
        self._lock = threading.Lock()

    # -- what a transport needs (transports/crashes.py HasApp) ----------------

    @property
    def app(self) -> ConsoleSite:
        return self

    def add_base_url(self, url: str) -> None:
        self.instance.add_base_url(url)

    def remove_base_url(self, url: str) -> None:
        self.instance.remove_base_url(url)

    def take_errors(self) -> list[BaseException]:
        """The console's crashes and the instance's, each answered 500."""
        with self._lock:
            mine, self._crashes = self._crashes, []
        return mine + self.instance.app.take_errors()

    # -- WSGI -----------------------------------------------------------------

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/favicon.ico":  # a browser's own request, not the instance's business (nor its log's)
            return Response(status=204)(environ, start_response)
        if path != "/" and not path.startswith(BASE + "/") and path != BASE:
            return self.instance.app(environ, start_response)
        request = Request(environ)
        try:
            response = self.dispatch(request)
        finally:
            request.close()  # uploaded files (the setup form's keystore) are spooled to temporary files
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        try:
            adapter = self.url_map.bind("console", path_info=request.path, url_scheme=request.scheme)
            endpoint, values = adapter.match(method=request.method)
            if endpoint == "static":
                return _static(values["name"])
            caller = self._admin(request)
            _check_origin(request)
            handler, _ = PAGES[endpoint]
            return handler(Context(self.instance, self.keyring, request, caller.user_name), **values)
        except PlatformError as e:
            return _error_page(e)
        except HTTPException as e:
            return e.get_response(request.environ)  # type: ignore[return-value]
        except Exception as e:  # a console bug: recorded for the test to see, like the instance's
            with self._lock:
                self._crashes.append(e)
            log.error("console crashed on %s %s\n%s", request.method, request.path, traceback.format_exc())
            return Response("Internal error in the snjwt-mock console", 500, mimetype="text/plain")

    def _admin(self, request: Request) -> Caller:
        header = request.headers.get("Authorization", "")
        if not header.lower().startswith("basic "):
            raise NotAuthenticated("the console needs the admin's Basic credentials")
        caller = authenticate(self.instance.store, self.instance.tokens, header)
        if not caller.is_admin:
            raise _NotAdmin()
        return caller


class _NotAdmin(PlatformError):
    code = 403
    message = "The console is for users with the admin role"


class _CrossSite(PlatformError):
    code = 403
    message = "Cross-site request refused"


def _check_origin(request: Request) -> None:
    """A form posted by a page of another origin would ride on the admin's cached credentials: refuse it."""
    if request.method in ("GET", "HEAD"):
        return
    origin = request.headers.get("Origin")
    if request.headers.get("Sec-Fetch-Site") == "cross-site" or (
            origin is not None and origin != f"{request.scheme}://{request.host}"):
        raise _CrossSite("the console's forms are posted by its own pages only")


def _error_page(error: PlatformError) -> Response:
    body = page(error.message, "", note(esc(error.detail or ""), "error"), user="")
    headers = {"WWW-Authenticate": REALM} if error.code == 401 else {}
    return Response(body, error.code, headers=headers, mimetype="text/html")


def _static(name: str) -> Response:
    kind = name.rpartition(".")[2]
    if kind not in STATIC_TYPES or "/" in name:
        raise NotFound()
    try:
        content = resources.files(__package__).joinpath("static", name).read_bytes()
    except (FileNotFoundError, OSError):
        raise NotFound() from None
    return Response(content, mimetype=STATIC_TYPES[kind].split(";")[0],
                    headers={"Cache-Control": "no-cache"}, content_type=STATIC_TYPES[kind])


def serve_with_console(instance: MockInstance, host: str = "127.0.0.1", port: int = 0, *, tls: bool = False,
                       keyring: Keyring | None = None) -> Any:
    """Serve ``instance`` with the console at ``/`` (an ``InstanceServer``, started)."""
    from ..transports.server import InstanceServer

    return InstanceServer(ConsoleSite(instance, keyring), host, port, tls=tls).start()
