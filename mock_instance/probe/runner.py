"""Run the probes of docs/platform.md §13 against a live instance, with live mode's safety rules.

- The same preflight as ``--snjwt-live``; sessions pinned to the instance, with
  timeouts and no retries.
- Chains J and P are provisioned by the one provisioner under a run prefix
  (``snjwt-<hex>-``), every record written to a ledger as soon as it exists, and
  everything deleted at the end, also after an error or Ctrl-C; what could not
  be deleted is named with the command that removes it.
- A probe changes only records of this run, and puts them back before the next
  one; probes that change what the whole instance sees run only when asked.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Callable, Mapping
from typing import Any

import requests

from ..client import (
    Ledger,
    PreflightError,
    Provisioner,
    ProvisioningError,
    Secret,
    TableClient,
    UnsafeRequestError,
    admin_session,
    check_url,
    make_keystore,
    preflight,
    token_session,
)
from ..client.http import CONNECT_TIMEOUT, READ_TIMEOUT
from . import breadth, jwt_bearer, opt_in, records, refusals, user_grants  # noqa: F401  (they register probes)
from .compare import same
from .context import ProbeContext, RestoreFailed
from .outcome import DIFFERS, MATCH, SKIPPED, SKIPS, UNDECIDED, NotShown, Outcome, Undecided
from .registry import PROBES, ProbeSpec
from .report import Report

CLEANUP_COMMAND = "snjwt-mock cleanup --instance {url}"
#: The report's order: the chains' probes, the grants', the refusals', the read-backs'; opt-in ones last, so that
#: ``refusal_bodies[client_credentials_disabled]`` sees the instance before client credentials are switched on,
#: and the instance-wide change lasts as briefly as it can before the teardown.
GROUPS = ("jwt_bearer", "user_grants", "refusals", "records", "breadth", "opt_in")
#: Properties that name the instance's release, best first (an admin can read them).
RELEASE_PROPERTIES = ("glide.buildtag", "glide.war")
_MISSING = object()


class ProbeError(Exception):
    """The probe could not run (exit status 2); ``left`` names records the teardown could not delete."""

    def __init__(self, message: str, left: list[str] | None = None) -> None:
        super().__init__(message)
        self.left = left or []


def run_probes(url: str, user: str, password: Secret | str, *, mock: Mapping[str, Any], instance_wide: bool = False,
               gap: float = 1.0, state_dir: str | None = None, connect_timeout: float = CONNECT_TIMEOUT,
               read_timeout: float = READ_TIMEOUT, progress: Callable[[str], None] | None = None) -> Report:
    """Probe the instance at ``url`` as the admin ``user``; compare with ``mock`` (the mock's settings in the
    profile's JSON form, ``mock_instance.platform.profile.settings_document``). Raises :class:`ProbeError`."""
    url = url.rstrip("/")
    try:
        check_url(url)
        admin = admin_session(url, user, password, connect_timeout=connect_timeout, read_timeout=read_timeout)
    except UnsafeRequestError as e:
        raise ProbeError(str(e)) from None
    with admin, token_session(url, connect_timeout=connect_timeout, read_timeout=read_timeout) as http:
        try:
            preflight(admin, url, user=user)
        except PreflightError as e:
            raise ProbeError(str(e)) from None
        client = TableClient(admin, url)
        prefix = f"snjwt-{secrets.token_hex(3)}-"
        ledger = Ledger.open(url, prefix.rstrip("-"), state_dir)
        keystore = make_keystore()
        provisioner = Provisioner(client, prefix, lambda _algorithm: keystore, log=ledger)
        context = ProbeContext(url, admin, http, provisioner, keystore, gap=gap)
        outcomes: list[Outcome] = []
        failure: str | None = None
        release = None
        try:
            release = read_release(client)
            try:
                context.set_up()
            except (ProvisioningError, requests.RequestException) as e:
                failure = f"could not provision the probe's chains: {context.masker.text(str(e))}"
            else:
                outcomes = run_all(context, mock, instance_wide=instance_wide, progress=progress)
        except KeyboardInterrupt:  # Ctrl-C, or SIGTERM turned into it by the command: tear down, then say so
            failure = "interrupted (Ctrl-C or SIGTERM)"
        finally:
            context.problems += provisioner.teardown()
            left = [f"{entry.table} {entry.sys_id}" for entry in ledger.entries()]
            if left:
                left.append(f"remove them with: {CLEANUP_COMMAND.format(url=url)}")
        if failure is not None:
            raise ProbeError(f"{failure}; {'see what is left below' if left else 'everything it made was deleted'}",
                             left)
    date = datetime.datetime.now(datetime.UTC).date().isoformat()
    return Report(url, release, date, outcomes, left)


def run_all(context: ProbeContext, mock: Mapping[str, Any], *, instance_wide: bool = False,
            progress: Callable[[str], None] | None = None) -> list[Outcome]:
    """Every registered probe in order; after a failed restore the rest are reported as not run."""
    outcomes: list[Outcome] = []
    stopped: str | None = None
    for spec in ordered():
        if stopped is not None:
            outcomes.append(_outcome(spec, mock, UNDECIDED, f"not run: {stopped}"))
            continue
        if progress is not None:
            progress(spec.setting)
        try:
            outcomes.append(run_one(context, spec, mock, instance_wide=instance_wide))
        except RestoreFailed as e:
            stopped = str(e)
            outcomes.append(_outcome(spec, mock, UNDECIDED, stopped, context.evidence))
    return outcomes


def ordered() -> list[ProbeSpec]:
    """The registered probes in the report's order (:data:`GROUPS`, opt-in ones last)."""
    def key(spec: ProbeSpec) -> tuple[bool, int]:
        module = getattr(spec.run, "__module__", "").rsplit(".", 1)[-1]
        return spec.instance_wide or spec.needs_session, GROUPS.index(module) if module in GROUPS else len(GROUPS)
    return sorted(PROBES, key=key)


def run_one(context: ProbeContext, spec: ProbeSpec, mock: Mapping[str, Any], *,
            instance_wide: bool = False) -> Outcome:
    """One probe: skipped (opt-in, no session, no such setting in the mock), decided, or undecided with why."""
    mock_value = lookup(mock, spec.setting)
    if spec.needs_session:
        return _outcome(spec, mock, SKIPPED, SKIPS["needs a session"], skip="needs a session")
    if spec.instance_wide and not instance_wide:
        return _outcome(spec, mock, SKIPPED, SKIPS["opt-in"], skip="opt-in")
    if mock_value is _MISSING or spec.run is None:
        return _outcome(spec, mock, SKIPPED, f"the mock has no setting {spec.setting}", skip="no mock setting")
    context.evidence = []
    try:
        decision = spec.run(context)
    except NotShown as e:
        return _outcome(spec, mock, SKIPPED, str(e), context.evidence, skip="not shown")
    except Undecided as e:
        return _outcome(spec, mock, UNDECIDED, context.masker.text(str(e)), context.evidence)
    except (ProvisioningError, requests.RequestException) as e:
        return _outcome(spec, mock, UNDECIDED, context.masker.text(f"{type(e).__name__}: {e}"), context.evidence)
    agrees = decision.agrees(mock_value) if decision.agrees else same(spec.setting, mock_value, decision.value)
    return Outcome(spec.setting, mock_value, decision.value, agrees, MATCH if agrees else DIFFERS, "",
                   list(context.evidence), spec.instance_wide)


def lookup(mock: Mapping[str, Any], setting: str) -> Any:
    """The mock's value for ``setting`` (``name`` or ``name[key]``); a sentinel when it has none."""
    name, _, key = setting.partition("[")
    value = mock.get(name, _MISSING)
    if key and value is not _MISSING:
        value = value.get(key.rstrip("]"), _MISSING) if isinstance(value, Mapping) else _MISSING
    return value


def read_release(client: TableClient) -> str | None:
    """The instance's build tag, where the admin can read it; None otherwise."""
    try:
        rows = client.query("sys_properties", f"nameIN{','.join(RELEASE_PROPERTIES)}", "name,value")
    except (ProvisioningError, requests.RequestException):
        return None
    found = {row.get("name"): row.get("value") for row in rows if row.get("name") in RELEASE_PROPERTIES}
    return next((str(found[name]) for name in RELEASE_PROPERTIES if found.get(name)), None)


def _outcome(spec: ProbeSpec, mock: Mapping[str, Any], status: str, reason: str,
             evidence: list[Any] | None = None, *, skip: str = "") -> Outcome:
    value = lookup(mock, spec.setting)
    return Outcome(spec.setting, None if value is _MISSING else value, None, None, status, reason,
                   list(evidence or []), spec.instance_wide, skip)
