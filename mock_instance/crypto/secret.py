"""Values that must never leak: client secrets, shared keys, passwords, tokens.

A :class:`Secret` keeps the clear value for the code that needs it (signing,
comparing) and shows ``'***'`` everywhere else: ``repr``, ``str``, f-strings,
logs and pytest's failure reports.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets as _random

MASK = "***"


class Secret:
    """A secret value whose every printable form is masked."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The clear value; call only where the value is really needed."""
        return self._value

    def matches(self, candidate: str | None) -> bool:
        """Constant-time comparison with a clear candidate."""
        if candidate is None:
            return False
        return hmac.compare_digest(self._value.encode(), candidate.encode())

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and hmac.compare_digest(
            self._value.encode(), other._value.encode()
        )

    def __hash__(self) -> int:
        return hash(self._value)

    def __repr__(self) -> str:
        return f"Secret({MASK!r})"

    def __str__(self) -> str:
        return MASK

    def __format__(self, spec: str) -> str:
        return MASK


class PasswordHash(Secret):
    """A one-way password (``sys_user.user_password``): only ever compared."""

    __slots__ = ()

    def __init__(self, password: str) -> None:
        salt = _random.token_bytes(16)
        digest = hashlib.sha256(salt + password.encode()).digest()
        super().__init__((salt + digest).hex())

    def matches(self, candidate: str | None) -> bool:
        if candidate is None or not self._value:
            return False
        raw = bytes.fromhex(self._value)
        salt, digest = raw[:16], raw[16:]
        return hmac.compare_digest(digest, hashlib.sha256(salt + candidate.encode()).digest())

    def __bool__(self) -> bool:
        return True

    def __repr__(self) -> str:
        return f"PasswordHash({MASK!r})"


class SecretBytes(bytes):
    """Bytes a client needs in clear (a private key PEM for a JWT library), masked in every printable form."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"SecretBytes({MASK!r})"

    def __str__(self) -> str:
        return MASK


def mask_token(token: str, keep: int = 6) -> str:
    """Shorten a token for display: its first ``keep`` characters and an ellipsis."""
    return token[:keep] + "…" if len(token) > keep else MASK
