"""Create and tear down the JWT chain through the Table and Attachment APIs (mock or live).

One code path for both: the mock is provisioned exactly as a real instance
is, so every mock session exercises what ``--snjwt-live`` will do. The steps
follow the setup article: certificate, keystore, JWT key, provider (and its
claims), the ``oauth_jwt`` app, its verifier map, and the user.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from mock_instance.crypto.secret import Secret

from .keys import Keystore, key_family

#: jwt_keystore_aliases.signing_algorithm for each JWS alg (PLATFORM.md §1: rsa_256 [DOC]).
SIGNING_ALGORITHM = {"RS256": "rsa_256", "RS384": "rsa_384", "RS512": "rsa_512",
                     "ES256": "ecdsa_256", "ES384": "ecdsa_384", "ES512": "ecdsa_512"}


class ProvisioningError(RuntimeError):
    """A provisioning call failed; the message has the table, status and the platform's error."""


@dataclass(frozen=True)
class Variant:
    """How a chain differs from the default: the keys of ``@pytest.mark.snjwt(...)``."""

    user_field: str = "email"
    algorithm: str = "RS256"
    jti_verification: bool = True
    clock_skew: int | None = None
    public_client: bool = False
    access_token_lifespan: int | None = None
    active: bool = True
    locked_out: bool = False
    roles: tuple[str, ...] = ()

    @classmethod
    def from_marker(cls, kwargs: Mapping[str, Any]) -> Variant:
        """Validate a marker's keyword arguments; ValueError names what is wrong."""
        known = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(kwargs) - set(known))
        if unknown:
            raise ValueError(f"@pytest.mark.snjwt: unknown key(s) {unknown}; known: {sorted(known)}")
        values = dict(kwargs)
        if "algorithm" in values:
            algorithm = str(values["algorithm"]).upper()
            key_family(algorithm)
            values["algorithm"] = algorithm
        if "roles" in values:
            roles = values["roles"]
            if isinstance(roles, str) or not all(isinstance(r, str) for r in roles):
                raise ValueError("@pytest.mark.snjwt: roles must be a list of role names")
            values["roles"] = tuple(roles)
        for name in ("jti_verification", "public_client", "active", "locked_out"):
            if name in values and not isinstance(values[name], bool):
                raise ValueError(f"@pytest.mark.snjwt: {name} must be True or False")
        for name in ("clock_skew", "access_token_lifespan"):
            if name in values and values[name] is not None and (
                    isinstance(values[name], bool) or not isinstance(values[name], int)):
                raise ValueError(f"@pytest.mark.snjwt: {name} must be a whole number of seconds")
        if "user_field" in values and not isinstance(values["user_field"], str):
            raise ValueError("@pytest.mark.snjwt: user_field must be a sys_user column name")
        return cls(**values)


@dataclass(frozen=True, repr=False)
class Chain:
    """A provisioned chain: what a client needs to get a token. Secrets are masked in every repr.

    ``user`` is the ``sub`` value (the user's value in the app's User field);
    ``key`` signs assertions (a private key, or the shared key for HS*).
    """

    client_id: str
    client_secret: Secret
    kid: str | None
    user: str
    user_field: str
    algorithm: str
    key: Any = field(compare=False)
    user_name: str = ""
    sys_ids: Mapping[str, str] = field(default_factory=dict)
    variant: Variant = field(default_factory=Variant)

    def __repr__(self) -> str:
        return (f"Chain(client_id={self.client_id!r}, kid={self.kid!r}, user={self.user!r}, "
                f"user_field={self.user_field!r}, algorithm={self.algorithm!r}, client_secret=***, key=***)")


