"""Create and remove the JWT chain through the Table and Attachment APIs: the one provisioner.

One code path for the plugin (mock and live), the demo and the benchmarks:
the mock is provisioned exactly as a real instance is, so every mock session
exercises what ``--snjwt-live`` will do. The steps follow the setup article:
certificate and keystore, JWT key, provider (and its claims), the ``oauth_jwt``
app with its verifier map, and the user.

A real instance is someone's production. The provisioner changes only rows
it created (their sys_ids recorded as each is made) or rows whose returned
reference field proves they belong to one of those: the platform ignores a
query condition on an unknown column and returns every row (docs/platform.md §2).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

import requests

from ..crypto.jose import SIGNING_ALGORITHM_CHOICE_OF, key_family
from ..crypto.secret import Secret
from .chain import Chain, Variant
from .keys import Keystore
from .table_client import ProvisioningError, TableClient

#: (table, field) of the rows that hang off a record of ours, found by that reference: a provider's
#: claims (made by a business rule), the tokens issued to an app, a user's role links.
OWNED_CHILDREN = {"jwt_provider": ("jwt_claim_validation", "jwt_provider"),
                  "oauth_jwt": ("oauth_credential", "peer"),
                  "oauth_entity": ("oauth_credential", "peer"),
                  "sys_user": ("sys_user_has_role", "user")}
#: What a step of the setup article made: (step number, table, record as the API returned it).
StepRecorder = Callable[[int, str, Mapping[str, Any]], None]


class CreationLog(Protocol):
    """Where created records are written down as soon as they exist (a ledger file, live)."""

    def record(self, table: str, sys_id: str) -> None: ...

    def forget(self, table: str, sys_id: str) -> None: ...


class Provisioner:
    """Creates chains on one instance and remembers every record, to delete them all later.

    ``on_step`` hears of every record as a step makes or changes it (the demo
    narrates from it); ``log`` writes each created record down before the next call.
    """

    def __init__(self, client: TableClient, prefix: str, keystore_for: Callable[[str], Keystore], *,
                 create_missing_roles: bool = False, on_step: StepRecorder | None = None,
                 log: CreationLog | None = None) -> None:
        self.client = client
        self.prefix = prefix
        self._keystore_for = keystore_for
        self._create_missing_roles = create_missing_roles
        self._on_step = on_step or (lambda step, table, record: None)
        self._log = log
        self._created: list[tuple[str, str]] = []
        self._count = 0

    @property
    def created(self) -> list[tuple[str, str]]:
        """(table, sys_id) of every record made so far, oldest first."""
        return list(self._created)

    def create(self, table: str, values: Mapping[str, Any], *, step: int = 4,
               input_display_value: bool = False) -> dict[str, Any]:
        """Create a record and remember it for :meth:`teardown` (for provisioning beyond the chain)."""
        return self._create(step, table, values, input_display_value=input_display_value)

    def _create(self, step: int, table: str, values: Mapping[str, Any], *,
                input_display_value: bool = False) -> dict[str, Any]:
        try:
            record = self.client.create(table, values, input_display_value=input_display_value)
            self.adopt(table, record["sys_id"])
        except ProvisioningError:
            raise  # the instance answered: nothing was made
        except BaseException:
            # A timeout, a dropped connection, Ctrl-C or SIGTERM after the instance made the record but
            # before its sys_id was written down: find it by its run-prefixed name, so the teardown deletes it.
            self._find_unrecorded(table, values)
            raise
        self._on_step(step, table, record)
        return record

    def _find_unrecorded(self, table: str, values: Mapping[str, Any]) -> None:
        field = next((f for f in ("name", "user_name") if str(values.get(f, "")).startswith(self.prefix)), None)
        if field is None or not self.prefix:
            return
        try:
            rows = self.client.query(table, f"{field}={values[field]}", f"sys_id,{field}")
        except (ProvisioningError, requests.RequestException):
            return  # the ledger cannot list it; the cleanup command's --find-prefixed finds it by name
        for row in rows:  # only rows whose name is exactly this run's (an ignored condition returns all rows)
            if row.get(field) == values[field] and (table, row.get("sys_id")) not in self._created:
                self.adopt(table, row["sys_id"])

    def provision(self, variant: Variant, *, name: str | None = None,
                  user: Mapping[str, Any] | None = None, client_secret: str | None = None) -> Chain:
        """Create one chain for ``variant``; on failure, what was made is removed and the error raised.

        ``name`` prefixes every record's name (default: the run prefix and a counter);
        ``user`` gives the user's fields (default: made up from the name);
        ``client_secret`` is the app's (default: a random one).
        """
        self._count += 1
        mark = len(self._created)
        try:
            return self._provision(variant, name or f"{self.prefix}{self._count}", user, client_secret)
        except BaseException:
            self._remove(self._created[mark:])
            del self._created[mark:]
            raise

    def _provision(self, variant: Variant, name: str, user_values: Mapping[str, Any] | None,
                   chosen_secret: str | None) -> Chain:
        family = key_family(variant.algorithm)
        keystore = None if family == "HS" else self._keystore_for(variant.algorithm)
        # Set here, not generated: password fields cannot be read back through the Table API.
        client_secret = chosen_secret or secrets.token_urlsafe(24)
        # For the password grant (docs/platform.md §10.1); the suffix meets common password policies.
        user_password = secrets.token_urlsafe(18) + "-Aa1"
        shared_key = secrets.token_urlsafe(48) if family == "HS" else None
        sys_ids: dict[str, str] = {}

        jwt_key = provider = None
        claims: list[dict[str, Any]] = []
        if keystore is not None:
            cert = self._create(1, "sys_certificate", {
                "name": f"{name} certificate", "type": "trust_store", "format": "pem",
                "pem_certificate": keystore.certificate_pem})
            keystore_record = self._create(1, "sys_certificate", {
                "name": f"{name} keystore", "type": "pkcs12_key_store",
                "key_store_password": keystore.store_password.reveal()})
            attachment = self.client.attach("sys_certificate", keystore_record["sys_id"], f"{name}.p12",
                                            keystore.pkcs12)
            self._on_step(1, "sys_attachment", attachment)
            jwt_key = self._create(2, "jwt_keystore_aliases", {
                "name": f"{name} JWT key", "signing_keystore": keystore_record["sys_id"],
                "signing_key_password": keystore.key_password.reveal(),
                "signing_algorithm": SIGNING_ALGORITHM_CHOICE_OF[variant.algorithm]})
            provider = self._create(3, "jwt_provider", {"name": f"{name} JWT provider",
                                                        "jwt_keystore_alias": jwt_key["sys_id"]})
            # The instance made the standard claims; only rows that name our provider are ours.
            claims = self._owned("jwt_claim_validation", "jwt_provider", provider["sys_id"], "sys_id,name,value,"
                                 "is_standard,jwt_provider")
            for claim in sorted(claims, key=lambda c: c.get("name", "")):
                self._on_step(3, "jwt_claim_validation", claim)
            sys_ids.update(sys_certificate=cert["sys_id"], keystore=keystore_record["sys_id"],
                           jwt_keystore_aliases=jwt_key["sys_id"], jwt_provider=provider["sys_id"])
        app_values: dict[str, Any] = {
            "name": f"{name} app", "client_secret": client_secret, "user_field": variant.user_field,
            "enable_jti_verification": variant.jti_verification, "public_client": variant.public_client}
        if variant.clock_skew is not None:
            app_values["clock_skew"] = variant.clock_skew
        if variant.access_token_lifespan is not None:
            app_values["access_token_lifespan"] = variant.access_token_lifespan
        app = self._create(4, "oauth_jwt", app_values)
        map_values: dict[str, Any] = {"name": f"{name} verifier map", "oauth_jwt": app["sys_id"]}
        if keystore is not None:
            map_values["sys_certificate"] = sys_ids["sys_certificate"]
        else:
            map_values["shared_key"] = shared_key
        verifier_map = self._create(4, "jwt_verifier_map", map_values)
        user = self._create(4, "sys_user", {
            "user_name": f"{name}-user", "email": f"{name}-user@snjwt.invalid", "first_name": "snjwt",
            "last_name": name, "name": f"{name} user", "user_password": user_password, **(user_values or {}),
            "active": variant.active, "locked_out": variant.locked_out}, input_display_value=True)
        for role in variant.roles:
            self._create(4, "sys_user_has_role", {"user": user["sys_id"], "role": self._role(role)})
        sub = user.get(variant.user_field)
        if not isinstance(sub, str) or not sub:
            raise ProvisioningError(f"user_field {variant.user_field!r} is not a sys_user column with a value")
        if provider is not None:
            values = {"aud": app["client_id"], "iss": app["client_id"], "sub": sub}
            for claim in claims:
                if claim.get("name") in values:
                    updated = self.client.update("jwt_claim_validation", claim["sys_id"],
                                                 {"value": values[claim["name"]]})
                    self._on_step(4, "jwt_claim_validation", updated)
        if jwt_key is not None:
            self._on_step(4, "jwt_keystore_aliases",
                          self.client.update("jwt_keystore_aliases", jwt_key["sys_id"], {"kid": verifier_map["kid"]}))
        sys_ids.update(oauth_jwt=app["sys_id"], jwt_verifier_map=verifier_map["sys_id"], sys_user=user["sys_id"])
        signing_key = keystore.private_key if keystore is not None else Secret(shared_key or "")
        return Chain(app["client_id"], Secret(client_secret), verifier_map["kid"], sub, variant.user_field,
                     variant.algorithm, signing_key, user["user_name"], sys_ids, variant, Secret(user_password))

    def _owned(self, table: str, reference: str, owner: str, fields: str) -> list[dict[str, Any]]:
        """Rows of ``table`` whose returned ``reference`` is ``owner`` (never rows a query merely returned)."""
        rows = self.client.query(table, f"{reference}={owner}", fields)
        if rows and any(reference not in row for row in rows):
            raise ProvisioningError(f"{table} rows came back without a {reference!r} column, so none can be proven "
                                    f"to belong to {owner}; nothing was changed in {table}")
        return [row for row in rows if row.get(reference) == owner]

    def _role(self, name: str) -> str:
        found = [r for r in self.client.query("sys_user_role", f"name={name}", "sys_id,name") if r.get("name") == name]
        if found:
            return found[0]["sys_id"]
        if not self._create_missing_roles:
            raise ProvisioningError(f"role {name!r} does not exist on the instance")
        return self._create(4, "sys_user_role", {"name": name})["sys_id"]

    def teardown(self) -> list[str]:
        """Delete everything made, newest first, with the rows the instance made for it.

        Keeps going after an error; returns the problems met (a record already gone is not one).
        """
        problems = self._remove(self._created)
        self._created.clear()
        return problems

    def adopt(self, table: str, sys_id: str) -> None:
        """Remember (and log) a record that a request other than :meth:`create` made, to delete it like the rest."""
        self._created.append((table, sys_id))
        if self._log is not None:
            self._log.record(table, sys_id)

    def remove(self, table: str, sys_id: str) -> list[str]:
        """Delete one record made here now rather than at :meth:`teardown` (with the rows the instance made
        for it); returns the problems met. A record that could not be deleted stays listed for teardown."""
        if (table, sys_id) not in self._created:
            raise ValueError(f"{table} {sys_id} was not made by this provisioner")
        problems = self._remove([(table, sys_id)])
        if not problems:
            self._created.remove((table, sys_id))
        return problems

    def _remove(self, records: Iterable[tuple[str, str]]) -> list[str]:
        return remove_records(self.client, records, self._log)


def remove_records(client: TableClient, records: Iterable[tuple[str, str]],
                   log: CreationLog | None = None) -> list[str]:
    """Delete ``(table, sys_id)`` records newest first (give them oldest first), each after the rows the
    instance made for it (:data:`OWNED_CHILDREN`); keeps going after an error and returns the problems."""
    problems = []
    for table, sys_id in reversed(list(records)):
        try:
            child = OWNED_CHILDREN.get(table)
            if child is not None:
                child_table, reference = child
                rows = client.query(child_table, f"{reference}={sys_id}", f"sys_id,{reference}")
                if any(reference not in row for row in rows):
                    problems.append(f"{child_table} of {table} {sys_id}: rows came back without a {reference!r} "
                                    "column, so none could be proven ours; left in place")
                for row in rows:
                    if row.get(reference) == sys_id:
                        client.delete(child_table, row["sys_id"])
            client.delete(table, sys_id)
            if log is not None:
                log.forget(table, sys_id)
        except (ProvisioningError, requests.RequestException) as e:
            problems.append(f"{table} {sys_id}: {e}")
    return problems
