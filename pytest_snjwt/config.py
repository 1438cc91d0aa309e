"""Options, ini keys and environment variables -> one settings object; testable alone.

Command line beats environment beats ini. Secrets (passwords, the client
secret) come from the environment only: ini files get committed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mock_instance import Secret

DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 30.0
#: The default mock instance URL: a reserved .test host (RFC 2606), so nothing can reach a real instance.
DEFAULT_MOCK_URL = "https://snjwt.test"

MOCK, LIVE_PROVISION, LIVE_CHAIN = "mock", "live (provisioning with admin credentials)", "live (pre-provisioned chain)"

#: setting -> (environment variable, ini key or None for secrets, help).
SOURCES: dict[str, tuple[str, str | None, str]] = {
    "live": ("SNJWT_LIVE", "snjwt_live", "run against a real instance instead of the mock"),
    "instance": ("SNJWT_INSTANCE", "snjwt_instance", "the instance base URL (live), or the mock's URL"),
    "admin_user": ("SNJWT_ADMIN_USER", "snjwt_admin_user", "admin user name for provisioning (live)"),
    "admin_password": ("SNJWT_ADMIN_PASSWORD", None, "admin password for provisioning (live; environment only)"),
    "client_id": ("SNJWT_CLIENT_ID", "snjwt_client_id", "pre-provisioned chain: the app's client id"),
    "client_secret": ("SNJWT_CLIENT_SECRET", None, "pre-provisioned chain: the client secret (environment only)"),
    "key_file": ("SNJWT_KEY_FILE", "snjwt_key_file", "pre-provisioned chain: PEM private key, PKCS12 or JKS"),
    "key_password": ("SNJWT_KEY_PASSWORD", None, "pre-provisioned chain: key/keystore password (environment only)"),
    "key_alias": ("SNJWT_KEY_ALIAS", "snjwt_key_alias", "pre-provisioned chain: the keystore alias"),
    "kid": ("SNJWT_KID", "snjwt_kid", "pre-provisioned chain: the verifier map's kid"),
    "user": ("SNJWT_USER", "snjwt_user", "pre-provisioned chain: the sub value (by the app's User field)"),
    "connect_timeout": ("SNJWT_CONNECT_TIMEOUT", "snjwt_connect_timeout",
                        f"live: seconds to wait for a connection (default {DEFAULT_CONNECT_TIMEOUT:g})"),
    "read_timeout": ("SNJWT_READ_TIMEOUT", "snjwt_read_timeout",
                     f"live: seconds to wait for an answer (default {DEFAULT_READ_TIMEOUT:g})"),
    "schema": ("SNJWT_SCHEMA", "snjwt_schema",
               "the mock: a schema file (snjwt-mock schema pull) loaded on top of the out-of-box tables"),
    "demo_data": ("SNJWT_DEMO_DATA", "snjwt_demo_data", "the mock: add its demo records (users, groups, tasks)"),
}
#: Live requests never wait forever (a hung instance fails the run instead of hanging it).
TIMEOUT_SOURCES = ("connect_timeout", "read_timeout")
#: Variables that only mean something live: set without --snjwt-live, they earn a warning.
LIVE_ONLY = ("admin_user", "admin_password", "client_id", "client_secret", "key_file", "key_password")
CHAIN_REQUIRED = ("client_id", "client_secret", "key_file", "user")


class ConfigError(Exception):
    """Missing or contradictory settings; the message names every problem."""


@dataclass(frozen=True)
class SnjwtConfig:
    """What the plugin runs against, and with which credentials. Secrets are masked."""

    live: bool = False
    instance: str = DEFAULT_MOCK_URL
    admin_user: str | None = None
    admin_password: Secret | None = field(default=None, repr=False)
    client_id: str | None = None
    client_secret: Secret | None = field(default=None, repr=False)
    key_file: str | None = None
    key_password: Secret | None = field(default=None, repr=False)
    key_alias: str | None = None
    kid: str | None = None
    user: str | None = None
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    read_timeout: float = DEFAULT_READ_TIMEOUT
    #: Settings for every mock instance of the run (a profile's, then ``snjwt_mock_settings``, then
    #: ``--snjwt-set``, each winning over the one before); ignored live.
    mock_settings: tuple[tuple[str, Any], ...] = ()
    #: The settings profile loaded (``--snjwt-profile``, ``snjwt_mock_profile``), described for the header.
    mock_profile: str | None = None
    #: Live-only variables found in the environment (named in a warning when the run is not live).
    stray_live_variables: tuple[str, ...] = ()

    @property
    def timeout(self) -> tuple[float, float]:
        """``(connect, read)`` seconds, as requests takes them."""
        return self.connect_timeout, self.read_timeout
    schema: str | None = None
    demo_data: bool = False

    @property
    def mode(self) -> str:
        if not self.live:
            return MOCK
        return LIVE_PROVISION if self.admin_user else LIVE_CHAIN

    @property
    def provisions(self) -> bool:
        """Whether the plugin creates (and deletes) the chain itself."""
        return self.mode != LIVE_CHAIN

    def header(self) -> str:
        """The run's header line."""
        extras: list[str] = []
        if not self.live:  # what the mock was given beyond its defaults
            extras += [f"settings profile {self.mock_profile}"] if self.mock_profile else []
            extras += [f"schema {self.schema}"] if self.schema else []
            extras += ["demo data"] if self.demo_data else []
        line = f"snjwt: {self.mode} at {self.instance}" + (f" ({', '.join(extras)})" if extras else "")
        if self.live and self.mock_settings:
            line += f" (mock settings ignored live: {', '.join(name for name, _ in self.mock_settings)})"
        return line

    def warnings(self) -> list[str]:
        """What a person should see even under ``-q``: a run that is quietly not what they meant."""
        if self.live or not self.stray_live_variables:
            return []
        return [f"snjwt: {', '.join(self.stray_live_variables)} set, but the run is against the mock "
                "(add --snjwt-live to use the instance)"]


