"""A durable list of the records a run created on an instance, so none outlives a crash unseen.

The provisioner deletes what it made at the end of a run; a run that dies
first (SIGKILL, a CI job cancelled, a power cut) never gets there. The ledger
is written *before* the create call returns to its caller, one JSON line per
record, flushed and fsynced, in a per-user state folder, so a later cleanup
command finds every record of every earlier run (:meth:`Ledger.leftovers`).

The file is append-only: a delete is written as a second line rather than by
rewriting the file, so an interrupted write can only ever tear the last line,
and a torn line is skipped on reading. It holds table names, sys_ids, the run's
prefix, the instance URL (without any user name or password) and times: never
a secret. Stdlib only, no pytest.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import sys
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

#: Environment variables that choose the folder, most specific first.
STATE_DIR_VARIABLE = "SNJWT_STATE_DIR"
SUFFIX = ".jsonl"

# A table name goes into a URL path later (the cleanup deletes by it): letters, digits, underscores.
_TABLE = re.compile(r"[a-z0-9_]{1,80}")
# docs/platform.md §1: a sys_id is 32 characters. Holding the ledger to that shape also keeps a
# token or secret passed by mistake out of the file.
_SYS_ID = re.compile(r"[0-9A-Za-z]{32}")
# The prefix names the file: no separators, no dot-dot.
_RUN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")

_CREATED, _DELETED = "created", "deleted"
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class LedgerEntry:
    """One record a run created and has not yet deleted."""

    table: str
    sys_id: str
    run: str
    instance: str
    created_at: str


def default_folder(environ: Mapping[str, str] | None = None) -> Path:
    """The per-user state folder: ``$SNJWT_STATE_DIR``, else ``$XDG_STATE_HOME/snjwt``, else
    ``~/.local/state/snjwt`` (Windows: ``%LOCALAPPDATA%\\snjwt``).

    Not pytest's cache folder: ``-p no:cacheprovider`` turns that off and
    ``--cache-clear`` empties it, and either would lose the list of records to delete.
    """
    env = os.environ if environ is None else environ
    if env.get(STATE_DIR_VARIABLE):
        return Path(env[STATE_DIR_VARIABLE])
    if env.get("XDG_STATE_HOME"):
        return Path(env["XDG_STATE_HOME"]) / "snjwt"
    if sys.platform == "win32" and env.get("LOCALAPPDATA"):
        return Path(env["LOCALAPPDATA"]) / "snjwt"
    return Path.home() / ".local" / "state" / "snjwt"


def instance_key(instance_url: str) -> str:
    """The instance URL as the ledger stores it: scheme, host, port and path, no credentials or query."""
    parts = urlsplit(instance_url.strip())
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port if parts.port != _DEFAULT_PORTS.get(scheme) else None  # one instance, one key
    netloc = f"{host}:{port}" if port else host
    return urlunsplit((scheme, netloc, parts.path.rstrip("/"), "", ""))


class Ledger:
    """The records one run created on one instance, kept in ``<folder>/<run prefix>.jsonl``.

    >>> ledger = Ledger.open("https://dev12345.service-now.com", "snjwt-1a2b3c-")  # doctest: +SKIP
    >>> ledger.record("oauth_jwt", record["sys_id"])  # right after the create call  # doctest: +SKIP
    >>> ledger.forget("oauth_jwt", record["sys_id"])  # after a delete succeeded (or found it gone)  # doctest: +SKIP
    """

    def __init__(self, path: Path, instance_url: str, run_prefix: str) -> None:
        self.path = path
        self.instance = instance_key(instance_url)
        self.run = run_prefix
        self._lock = threading.Lock()

    @classmethod
    def open(cls, instance_url: str, run_prefix: str, folder: Path | str | None = None) -> Ledger:
        """The ledger of run ``run_prefix`` (the folder is made, private to the user, when missing).

        Opening an existing run's file continues it: that is how a cleanup command
        forgets the records of an earlier run as it deletes them.
        """
        if not _RUN.fullmatch(run_prefix):
            raise ValueError(f"a run prefix names a file: letters, digits, '.', '_' and '-' only, not {run_prefix!r}")
        if not instance_key(instance_url).startswith(("http://", "https://")):
            raise ValueError(f"not an instance URL: {instance_url!r}")
        base = Path(folder) if folder is not None else default_folder()
        base.mkdir(mode=0o700, parents=True, exist_ok=True)
        return cls(base / f"{run_prefix}{SUFFIX}", instance_url, run_prefix)

    def record(self, table: str, sys_id: str) -> LedgerEntry:
        """Write down one created record; on return the line is on disk (flushed and fsynced)."""
        if not _TABLE.fullmatch(table):
            raise ValueError(f"not a table name: {table!r}")
        if not _SYS_ID.fullmatch(sys_id):
            raise ValueError(f"not a sys_id (32 letters and digits): {sys_id[:40]!r}")
        entry = LedgerEntry(table, sys_id, self.run, self.instance, _now())
        self._append({"op": _CREATED, "table": table, "sys_id": sys_id, "run": self.run,
                      "instance": self.instance, "created_at": entry.created_at})
        return entry

    def forget(self, table: str, sys_id: str) -> None:
        """Strike a record off (deleted, or found already gone); the file goes once nothing is left."""
        with self._lock:
            if not self.path.exists():
                return
            self._append_locked({"op": _DELETED, "table": table, "sys_id": sys_id, "at": _now()})
            if not list(_outstanding(self.path)):
                self.path.unlink(missing_ok=True)

    def entries(self) -> list[LedgerEntry]:
        """This run's records not yet forgotten, oldest first (delete them newest first)."""
        with self._lock:
            return list(_outstanding(self.path))

    @staticmethod
    def leftovers(folder: Path | str | None = None, instance: str | None = None) -> list[LedgerEntry]:
        """Every outstanding record of every run in ``folder``, optionally of one instance only.

        Grouped by run, each run's oldest first. A run still in progress (another
        terminal, a CI job sharing the folder) is listed too: a cleanup command
        should leave runs it does not own alone, for example by asking first.
        """
        base = Path(folder) if folder is not None else default_folder()
        wanted = instance_key(instance) if instance is not None else None
        found: list[LedgerEntry] = []
        for path in sorted(base.glob(f"*{SUFFIX}")) if base.is_dir() else ():
            found += [e for e in _outstanding(path) if wanted is None or e.instance == wanted]
        return found

    def _append(self, line: dict[str, str]) -> None:
        with self._lock:
            self._append_locked(line)

    def _append_locked(self, line: dict[str, str]) -> None:
        data = (json.dumps(line, separators=(",", ":")) + "\n").encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o600)
        try:
            new = os.fstat(fd).st_size == 0
            if not new and not _ends_with_newline(self.path):
                # A run killed mid-write left a torn last line: end it, so this line stays whole.
                data = b"\n" + data
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        if new:
            _fsync_folder(self.path.parent)

    def __repr__(self) -> str:
        return f"<Ledger {self.run} on {self.instance} at {self.path}>"


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as f:
        f.seek(-1, os.SEEK_END)
        return f.read(1) == b"\n"


def _fsync_folder(folder: Path) -> None:
    # The new file's name must survive a power cut too; Windows cannot open a folder for this.
    if sys.platform == "win32":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _lines(path: Path) -> Iterator[dict[str, str]]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return
    for text in raw.split(b"\n"):
        try:
            line = json.loads(text)
        except ValueError:
            continue  # a torn line (the writer was killed mid-write) or an empty one
        if isinstance(line, dict) and all(isinstance(v, str) for v in line.values()):
            yield line


def _outstanding(path: Path) -> Iterator[LedgerEntry]:
    created: dict[tuple[str, str], LedgerEntry] = {}
    for line in _lines(path):
        key = (line.get("table", ""), line.get("sys_id", ""))
        if line.get("op") == _CREATED and _TABLE.fullmatch(key[0]) and _SYS_ID.fullmatch(key[1]):
            created[key] = LedgerEntry(key[0], key[1], line.get("run", ""), line.get("instance", ""),
                                       line.get("created_at", ""))
        elif line.get("op") == _DELETED:
            created.pop(key, None)
    yield from created.values()
