"""No secret of the run in any pytest report: tracebacks, locals, diffs, captured output, warnings.

Masked reprs (``Secret``, ``AccessToken``...) cover values that stay wrapped.
They cannot cover what pytest and requests do with the clear values: ``-l``
prints ``password = '...'`` in ``admin_session``'s frame, urllib3's frame holds
``headers = {'Authorization': 'Basic <base64(user:password)>'}`` and the form
body with ``client_secret``, ``-vv`` diffs a token dict in full. So reports
are rewritten after pytest builds them, from two sources:

- a process-wide registry (:func:`register_secret`), fed by the plugin where a
  secret enters: the configuration (passwords, client secret, key file, the
  admin's Basic form) and every fixture value of a wider scope than a test's
  (the keystore, the session's chains);
- secrets found when a report is made, in the failing frames' locals and the
  test's fixture values (:func:`find_secrets`, in ``secret_search.py``): a
  token, an assertion, a posted form, a session's ``auth``. These scrub that
  one report and are not kept, so a long run does not hold every token it
  ever issued.

Each secret is registered in the forms output shows it in: as is, URL-encoded,
JSON- and repr-escaped, as bytes repr, base64. Output can show a secret cut
short (pytest shortens long reprs to ``'abc...xyz'``) or wrapped, so any
:data:`FRAGMENT` consecutive characters of a form are masked, not only the
whole. Forms shorter than that are masked whole.

What a report object cannot hold is out of reach: ``-s`` output, live logging
(``log_cli``), ``--log-file``, and secrets in test ids (``parametrize`` values).
``-p no:snjwt-scrub`` turns the scrubbing off (to debug a scrubbed report).

This module masks text; :mod:`.report_scrubber` applies it to pytest's reports.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

from mock_instance import Secret

#: What a masked secret reads as (the mask ``Secret`` prints).
MASK = str(Secret(""))

#: Consecutive characters of a secret that output may show: any run this long is masked.
FRAGMENT = 12
_HALF = FRAGMENT // 2
#: Shorter values are not registered: masking them would garble ordinary text for no protection.
MIN_SECRET = 4


class SecretRegistry:
    """Secret strings and the forms they appear in; :meth:`scrub` masks them in any text."""

    def __init__(self, *, known: SecretRegistry | None = None) -> None:
        self._lock = threading.Lock()
        self._known = known  # secrets already there are not added again (a per-report search skips the run's)
        self._values: set[str | bytes] = set()
        self._grams: set[str] = set()  # every FRAGMENT-long piece of every long form
        self._halves: set[str] = set()  # and every half-length piece: the scan's cheap first test
        self._whole: set[str] = set()  # forms shorter than FRAGMENT, masked whole
        self._pattern: re.Pattern[str] | None = None

    def add(self, value: str | bytes | Any) -> None:
        """Register a secret (str, bytes, or anything with ``reveal()``); None and short values are ignored."""
        raw = _raw(value)
        if raw is None or raw in self or (self._known is not None and raw in self._known):
            return
        forms = _forms(raw)
        with self._lock:
            self._values.add(raw)
            for form in forms:
                if len(form) < FRAGMENT:
                    if form not in self._whole:
                        self._whole.add(form)
                        self._pattern = None
                else:
                    self._grams.update(form[i:i + FRAGMENT] for i in range(len(form) - FRAGMENT + 1))
                    self._halves.update(form[i:i + _HALF] for i in range(len(form) - _HALF + 1))

    def add_basic(self, user: str, password: str | Any) -> None:
        """Register the password and its HTTP Basic form, ``base64(user:password)``."""
        clear = _clear(password)
        if clear is None or len(clear) < MIN_SECRET:
            return
        self.add(clear)
        self.add(base64.b64encode(f"{user}:{clear}".encode("latin1", "replace")).decode())

    def __bool__(self) -> bool:
        return bool(self._grams or self._whole)

    def __contains__(self, value: object) -> bool:
        return value in self._values

    def scrub(self, text: str) -> str:
        """``text`` with every registered secret, or run of :data:`FRAGMENT` characters of one, masked."""
        return _scrub_with((self,), text)

    def _whole_pattern(self) -> re.Pattern[str] | None:
        with self._lock:
            if self._pattern is None and self._whole:
                ordered = sorted(self._whole, key=len, reverse=True)  # the longest form first
                self._pattern = re.compile("|".join(re.escape(w) for w in ordered))
            return self._pattern

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._grams.clear()
            self._halves.clear()
            self._whole.clear()
            self._pattern = None


#: The process's registry: the plugin's secrets, shared by every report of the run.
REGISTRY = SecretRegistry()


def register_secret(value: str | bytes | Any) -> None:
    """Keep ``value`` (str, bytes or a ``Secret``) out of every pytest report of this process."""
    REGISTRY.add(value)


def register_basic_auth(user: str, password: str | Any) -> None:
    """Keep a password and its ``Authorization: Basic`` form out of every report."""
    REGISTRY.add_basic(user, password)


def register_config(config: Any) -> None:
    """Register the secrets of a :class:`~pytest_snjwt.config.SnjwtConfig`: passwords, the client
    secret, the Basic form of the admin credentials, and the key file's bytes."""
    for name in ("admin_password", "client_secret", "key_password"):
        register_secret(getattr(config, name, None))
    if getattr(config, "admin_user", None) and getattr(config, "admin_password", None):
        register_basic_auth(config.admin_user, config.admin_password)
    key_file = getattr(config, "key_file", None)
    if key_file:
        try:
            register_secret(Path(key_file).read_bytes())
        except OSError:
            pass  # config validation reports an unreadable file; nothing of it can leak