def _truthy(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("", "0", "false", "no", "off"):
        return False
    raise ConfigError(f"expected true or false, got {value!r}")


def resolve(options: Mapping[str, Any], environ: Mapping[str, str], ini: Mapping[str, Any]) -> SnjwtConfig:
    """Merge the three sources (options > environment > ini) and validate.

    ``options`` holds command-line values (None when not given), ``ini`` the
    ini values (empty when not set). Raises :class:`ConfigError` naming every
    missing or contradictory setting at once.
    """
    values: dict[str, Any] = {}
    for name, (env, ini_key, _) in SOURCES.items():
        value = options.get(name)
        if value in (None, False, ""):
            value = environ.get(env) or None
            if value is None and ini_key is not None:
                value = ini.get(ini_key) or None
        values[name] = value
    problems: list[str] = []
    flags = {}
    for name in ("live", "demo_data"):
        flag = values[name]
        try:
            flags[name] = flag if isinstance(flag, bool) else _truthy(str(flag or ""))
        except ConfigError as e:
            problems.append(f"{SOURCES[name][1]} / {SOURCES[name][0]}: {e}")
            flags[name] = False
    live = flags["live"]
    if options.get("mock"):
        live = False  # --snjwt-mock beats snjwt_live in an ini file and SNJWT_LIVE
    timeouts = {}
    for name in TIMEOUT_SOURCES:
        env, ini_key, _ = SOURCES[name]
        raw = values[name]
        try:
            timeouts[name] = float(raw) if raw is not None else getattr(SnjwtConfig, name)
            if not timeouts[name] > 0:
                raise ValueError
        except ValueError:
            problems.append(f"{env} / {ini_key} must be a number of seconds above 0, not {raw!r}")
            timeouts[name] = getattr(SnjwtConfig, name)
    profile_path = options.get("profile") or ini.get("snjwt_mock_profile") or None
    profile = _profile(profile_path, problems) if profile_path else None
    explicit = _mock_settings([*_lines(ini.get("snjwt_mock_settings")), *(options.get("settings") or ())], problems)
    mock_settings = tuple({**(profile.settings if profile else {}), **dict(explicit)}.items())
    stray = tuple(SOURCES[name][0] for name in LIVE_ONLY if environ.get(SOURCES[name][0]))
    instance = (values["instance"] or "").strip().rstrip("/")
    config = SnjwtConfig(
        live=live,
        instance=instance or DEFAULT_MOCK_URL,
        admin_user=values["admin_user"],
        admin_password=Secret(values["admin_password"]) if values["admin_password"] else None,
        client_id=values["client_id"],
        client_secret=Secret(values["client_secret"]) if values["client_secret"] else None,
        key_file=values["key_file"],
        key_password=Secret(values["key_password"]) if values["key_password"] else None,
        key_alias=values["key_alias"],
        kid=values["kid"],
        user=values["user"],
        mock_settings=mock_settings,
        mock_profile=f"{profile_path}: {profile.describe()}" if profile else None,
        stray_live_variables=stray,
        **timeouts,
        schema=values["schema"],
        demo_data=flags["demo_data"],
    )
    if not instance.startswith(("http://", "https://")) and instance:
        problems.append(f"--snjwt-instance / SNJWT_INSTANCE must be an http(s) URL, not {instance!r}")
    if live:
        problems += _live_problems(config, bool(instance))
    elif config.schema and not Path(config.schema).is_file():
        problems.append(f"snjwt_schema / SNJWT_SCHEMA {config.schema!r} is not a readable file")
    if problems:
        raise ConfigError("pytest-snjwt cannot start: " + "; ".join(problems))
    return config


def _live_problems(config: SnjwtConfig, has_instance: bool) -> list[str]:
    problems = []
    if not has_instance:
        problems.append("--snjwt-live needs the instance URL (--snjwt-instance or SNJWT_INSTANCE)")
    else:
        from mock_instance.client import UnsafeRequestError, check_url  # live runs only: keeps mock start-up light

        try:
            check_url(config.instance)
        except UnsafeRequestError as e:
            problems.append(f"SNJWT_INSTANCE: {e}")
    if bool(config.admin_user) != bool(config.admin_password):
        given, missing = (("SNJWT_ADMIN_USER", "SNJWT_ADMIN_PASSWORD") if config.admin_user
                          else ("SNJWT_ADMIN_PASSWORD", "SNJWT_ADMIN_USER"))
        problems.append(f"{given} is set but {missing} is missing")
    if config.admin_user:
        return problems  # admin credentials win over a pre-provisioned chain
    missing = [SOURCES[name][0] for name in CHAIN_REQUIRED if not getattr(config, name)]
    if missing:
        problems.append("give admin credentials (SNJWT_ADMIN_USER, SNJWT_ADMIN_PASSWORD) or a pre-provisioned "
                        f"chain; missing: {', '.join(missing)}")
    elif config.key_file and not Path(config.key_file).is_file():
        problems.append(f"SNJWT_KEY_FILE {config.key_file!r} is not a readable file")
    return problems


def _lines(value: Any) -> list[str]:
    if not value:
        return []
    items = value if isinstance(value, list) else str(value).splitlines()
    return [line.strip() for line in items if line.strip() and not line.strip().startswith("#")]


def _mock_settings(assignments: Iterable[str], problems: list[str]) -> tuple[tuple[str, Any], ...]:
    """``NAME=VALUE`` assignments checked against the mock's settings (docs/platform.md §9)."""
    from mock_instance import parse_setting

    parsed: dict[str, Any] = {}
    for text in assignments:
        try:
            name, value = parse_setting(text)
        except ValueError as e:
            problems.append(f"--snjwt-set / snjwt_mock_settings {text!r}: {e}")
            continue
        parsed[name] = value
    return tuple(parsed.items())


def _profile(path: str, problems: list[str]) -> Any:
    """The settings profile at ``path`` (``snjwt-mock probe --write-profile``), or None after naming the problem."""
    from mock_instance import ProfileError, read_profile  # only when a profile is set: keeps start-up light

    try:
        return read_profile(path)
    except ProfileError as e:
        problems.append(f"--snjwt-profile / snjwt_mock_profile: {e}")
        return None


def from_pytest(config: Any) -> SnjwtConfig:
    """Resolve from a pytest ``Config``: its options, ``os.environ`` and its ini values.

    A relative ``snjwt_mock_profile`` is relative to the ini file's folder.
    """
    options = {"live": config.getoption("snjwt_live"), "instance": config.getoption("snjwt_instance"),
               "mock": config.getoption("snjwt_mock"), "settings": config.getoption("snjwt_settings"),
               "profile": config.getoption("snjwt_profile")}
    ini = {key: config.getini(key) for _, key, _ in SOURCES.values() if key is not None}
    ini["snjwt_mock_settings"] = config.getini("snjwt_mock_settings")
    profile = config.getini("snjwt_mock_profile")
    if profile:
        base = Path(config.inipath).parent if config.inipath else Path(config.rootpath)
        ini["snjwt_mock_profile"] = str(base / profile)
    if ini.get("snjwt_schema") and config.inipath is not None:
        ini["snjwt_schema"] = str(config.inipath.parent / ini["snjwt_schema"])  # relative to the ini file
    return resolve(options, os.environ, ini)
