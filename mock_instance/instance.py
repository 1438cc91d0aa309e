"""``MockInstance``: one fake ServiceNow instance, its state and its ways in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .tables import fields as schema
from .web.app import InstanceApp
from .web.attachment_api import store_attachment
from .tables.clock import Clock
from .platform.glide_jwt import generate_jwt
from .oauth.tokens import TokenService
from .tables.query import filter_records
from .platform.refusals import RefusalRecord
from .platform.rules import default_rules
from .tables.fields import ADMIN_ROLE, ADMIN_SYS_ID, Field
from .crypto.secret import Secret
from .platform.settings import Settings
from .tables.store import Snapshot, Store, TableResolver, public_view

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from .transports.intercept import Interception
    from .transports.server import InstanceServer

ADMIN_USER_NAME = "admin"


@dataclass(frozen=True)
class InstanceState:
    """An opaque copy of everything a test can change (see :meth:`MockInstance.snapshot`)."""

    store: Snapshot
    tokens: Any
    settings: Settings


class MockInstance:
    """A fake ServiceNow instance: platform tables, Table/Attachment APIs, ``/oauth_token.do``.

    >>> instance = MockInstance()
    >>> instance.get("sys_user", "6816f79cc0a8016401c5a33be04be441")["user_name"]
    'admin'

    Reach it as a WSGI app (the instance is callable), in-process for
    ``requests`` (:meth:`intercept`), or over a real socket (:meth:`serve`).
    All three share this one state.
    """

    def __init__(self, *, admin_password: str = "admin", settings: Settings | None = None,
                 **setting_changes: Any) -> None:
        self._admin_password = Secret(admin_password)
        self._initial_settings = (settings or Settings()).replace(**setting_changes)
        self._settings = self._initial_settings
        self.clock = Clock()
        self.store = Store(self.clock, lambda: self._settings, default_rules())
        for table in schema.PLATFORM_TABLES:
            self.store.register(table)
        self.tokens = TokenService(self)
        self.app = InstanceApp(self)
        self._seed()
        self._seeded = self.snapshot()

    def __repr__(self) -> str:
        return f"<MockInstance tables={len(self.store.tables())} clock={self.clock!r}>"

    # -- WSGI ---------------------------------------------------------------

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        return self.app(environ, start_response)

    # -- settings -----------------------------------------------------------

    @property
    def settings(self) -> Settings:
        """The current settings (PLATFORM.md §9); change them with :meth:`configure`."""
        return self._settings

    def configure(self, **changes: Any) -> Settings:
        """Change settings by name, e.g. ``configure(accept_pysnc_header=True)``."""
        self._settings = self._settings.replace(**changes)
        return self._settings

    # -- state --------------------------------------------------------------

    def _seed(self) -> None:
        store = self.store
        with store.lock:
            store.insert("sys_user", {
                "sys_id": ADMIN_SYS_ID, "user_name": ADMIN_USER_NAME, "first_name": "System",
                "last_name": "Administrator", "name": "System Administrator", "email": "admin@example.com",
                "user_password": self._admin_password.reveal(),
            })
            role = store.insert("sys_user_role", {"name": ADMIN_ROLE, "description": "Administrator"})
            store.insert("sys_user_has_role", {"user": ADMIN_SYS_ID, "role": role["sys_id"]})

    def snapshot(self) -> InstanceState:
        """Copy the whole state (records, files, jtis, settings) for :meth:`restore`."""
        with self.store.lock:
            return InstanceState(self.store.snapshot(), self.tokens.snapshot(), self._settings)

    def restore(self, state: InstanceState) -> None:
        """Return to a snapshot; the clock follows real time again and refusals are cleared."""
        with self.store.lock:
            self.store.restore(state.store)
            self.tokens.restore(state.tokens)
            self._settings = state.settings
        self.clock.reset()

    def reset(self) -> None:
        """Return to the seeded state: admin user, empty tables, initial settings, real time.

        Tables registered with :meth:`register_table` stay registered, emptied.
        """
        self.restore(self._seeded)

    # -- records from Python --------------------------------------------------

    def register_table(self, name: str, fields: Iterable[Field | str], *, parent: str | None = None,
                       display: str | None = None) -> None:
        """Add a table of your own, e.g. ``register_table("u_widget", ["u_name"])``."""
        self.store.register(schema.user_table(name, fields, parent=parent, display=display))

    def insert(self, table: str, values: Mapping[str, Any], *, actor: str = ADMIN_USER_NAME) -> dict[str, str]:
        """Create a record as ``actor`` would through the Table API; returns its public view."""
        return public_view(self.store, self.store.insert(table, values, actor=actor))

    def update(self, table: str, sys_id: str, values: Mapping[str, Any], *,
               actor: str = ADMIN_USER_NAME) -> dict[str, str] | None:
        """Change fields of a record; None when it does not exist."""
        record = self.store.update(table, sys_id, values, actor=actor)
        return None if record is None else public_view(self.store, record)

    def get(self, table: str, sys_id: str) -> dict[str, str] | None:
        """A record's public view (password fields empty), or None."""
        with self.store.lock:
            record = self.store.get(table, sys_id)
            return None if record is None else public_view(self.store, record)

    def query(self, table: str, encoded_query: str = "") -> list[dict[str, str]]:
        """Records matching an encoded query, e.g. ``query("incident", "active=true^ORDERBYnumber")``."""
        with self.store.lock:
            resolver = TableResolver(self.store, table)
            return [public_view(self.store, r) for r in filter_records(self.store.records(table), encoded_query,
                                                                       resolver)]

    def delete(self, table: str, sys_id: str) -> bool:
        return self.store.delete(table, sys_id)

    def attach(self, table: str, sys_id: str, file_name: str, content: bytes,
               content_type: str = "application/octet-stream") -> dict[str, str]:
        """Attach a file to a record, as the Attachment API does."""
        return store_attachment(self, table, sys_id, file_name, content_type, content, actor=ADMIN_USER_NAME)

    # -- OAuth -------------------------------------------------------------

    @property
    def refusals(self) -> list[RefusalRecord]:
        """Recent refusals (token endpoint and Bearer checks), oldest first, with reason code and sentence."""
        return self.tokens.refusals()

    def clear_refusals(self) -> None:
        self.tokens.clear_refusals()

    def generate_jwt(self, provider_sys_id: str, header: str | dict[str, Any] | None = None,
                     payload: str | dict[str, Any] | None = None) -> str:
        """``sn_auth.GlideJWTAPI().generateJWT(provider, header, payload)`` (PLATFORM.md §6)."""
        return generate_jwt(self, provider_sys_id, header, payload)

    @property
    def errors(self) -> list[BaseException]:
        """Exceptions that escaped a request handler (each answered 500): always a mock bug."""
        return self.app.errors

    # -- transports ---------------------------------------------------------

    def intercept(self, base_url: str = "https://snjwt.test") -> Interception:
        """Serve ``base_url`` to ``requests`` in-process, without a socket (a context manager)."""
        from .transports.intercept import Interception

        return Interception(self, base_url)

    def serve(self, host: str = "127.0.0.1", port: int = 0, *, tls: bool = False) -> InstanceServer:
        """Serve over a real threaded HTTP(S) server, started now (a context manager with ``.url``)."""
        from .transports.server import InstanceServer

        return InstanceServer(self, host, port, tls=tls).start()