def scrub(text: str, extra: SecretRegistry | None = None) -> str:
    """``text`` with the registered secrets (and ``extra``'s) masked."""
    return _scrub_with((REGISTRY, extra) if extra else (REGISTRY,), text)


def _scrub_with(registries: tuple[SecretRegistry, ...], text: str) -> str:
    live = [r for r in registries if r]
    if not text or not live:
        return text
    grams = [r._grams for r in live if r._grams]
    if grams and len(text) >= FRAGMENT:
        text = _mask_runs(text, grams, [r._halves for r in live if r._grams])
    for registry in live:
        pattern = registry._whole_pattern()
        if pattern is not None:
            text = pattern.sub(MASK, text)
    return text


def _mask_runs(text: str, grams: list[set[str]], halves: list[set[str]]) -> str:
    # Any FRAGMENT-long window holds a half-length block starting at a multiple of _HALF, so
    # testing those blocks first looks at one position in _HALF; a hit is then checked window
    # by window. Several reports a test, each up to megabytes with --full-trace -l: it matters.
    n, starts, checked = len(text), [], -1
    for block in range(0, n - _HALF + 1, _HALF):
        piece = text[block:block + _HALF]
        if not any(piece in h for h in halves):
            continue
        for i in range(max(checked + 1, block - _HALF, 0), min(block, n - FRAGMENT) + 1):
            checked = i
            window = text[i:i + FRAGMENT]
            if any(window in g for g in grams):
                starts.append(i)
    if not starts:
        return text
    # Merge overlapping or touching windows into runs; each run becomes one MASK.
    runs: list[list[int]] = []
    for i in starts:
        if runs and i <= runs[-1][1]:
            runs[-1][1] = i + FRAGMENT
        else:
            runs.append([i, i + FRAGMENT])
    pieces, at = [], 0
    for start, end in runs:
        pieces += [text[at:start], MASK]
        at = end
    pieces.append(text[at:])
    return "".join(pieces)


def _clear(value: Any) -> str | None:
    if value is None:
        return None
    if callable(getattr(value, "reveal", None)):
        value = value.reveal()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value) if isinstance(value, str) else None


def _raw(value: Any) -> str | bytes | None:
    raw = value.reveal() if callable(getattr(value, "reveal", None)) else value
    # Plain str and bytes: a subclass's repr (AccessToken's, masked) is not a form of the value.
    if isinstance(raw, str):
        return str.__str__(raw)
    return bytes(raw) if isinstance(raw, bytes) else None


def _forms(raw: str | bytes) -> set[str]:
    forms: set[str] = set()
    if isinstance(raw, bytes):
        if len(raw) < MIN_SECRET:
            return forms
        forms.add(repr(raw)[2:-1])
        forms.add(base64.b64encode(raw).decode())
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            return forms
    if len(raw.strip()) < MIN_SECRET:
        return forms
    encoded = raw.encode("utf-8")
    forms |= {
        raw,
        quote_plus(raw), quote(raw, safe=""),  # form bodies and query strings
        json.dumps(raw)[1:-1], repr(raw)[1:-1], repr(encoded)[2:-1],  # JSON, str and bytes reprs
        base64.b64encode(encoded).decode(), base64.urlsafe_b64encode(encoded).decode().rstrip("="),
    }
    return forms
