"""``MockInstance``: one fake ServiceNow instance, its state and its ways in.

The facade: the only module that knows every layer. It builds the
:class:`~mock_instance.platform.state.Platform` (the state), the token service
and the WSGI app over it, and hands the app to the transports.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .crypto.secret import Secret
from .oauth.tokens import TokenService
from .platform.attachments import attach
from .platform.definitions import ADMIN_SYS_ID, ADMIN_USER_NAME
from .platform.faults import Fault, FaultRecord, make_fault
from .platform.glide_jwt import generate_jwt
from .platform.profile import Profile, with_profile
from .platform.query_warnings import QueryWarning
from .platform.refusals import RefusalRecord
from .platform.request_log import RequestRecord
from .platform.schema import SchemaError, load_schema
from .platform.settings import Settings
from .platform.state import InstanceState, Platform
from .tables.clock import Clock
from .tables.errors import RecordNotFound
from .tables.fields import Field, user_table
from .tables.query import parse
from .tables.select import select
from .tables.store import Store
from .tables.views import TableResolver, public_view
from .transports.intercept import Interception
from .transports.server import InstanceServer
from .web.app import InstanceApp

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

__all__ = ["ADMIN_SYS_ID", "ADMIN_USER_NAME", "InstanceState", "MockInstance"]


class MockInstance:
    """A fake ServiceNow instance: platform tables, Table/Attachment APIs, ``/oauth_token.do``.

    >>> instance = MockInstance()
    >>> instance.get("sys_user", "6816f79cc0a8016401c5a33be04be441")["user_name"]
    'admin'

    Reach it as a WSGI app (the instance is callable), in-process for
    ``requests`` (:meth:`intercept`), or over a real socket (:meth:`serve`).
    All three share this one state. ``profile``: a settings profile (``snjwt-mock probe``), kept as ``.profile``.
    """

    def __init__(self, *, admin_password: str = "admin", settings: Settings | None = None,
                 base_url: str | None = None, schema: str | Path | Sequence[str | Path] | None = None,
                 demo_data: bool = False, profile: str | Path | Profile | None = None, **setting_changes: Any) -> None:
        admin = Secret(admin_password)
        self.profile, changes = with_profile(profile, setting_changes)  # keyword settings win over a profile
        self.platform = Platform((settings or Settings()).replace(**changes), admin.reveal())
        if base_url:
            self.platform.add_base_url(base_url)
        self.tokens = TokenService(self.platform)
        self.app = InstanceApp(self.platform, self.tokens)
        for path in [schema] if isinstance(schema, str | Path) else (schema or []):
            self.load_schema(path)
        if demo_data:
            self.load_demo_data()
        self.platform.mark_seeded()

    def __repr__(self) -> str:
        return f"<MockInstance tables={len(self.store.tables())} clock={self.clock!r}>"

    @property
    def store(self) -> Store:
        """The instance's tables (records, files, indexes)."""
        return self.platform.store

    @property
    def clock(self) -> Clock:
        """The instance's clock: freeze, advance or set it to test expiry."""
        return self.platform.clock

    # -- WSGI ---------------------------------------------------------------

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        return self.app(environ, start_response)

    # -- settings -----------------------------------------------------------

    @property
    def settings(self) -> Settings:
        """The current settings (docs/platform.md §9); change them with :meth:`configure`."""
        return self.platform.settings

    def configure(self, **changes: Any) -> Settings:
        """Change settings by name, e.g. ``configure(accept_pysnc_header=True)``."""
        return self.platform.configure(**changes)

    # -- base URLs ----------------------------------------------------------

    @property
    def base_urls(self) -> frozenset[str]:
        """Every base URL the instance is reachable at: ``base_url`` given when it was
        created, each started :meth:`intercept` and each running :meth:`serve`.

        With ``accept_token_url_aud``, ``<base>/oauth_token.do`` for each is an accepted
        ``aud`` (docs/platform.md §4 step 7). A reset keeps them: they are not state.
        """
        return self.platform.base_urls

    def add_base_url(self, url: str) -> None:
        """Count ``url`` as one of the instance's base URLs (transports call this when they start)."""
        self.platform.add_base_url(url)

    def remove_base_url(self, url: str) -> None:
        """Undo one :meth:`add_base_url` (transports call this when they stop)."""
        self.platform.remove_base_url(url)

    # -- state --------------------------------------------------------------

    def snapshot(self) -> InstanceState:
        """Copy the whole state (records, files, jtis, settings) for :meth:`restore`."""
        return self.platform.snapshot()

    def restore(self, state: InstanceState) -> None:
        """Return to a snapshot; the clock follows real time again; refusals, faults and requests are cleared."""
        self.platform.restore(state)

    def reset(self) -> None:
        """Return to the seeded state: admin user, empty tables, initial settings (a profile's included), real
        time. Tables registered with :meth:`register_table` stay registered, emptied."""
        self.platform.reset()

    # -- records from Python --------------------------------------------------

    def register_table(self, name: str, fields: Iterable[Field | str], *, parent: str | None = None,
                       display: str | None = None) -> None:
        """Add a table of your own, e.g. ``register_table("u_widget", ["u_name"])``."""
        self.platform.register_tables([user_table(name, fields, parent=parent, display=display)])

    def load_schema(self, path: str | Path) -> list[str]:
        """Load a schema file (``snjwt-mock schema pull`` writes one) on top of the tables there are.

        New tables are added, new columns of existing tables too, and choices (a pulled label
        replaces the mock's). Returns the tables added. :class:`SchemaError` when the file
        cannot be read or applied; nothing changes then.
        """
        schema = load_schema(path, known=self.store.has_table)
        try:
            return [t.name for t in self.platform.apply_schema(schema)]
        except ValueError as e:
            raise SchemaError(f"schema {path}: {e}") from e

    def load_demo_data(self) -> None:
        """Add the mock's demo records: users ``snjwt.demo.*``, two groups, departments, tasks.

        Generated and marked as the mock's own; no real instance has these records. Loading
        twice changes nothing. ``MockInstance(demo_data=True)`` loads them into the seeded state.
        """
        from .platform.demo_data import load_demo_data

        load_demo_data(self.store)

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
            warn = self.platform.query_warnings.for_query(table, "MockInstance.query")
            matched = select(self.store, table, resolver, parse(encoded_query), warn=warn).page
            return [public_view(self.store, r) for r in matched]

    def delete(self, table: str, sys_id: str) -> bool:
        """Delete a record (and its attachments); False when it does not exist."""
        return self.store.delete(table, sys_id)

    def attach(self, table: str, sys_id: str, file_name: str, content: bytes,
               content_type: str = "application/octet-stream") -> dict[str, str]:
        """Attach a file to a record, as the Attachment API does; :class:`RecordNotFound` when it does not exist."""
        with self.store.lock:
            parent = self.store.get(table, sys_id)
            if parent is None:
                raise RecordNotFound()
            record = attach(self.store, parent, file_name, content_type, content, actor=ADMIN_USER_NAME)
            return public_view(self.store, record)

    # -- OAuth -------------------------------------------------------------

    @property
    def refusals(self) -> list[RefusalRecord]:
        """Recent refusals (token endpoint and Bearer checks), oldest first, with reason code and sentence."""
        return self.platform.refusals.recent()

    def clear_refusals(self) -> None:
        """Forget the remembered refusals (their syslog rows stay)."""
        self.platform.refusals.clear()

    @property
    def warnings(self) -> list[QueryWarning]:
        """Query parts dropped because they could not apply (unknown field, operator...), oldest first.

        The platform drops them silently (docs/platform.md §2), so a query with a typo can match
        every row; each is also logged (logger ``mock_instance.query``). Cleared by :meth:`restore`.
        """
        return self.platform.query_warnings.recent()

    def clear_warnings(self) -> None:
        """Forget the remembered query warnings."""
        self.platform.query_warnings.clear()

    def generate_jwt(self, provider_sys_id: str, header: str | dict[str, Any] | None = None,
                     payload: str | dict[str, Any] | None = None) -> str:
        """``sn_auth.GlideJWTAPI().generateJWT(provider, header, payload)`` (docs/platform.md §6)."""
        return generate_jwt(self.platform, provider_sys_id, header, payload)

    # -- the request log (mock-only) ----------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        """Recent requests served (the last 500), oldest first: method, path, status, reason code, caller,
        time taken, and headers and bodies with every secret masked. ``str(record)`` is an access-log line."""
        return self.platform.requests.recent()

    def clear_requests(self) -> None:
        """Forget the logged requests."""
        self.platform.requests.clear()

    # -- faults (mock-only) ------------------------------------------------

    def inject_fault(self, kind: str, *, path: str | None = None, count: int | None = 1,
                     seconds: float | None = None, retry_after: int | None = None,
                     limit: int | None = None) -> Fault:
        """Arm a fault for the next ``count`` requests whose path matches the glob ``path`` (None: until cleared).

        ``kind``: ``rate_limited`` (the platform's 429; ``retry_after``, ``limit``),
        ``unavailable`` (503 maintenance page; ``retry_after``), ``token_refused``
        (the token endpoint's 401), ``delay`` (``seconds``), ``drop`` (no answer).
        E.g. ``inject_fault("rate_limited", path="/api/now/table/*", retry_after=0)``.
        """
        fault = make_fault(kind, path=path, count=count, seconds=seconds, retry_after=retry_after, limit=limit)
        return self.platform.faults.arm(fault)

    @property
    def faults(self) -> list[Fault]:
        """The faults still armed, first armed first."""
        return self.platform.faults.armed()

    @property
    def faults_served(self) -> list[FaultRecord]:
        """Recent faults served (kind, method, path, instance time), oldest first."""
        return self.platform.faults.served()

    def clear_faults(self) -> None:
        """Disarm every fault (:attr:`faults_served` keeps what was served)."""
        self.platform.faults.clear()

    @property
    def rate_limit_counts(self) -> dict[tuple[str, str], int]:
        """Requests counted per (rate-limit rule sys_id, user sys_id) in their current window (docs/platform.md
        §11.2: the rule's "Rate Limit Counts", readable from Python only)."""
        with self.store.lock:
            return {key: c.count for key, c in self.platform.rate_limit_counts.items()}

    @property
    def rate_limit_violations(self) -> list[tuple[str, str, float]]:
        """Requests refused with 429: (rule sys_id, user sys_id, instance time), oldest first."""
        with self.store.lock:
            return list(self.platform.rate_limit_violations)

    @property
    def errors(self) -> list[BaseException]:
        """Exceptions that escaped a request handler (each answered 500): always a mock bug."""
        return self.app.errors

    # -- transports ---------------------------------------------------------

    def intercept(self, base_url: str = "https://snjwt.test") -> Interception:
        """Serve ``base_url`` to ``requests`` and httpx in-process, without a socket (a context manager)."""
        return Interception(self, base_url)

    def serve(self, host: str = "127.0.0.1", port: int = 0, *, tls: bool = False) -> InstanceServer:
        """Serve over a real HTTP(S) server, started now (a context manager with ``.url``)."""
        return InstanceServer(self, host, port, tls=tls).start()