class TableClient:
    """The few Table/Attachment API calls provisioning needs, with errors that say what failed."""

    def __init__(self, session: requests.Session, base_url: str) -> None:
        self.session = session
        self.base = base_url.rstrip("/")

    def _check(self, response: requests.Response, what: str) -> Any:
        if response.status_code >= 400:
            try:
                error = response.json().get("error", {})
                detail = f"{error.get('message')}: {error.get('detail')}"
            except ValueError:
                detail = response.text[:200]
            raise ProvisioningError(f"{what} failed with HTTP {response.status_code}: {detail}")
        return response.json()["result"] if response.content else None

    def create(self, table: str, values: Mapping[str, Any]) -> dict[str, Any]:
        response = self.session.post(f"{self.base}/api/now/table/{table}", json=dict(values),
                                     params={"sysparm_exclude_reference_link": "true"})
        return self._check(response, f"creating a {table} record")

    def update(self, table: str, sys_id: str, values: Mapping[str, Any]) -> dict[str, Any]:
        response = self.session.patch(f"{self.base}/api/now/table/{table}/{sys_id}", json=dict(values),
                                      params={"sysparm_exclude_reference_link": "true"})
        return self._check(response, f"updating {table} {sys_id}")

    def query(self, table: str, query: str, fields: str = "") -> list[dict[str, Any]]:
        params = {"sysparm_query": query, "sysparm_exclude_reference_link": "true"}
        if fields:
            params["sysparm_fields"] = fields
        response = self.session.get(f"{self.base}/api/now/table/{table}", params=params)
        return self._check(response, f"querying {table}")

    def delete(self, table: str, sys_id: str) -> bool:
        response = self.session.delete(f"{self.base}/api/now/table/{table}/{sys_id}")
        if response.status_code == 404:
            return False
        self._check(response, f"deleting {table} {sys_id}")
        return True

    def attach(self, table: str, sys_id: str, file_name: str, content: bytes) -> dict[str, Any]:
        response = self.session.post(f"{self.base}/api/now/attachment/file", data=content, params={
            "table_name": table, "table_sys_id": sys_id, "file_name": file_name},
            headers={"Content-Type": "application/octet-stream"})
        return self._check(response, f"attaching {file_name} to {table}")


