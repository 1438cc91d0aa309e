"""The mock's behaviour switches: every platform behaviour docs/platform.md §9 lists.

Values are booleans, whole numbers and, where §9 says so, text (a time zone name) and recorded
replies (:class:`Reply`, also importable as ``RecordedReply``).

Each default is the one docs/platform.md names. Settings are per :class:`MockInstance`
(``MockInstance(settings=Settings(...))`` or ``instance.configure(...)``) and
available as ``snjwt-mock serve`` options (``--set name=value``).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .refusals import REASONS

MB = 1024 * 1024


@dataclass(frozen=True)
class Reply:
    """A recorded reply (docs/platform.md §9): a status, a ``Content-Type`` (None: none) and body bytes."""

    status: int
    content_type: str | None = None
    body: bytes = b""

    @classmethod
    def of(cls, value: Any) -> Reply:
        """A :class:`Reply`, or one from ``{"status": 400, "content_type": "...", "body": "..."}``."""
        if isinstance(value, Reply):
            return value
        if not isinstance(value, Mapping) or set(value) - {"status", "content_type", "body"}:
            raise TypeError(f"a reply is a Reply or a dict with status, content_type and body, not {value!r}")
        status, content_type, body = value.get("status"), value.get("content_type"), value.get("body", b"")
        if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
            raise TypeError(f"a reply's status is an HTTP status code, not {status!r}")
        if content_type is not None and not isinstance(content_type, str):
            raise TypeError(f"a reply's content_type is a string or None, not {content_type!r}")
        if not isinstance(body, str | bytes):
            raise TypeError(f"a reply's body is bytes or a string, not {type(body).__name__}")
        return cls(status, content_type, body.encode() if isinstance(body, str) else body)

    @classmethod
    def parse(cls, text: str) -> Reply:
        """Read the text form ``<status>,<content type>,<body>``; ValueError when it is not one."""
        status, sep, rest = text.partition(",")
        content_type, sep2, body = rest.partition(",")
        if not (sep and sep2 and status.strip().isdigit() and 100 <= int(status) <= 599 and content_type.strip()):
            raise ValueError(f"a recorded reply is <status>,<content type>,<body>, not {text[:80]!r}")
        return cls(int(status), content_type.strip(), body.encode("utf-8"))

    def text(self) -> str:
        """The text form :meth:`parse` reads (``--set``, the README)."""
        return f"{self.status},{self.content_type or ''},{self.body.decode('utf-8', 'replace')}"

    def __str__(self) -> str:
        if not self.body:
            return f"{self.status} empty"
        return f"{self.status} {self.content_type or ''} {len(self.body)} bytes"


#: The name the schema side and older code use for a recorded reply.
RecordedReply = Reply


class Replies(Mapping[str, Reply]):
    """Recorded replies by key (a reason code, or ``known``/``unknown``); read-only."""

    def __init__(self, replies: Mapping[str, Any]) -> None:
        self._replies = {str(key): Reply.of(value) for key, value in replies.items()}

    def __getitem__(self, key: str) -> Reply:
        return self._replies[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._replies)

    def __len__(self) -> int:
        return len(self._replies)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mapping) and dict(self._replies) == dict(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Replies({self._replies!r})"

    def __str__(self) -> str:
        return ", ".join(f"{key}={reply}" for key, reply in self._replies.items()) or "{}"


#: docs/platform.md §10.5 [CHOSEN]: 200 with an empty body, whether the token was known or not.
DEFAULT_REVOKE_RESPONSES = {"known": Reply(200), "unknown": Reply(200)}
#: docs/platform.md §12.8 [CHOSEN]: the front end's refusal of an over-long request line.
REQUEST_LINE_REFUSAL = Reply(414, "text/html", b"<html><body><h1>414 Request-URI Too Long</h1></body></html>")
#: The keys each mapping setting takes.
_REPLY_KEYS = {"revoke_responses": frozenset(DEFAULT_REVOKE_RESPONSES), "refusal_bodies": frozenset(REASONS)}


@dataclass(frozen=True)
class Settings:
    """Platform behaviours that are unknown or configurable, with their defaults."""

    #: §4 step 5: a kid-less assertion is accepted when the app has exactly one verifier map.
    accept_kidless_single_map: bool = True
    #: §4 step 7: ``aud`` may be a list that contains the client id.
    accept_aud_list: bool = True
    #: §4 step 7: the token endpoint URL is accepted as ``aud`` (a newer doc page says so).
    accept_token_url_aud: bool = False
    #: §4 step 12: ``sub`` is matched case-sensitively against the user field.
    user_lookup_case_sensitive: bool = True
    #: §4 step 12: several users matching ``sub`` is a refusal.
    refuse_duplicate_users: bool = True
    #: §4 step 12: "Granting JWT to admin is not allowed".
    refuse_admin_subjects: bool = True
    #: §8: accept PySNC's ``Authentication: Bearer <jwt>`` header in place of ``assertion``.
    accept_pysnc_header: bool = False
    #: §10.0: client id and secret as HTTP Basic for the password, refresh_token and
    #: authorization_code grants (PySNC's password flow and n8n send exactly this).
    accept_basic_client_auth: bool = True
    #: §10.0: the same for client_credentials.
    accept_basic_client_auth_client_credentials: bool = True
    #: §4, §10.0: the same for jwt-bearer (unknown; off, as before this revision).
    accept_basic_client_auth_jwt_bearer: bool = False
    #: §4 step 11: under JTI verification, an assertion without ``jti`` is accepted.
    accept_missing_jti: bool = True
    #: §4 step 9: ``iat`` is checked (not in the future beyond the skew).
    check_iat: bool = False
    #: §4 step 6: an inactive or expired certificate refuses the signature.
    refuse_inactive_or_expired_certificate: bool = True
    #: §4 step 6: HS* is allowed on a verifier map that also has a certificate.
    allow_hs_with_certificate: bool = False
    #: §10.1, §10.4: password and authorization_code return the live access and refresh
    #: tokens of the same app and user again, their expiry moved (KB0791140).
    reuse_live_access_token: bool = True
    #: §4: the same for jwt-bearer (unknown; off, as before this revision).
    reuse_live_access_token_jwt_bearer: bool = False
    #: §10.3: the same for client_credentials (unknown).
    reuse_live_access_token_client_credentials: bool = False
    #: §10.2: a refresh mints a new refresh token and expires the one sent.
    rotate_refresh_token: bool = False
    #: §10.2: a refresh expires the live access tokens of the same app and user.
    refresh_expires_previous_access_token: bool = False
    #: §10.1: the password grant refuses ``web_service_access_only`` users.
    ropc_refuse_web_service_only_users: bool = False
    #: §10.0: ``scope`` in a token reply is the app's mapped auth scopes, not ``useraccount``.
    token_scope_from_app_mapping: bool = False
    #: §10.4: an authorization code's lifespan, seconds, when the app's ``auth_code_lifespan`` is blank.
    auth_code_lifespan_default: int = 60
    #: §10.4: a repeated authorize returns the live unused code of the same app and user.
    authorize_returns_pending_code: bool = False
    #: §10.5: revoking an access token also expires the live refresh tokens of its app and user.
    revoke_expires_sibling_refresh_tokens: bool = False
    #: §10.5: the revoke endpoint's reply for a ``known`` and an ``unknown`` token.
    revoke_responses: Replies = field(default_factory=lambda: Replies(DEFAULT_REVOKE_RESPONSES))
    #: §4, §10: a recorded reply per reason code, replacing the spec's (the generic 401; the
    #: PKCE 401 of §10.4 for ``code_challenge_mismatch``). Empty: the spec's for every reason.
    refusal_bodies: Replies = field(default_factory=lambda: Replies({}))
    #: §2, §5: a bad, expired or revoked Bearer token gets ``WWW-Authenticate: Bearer realm=...``.
    www_authenticate_bearer_on_bad_token: bool = False
    #: §7: a PEM pasted unwrapped or on one line is accepted (with a syslog warning).
    accept_unwrapped_pem: bool = True
    #: §4: a public client's app is found by the unverified ``aud``.
    public_client_lookup_by_aud: bool = True
    #: §1: ``jwt_provider.expiry_interval`` default, seconds.
    expiry_interval_default: int = 3600
    #: §3: Attachment API upload limit, bytes (1024 MB [DOC]).
    upload_size_limit: int = 1024 * MB
    #: §2: REST body limit, bytes (10 MB [OBS]).
    rest_body_limit: int = 10 * MB
    #: §4 step 11 / §5: how often (instance-clock seconds) expired credentials and
    #: remembered jtis are cleaned, as the platform's cleanup job does.
    cleanup_interval: int = 3600
    #: §12.2: the instance's own time zone (IANA name), for display values when neither the
    #: caller's ``time_zone`` nor the ``glide.sys.default.tz`` property is set.
    system_time_zone: str = "America/Los_Angeles"
    #: §12.6: a client-supplied sys_id must be 32 lowercase hex characters (else any 32 letters or digits).
    strict_custom_sys_id: bool = False
    #: §12.7: an attachment upload's ``Location`` keeps the request's ``/v1/`` segment.
    attachment_location_keeps_version: bool = True
    #: §12.8: the longest request line (method, target, version) served, bytes.
    request_line_limit: int = 16384
    #: §12.8: the reply to a longer request line, before authentication.
    request_line_refusal: Reply = REQUEST_LINE_REFUSAL

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes``; unknown names and wrong types are refused."""
        return dataclasses.replace(self, **_checked(changes))

    @classmethod
    def names(cls) -> list[str]:
        """Every setting's name."""
        return [f.name for f in dataclasses.fields(cls)]


