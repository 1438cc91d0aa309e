"""What a console page is handed: the instance, the chains it may sign for, the request, and helpers.

The console provisions through the client side, as the CLI and the plugin do:
:meth:`Context.session` is a ``requests`` session that reaches the instance's
WSGI app in-process (no socket, no global patching) with the admin's own
credentials, so every record it makes goes through the Table API and shows in
the request log.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from werkzeug.wrappers import Request, Response

from ..client import Chain
from ..instance import MockInstance
from ..platform.state import Platform
from ..transports.inprocess import run_app
from .html import Markup


@dataclass(frozen=True)
class KnownChain:
    """A chain the console can sign for: what the provisioner returned, and where its key was written."""

    chain: Chain
    label: str
    key_file: str | None = None

    @property
    def app_sys_id(self) -> str:
        return self.chain.sys_ids.get("oauth_jwt", "")


class Keyring:
    """The chains whose signing keys the console holds in memory (never shown), by app sys_id."""

    def __init__(self) -> None:
        self._chains: dict[str, KnownChain] = {}
        self._lock = threading.Lock()
        self._folder: Path | None = None

    def write_key(self, chain: Chain) -> str | None:
        """Write an RS/ES chain's private key to a private file (as ``serve --demo`` does); its path.

        The console never shows a key; a client outside needs the file. None for an HS chain.
        """
        pem = chain.private_key_pem
        if pem is None:
            return None
        with self._lock:
            if self._folder is None:
                self._folder = Path(tempfile.mkdtemp(prefix="snjwt-console-"))
            path = self._folder / f"{chain.client_id}-key.pem"
        path.touch(mode=0o600)
        path.write_bytes(pem)
        return str(path)

    def close(self) -> None:
        """Remove the key files written."""
        with self._lock:
            folder, self._folder = self._folder, None
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)

    def add(self, chain: Chain, label: str, key_file: str | None = None) -> KnownChain:
        known = KnownChain(chain, label, key_file)
        with self._lock:
            self._chains[known.app_sys_id] = known
        return known

    def all(self) -> list[KnownChain]:
        with self._lock:
            return list(self._chains.values())

    def get(self, app_sys_id: str) -> KnownChain | None:
        with self._lock:
            return self._chains.get(app_sys_id)


class _InstanceAdapter(BaseAdapter):
    """requests → the instance's WSGI app, in-process."""

    def __init__(self, app: Any) -> None:
        super().__init__()
        self._app = app

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")

        def drop() -> None:
            raise requests.ConnectionError("the connection was dropped (an injected fault)", request=request)

        served = run_app(self._app, request.method or "GET", request.url or "", request.headers.items(),
                         body if isinstance(body, bytes) else b"".join(body), drop)  # type: ignore[arg-type]
        response = requests.Response()
        response.status_code = served.status
        response.headers = CaseInsensitiveDict(served.headers)
        response._content = served.content
        response.encoding = get_encoding_from_headers(response.headers)
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        pass


@dataclass
class Context:
    """One console request: the instance, the keyring, the werkzeug request and the admin's user name."""

    instance: MockInstance
    keyring: Keyring
    request: Request
    user: str

    @property
    def platform(self) -> Platform:
        return self.instance.platform

    @property
    def base_url(self) -> str:
        """The URL the admin reached the console at (the instance's, on this server)."""
        return f"{self.request.scheme}://{self.request.host}"

    def session(self) -> requests.Session:
        """A session that reaches the instance in-process, as the admin who is using the console."""
        session = requests.Session()
        session.trust_env = False
        session.headers["Authorization"] = self.request.headers.get("Authorization", "")
        session.mount(f"{self.base_url}/", _InstanceAdapter(self.instance.app))
        return session

    def html(self, markup: Markup, status: int = 200) -> Response:
        return Response(markup, status, mimetype="text/html", headers={"Cache-Control": "no-store"})

    def redirect(self, path: str) -> Response:
        """See Other: after a form changed something, the page is fetched again (a reload repeats nothing)."""
        return Response(status=303, headers={"Location": path})
