"""What a provisioned JWT chain is: the variant asked for, and what a client needs to use it."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..crypto.certs import private_key_pem
from ..crypto.jose import key_family
from ..crypto.secret import Secret, SecretBytes


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
    ``key`` signs assertions (a private key, or the shared key for HS*);
    ``user_password`` is the user's password (set by the provisioner; empty when not known).
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
    user_password: Secret = field(default_factory=lambda: Secret(""), compare=False)

    @property
    def private_key_pem(self) -> SecretBytes | None:
        """The key a client signs with, as unencrypted PKCS8 PEM (masked repr), for an RS*/ES* chain.

        Right in every mode: the provisioned key, or live the pre-provisioned chain's
        ``SNJWT_KEY_FILE``. None for an HS* chain, which signs with :attr:`shared_key`.
        """
        if isinstance(self.key, Secret):
            return None
        return SecretBytes(private_key_pem(self.key))

    @property
    def shared_key(self) -> Secret | None:
        """The verifier map's shared key of an HS* chain (a masked :class:`Secret`); None otherwise."""
        return self.key if isinstance(self.key, Secret) else None

    def __repr__(self) -> str:
        return (f"Chain(client_id={self.client_id!r}, kid={self.kid!r}, user={self.user!r}, "
                f"user_field={self.user_field!r}, algorithm={self.algorithm!r}, client_secret=***, key=***)")