def _checked(changes: dict[str, Any]) -> dict[str, Any]:
    types = _types()
    out: dict[str, Any] = {}
    for name, value in changes.items():
        if name not in types:
            raise ValueError(f"unknown setting {name!r}; known: {', '.join(sorted(types))}")
        if name in _REPLY_KEYS:
            out[name] = _replies(name, value)
            continue
        expected = types[name]
        if expected == "int" and (isinstance(value, bool) or not isinstance(value, int)):
            raise TypeError(f"setting {name!r} takes a whole number, not {value!r}")
        if expected == "bool" and not isinstance(value, bool):
            raise TypeError(f"setting {name!r} takes True or False, not {value!r}")
        if expected == "str":
            if not isinstance(value, str):
                raise TypeError(f"setting {name!r} takes a string, not {value!r}")
            _CHECKS.get(name, lambda _v: None)(value)
        if expected == "Reply" and not isinstance(value, Reply):
            raise TypeError(f"setting {name!r} takes a Reply (RecordedReply) of status, content_type and body, "
                            f"not {value!r}")
        out[name] = value
    return out


def _types() -> dict[str, str]:
    # Annotations are strings here (from __future__ import annotations): "bool", "int", "str", "Reply".
    return {f.name: f.type if isinstance(f.type, str) else f.type.__name__ for f in dataclasses.fields(Settings)}