class Provisioner:
    """Creates chains on one instance and remembers every record, to delete them all later."""

    def __init__(self, client: TableClient, prefix: str, keystore_for: Callable[[str], Keystore], *,
                 create_missing_roles: bool = False) -> None:
        self.client = client
        self.prefix = prefix
        self._keystore_for = keystore_for
        self._create_missing_roles = create_missing_roles
        self._created: list[tuple[str, str]] = []
        self._apps: list[str] = []
        self._count = 0

    @property
    def created(self) -> list[tuple[str, str]]:
        """(table, sys_id) of every record made so far, oldest first."""
        return list(self._created)

    def _create(self, table: str, values: Mapping[str, Any]) -> dict[str, Any]:
        record = self.client.create(table, values)
        self._created.append((table, record["sys_id"]))
        return record

    def provision(self, variant: Variant) -> Chain:
        """Create one chain for ``variant``; on failure, what was made is deleted and the error raised."""
        self._count += 1
        mark = len(self._created)
        try:
            return self._provision(variant, f"{self.prefix}{self._count}")
        except Exception:
            self._delete(self._created[mark:])
            del self._created[mark:]
            raise

    def _provision(self, variant: Variant, name: str) -> Chain:
        family = key_family(variant.algorithm)
        keystore = None if family == "HS" else self._keystore_for(variant.algorithm)
        client_secret = secrets.token_urlsafe(24)
        # The plugin sets the secret and shared key itself: password fields cannot be read back.
        shared_key = secrets.token_urlsafe(48) if family == "HS" else None

        cert = key = provider = None
        if keystore is not None:
            cert = self._create("sys_certificate", {
                "name": f"{name} certificate", "type": "trust_store", "format": "pem",
                "pem_certificate": keystore.certificate_pem})
            store = self._create("sys_certificate", {
                "name": f"{name} keystore", "type": "pkcs12_key_store",
                "key_store_password": keystore.store_password.reveal()})
            self.client.attach("sys_certificate", store["sys_id"], f"{name}.p12", keystore.pkcs12)
            key = self._create("jwt_keystore_aliases", {
                "name": f"{name} JWT key", "signing_keystore": store["sys_id"],
                "signing_key_password": keystore.key_password.reveal(),
                "signing_algorithm": SIGNING_ALGORITHM[variant.algorithm]})
            provider = self._create("jwt_provider", {"name": f"{name} JWT provider",
                                                     "jwt_keystore_alias": key["sys_id"]})
        app_values: dict[str, Any] = {
            "name": f"{name} app", "client_secret": client_secret, "user_field": variant.user_field,
            "enable_jti_verification": variant.jti_verification, "public_client": variant.public_client}
        if variant.clock_skew is not None:
            app_values["clock_skew"] = variant.clock_skew
        if variant.access_token_lifespan is not None:
            app_values["access_token_lifespan"] = variant.access_token_lifespan
        app = self._create("oauth_jwt", app_values)
        self._apps.append(app["sys_id"])
        map_values: dict[str, Any] = {"name": f"{name} verifier map", "oauth_jwt": app["sys_id"]}
        if cert is not None:
            map_values["sys_certificate"] = cert["sys_id"]
        else:
            map_values["shared_key"] = shared_key
        vmap = self._create("jwt_verifier_map", map_values)
        user = self._create("sys_user", {
            "user_name": f"{name}-user", "email": f"{name}-user@snjwt.invalid", "first_name": "snjwt",
            "last_name": name, "name": f"{name} user", "active": variant.active,
            "locked_out": variant.locked_out})
        for role in variant.roles:
            self._create("sys_user_has_role", {"user": user["sys_id"], "role": self._role(role)})
        sub = user.get(variant.user_field)
        if not isinstance(sub, str) or not sub:
            raise ProvisioningError(f"user_field {variant.user_field!r} is not a sys_user column with a value")
        if key is not None:
            self.client.update("jwt_keystore_aliases", key["sys_id"], {"kid": vmap["kid"]})
        if provider is not None:
            values = {"aud": app["client_id"], "iss": app["client_id"], "sub": sub}
            for claim in self.client.query("jwt_claim_validation", f"jwt_provider={provider['sys_id']}"):
                if claim["name"] in values:
                    self.client.update("jwt_claim_validation", claim["sys_id"], {"value": values[claim["name"]]})
        sys_ids = {"oauth_jwt": app["sys_id"], "jwt_verifier_map": vmap["sys_id"], "sys_user": user["sys_id"]}
        if cert is not None:
            sys_ids.update(sys_certificate=cert["sys_id"], keystore=store["sys_id"],  # type: ignore[possibly-undefined]
                           jwt_keystore_aliases=key["sys_id"], jwt_provider=provider["sys_id"])  # type: ignore[index]
        signing_key = keystore.private_key if keystore is not None else Secret(shared_key or "")
        return Chain(app["client_id"], Secret(client_secret), vmap["kid"], sub, variant.user_field,
                     variant.algorithm, signing_key, user["user_name"], sys_ids, variant)

    def _role(self, name: str) -> str:
        found = self.client.query("sys_user_role", f"name={name}", "sys_id")
        if found:
            return found[0]["sys_id"]
        if not self._create_missing_roles:
            raise ProvisioningError(f"role {name!r} does not exist on the instance")
        return self.client.create("sys_user_role", {"name": name})["sys_id"]

    def teardown(self) -> list[str]:
        """Delete everything made (newest first), the tokens issued to our apps and the provider claims.

        Returns the problems met; a record already gone is not one.
        """
        problems = []
        for app in self._apps:
            try:
                for cred in self.client.query("oauth_credential", f"peer={app}", "sys_id"):
                    self.client.delete("oauth_credential", cred["sys_id"])
            except ProvisioningError as e:
                problems.append(str(e))
        for table, sys_id in self._created:
            if table == "jwt_provider":
                try:
                    for claim in self.client.query("jwt_claim_validation", f"jwt_provider={sys_id}", "sys_id"):
                        self.client.delete("jwt_claim_validation", claim["sys_id"])
                except ProvisioningError as e:
                    problems.append(str(e))
        problems += self._delete(self._created)
        self._created.clear()
        self._apps.clear()
        return problems

    def _delete(self, records: list[tuple[str, str]]) -> list[str]:
        problems = []
        for table, sys_id in reversed(records):
            try:
                self.client.delete(table, sys_id)
            except (ProvisioningError, requests.RequestException) as e:
                problems.append(f"{table} {sys_id}: {e}")
        return problems
