"""The mock's behaviour switches: every platform behaviour docs/platform.md §9 lists.

Values are booleans, whole numbers and, where §9 says so, text (a time zone name) and recorded
replies (:class:`RecordedReply`).

Each default is the one docs/platform.md names. Settings are per :class:`MockInstance`
(``MockInstance(settings=Settings(...))`` or ``instance.configure(...)``) and
available as ``snjwt-mock serve`` options (``--set name=value``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, NamedTuple

MB = 1024 * 1024


class RecordedReply(NamedTuple):
    """A reply recorded from a real instance (docs/platform.md §9): status, ``Content-Type`` and body bytes.

    Its text form, for ``--set`` and the README, is ``<status>,<content type>,<body>``.
    """

    status: int
    content_type: str
    body: bytes

    def __str__(self) -> str:
        return f"{self.status},{self.content_type},{self.body.decode('utf-8', 'replace')}"

    @classmethod
    def parse(cls, text: str) -> RecordedReply:
        """Read the text form; ValueError when it is not one."""
        status, sep, rest = text.partition(",")
        content_type, sep2, body = rest.partition(",")
        if not (sep and sep2 and status.strip().isdigit() and 100 <= int(status) <= 599 and content_type.strip()):
            raise ValueError(f"a recorded reply is <status>,<content type>,<body>, not {text[:80]!r}")
        return cls(int(status), content_type.strip(), body.encode("utf-8"))


#: docs/platform.md §12.8 [CHOSEN]: the front end's refusal of an over-long request line.
REQUEST_LINE_REFUSAL = RecordedReply(414, "text/html", b"<html><body><h1>414 Request-URI Too Long</h1></body></html>")


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
    #: §8: accept client id and secret as HTTP Basic (requests-oauthlib's default).
    accept_basic_client_auth: bool = False
    #: §4 step 11: under JTI verification, an assertion without ``jti`` is accepted.
    accept_missing_jti: bool = True
    #: §4 step 9: ``iat`` is checked (not in the future beyond the skew).
    check_iat: bool = False
    #: §4 step 6: an inactive or expired certificate refuses the signature.
    refuse_inactive_or_expired_certificate: bool = True
    #: §4 step 6: HS* is allowed on a verifier map that also has a certificate.
    allow_hs_with_certificate: bool = False
    #: §4: a still-valid access token for the same app and user is returned again.
    reuse_live_access_token: bool = False
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
    #: §2, §5: a bad, expired or revoked Bearer token is challenged ``Bearer realm="Service-now"``
    #: (else ``Basic``, as every other Table API 401).
    www_authenticate_bearer_on_bad_token: bool = False
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
    request_line_refusal: RecordedReply = REQUEST_LINE_REFUSAL

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
        expected = types[name]
        if expected == "int" and (isinstance(value, bool) or not isinstance(value, int)):
            raise TypeError(f"setting {name!r} takes a whole number, not {value!r}")
        if expected == "bool" and not isinstance(value, bool):
            raise TypeError(f"setting {name!r} takes True or False, not {value!r}")
        if expected == "str":
            if not isinstance(value, str):
                raise TypeError(f"setting {name!r} takes a string, not {value!r}")
            _CHECKS.get(name, lambda _v: None)(value)
        if expected == "RecordedReply" and not isinstance(value, RecordedReply):
            raise TypeError(f"setting {name!r} takes a RecordedReply(status, content_type, body), not {value!r}")
        out[name] = value
    return out


def _types() -> dict[str, str]:
    # Annotations are strings here (from __future__ import annotations): "bool", "int", "str".
    return {f.name: f.type if isinstance(f.type, str) else f.type.__name__ for f in dataclasses.fields(Settings)}


def _check_zone(value: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # only when a zone is set: its import costs start-up

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"setting 'system_time_zone' takes an IANA time zone name, not {value!r}") from None


#: Settings whose text has a form to check.
_CHECKS = {"system_time_zone": _check_zone}


def setting_text(value: Any) -> str:
    """A setting's value as the command line and the README write it (``true``, ``3600``, a zone name)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse_setting(text: str) -> tuple[str, bool | int | str | RecordedReply]:
    """Parse ``name=value`` from the command line (``true``/``false``/``on``/``off``, an integer, text, a reply)."""
    name, sep, raw = text.partition("=")
    name = name.strip().replace("-", "_")
    if not sep:
        raise ValueError(f"expected name=value, got {text!r}")
    types = _types()
    if name not in types:
        raise ValueError(f"unknown setting {name!r}; known: {', '.join(sorted(types))}")
    if types[name] == "RecordedReply":
        try:
            return name, RecordedReply.parse(raw)
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