def _check_zone(value: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # only when a zone is set: its import costs start-up

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"setting 'system_time_zone' takes an IANA time zone name, not {value!r}") from None


#: Settings whose text has a form to check.
_CHECKS = {"system_time_zone": _check_zone}


def _replies(name: str, value: Any) -> Replies:
    if not isinstance(value, Mapping):
        raise TypeError(f"setting {name!r} takes a mapping of replies, not {value!r}")
    unknown = sorted(set(value) - _REPLY_KEYS[name])
    if unknown:
        raise ValueError(f"setting {name!r}: unknown key(s) {unknown}")
    if name == "revoke_responses":
        value = {**DEFAULT_REVOKE_RESPONSES, **value}
    return Replies(value)


def setting_text(value: Any) -> str:
    """A setting's value as the command line and the README write it (``true``, ``3600``, a zone, a reply)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Reply):
        return value.text()
    return str(value)


def parse_setting(text: str) -> tuple[str, bool | int | str | Reply | Replies]:
    """Parse ``name=value`` from the command line: ``true``/``false``/``on``/``off``, an integer, text,
    a reply ``<status>,<content type>,<body>``, or a JSON object of replies for ``revoke_responses``
    and ``refusal_bodies``."""
    name, sep, raw = text.partition("=")
    name = name.strip().replace("-", "_")
    if not sep:
        raise ValueError(f"expected name=value, got {text!r}")
    types = _types()
    if name not in types:
        raise ValueError(f"unknown setting {name!r}; known: {', '.join(sorted(types))}")
    if name in _REPLY_KEYS:
        try:
            return name, _replies(name, json.loads(raw))
        except (ValueError, TypeError) as e:
            raise ValueError(f"setting {name!r} takes a JSON object of replies: {e}") from None
    if types[name] == "Reply":
        try:
            return name, Reply.parse(raw)
        except ValueError as e:
            raise ValueError(f"setting {name!r}: {e}") from None
    if types[name] == "str":
        value = raw.strip()
        _CHECKS.get(name, lambda _v: None)(value)
        return name, value
    raw = raw.strip().lower()
    if types[name] == "bool":
        if raw in ("1", "true", "yes", "on"):
            return name, True
        if raw in ("0", "false", "no", "off"):
            return name, False
        raise ValueError(f"setting {name!r} takes true or false, not {raw!r}")
    try:
        return name, int(raw)
    except ValueError:
        raise ValueError(f"setting {name!r} takes a whole number, not {raw!r}") from None
