"""A throwaway self-signed certificate for the HTTPS server (some clients insist on https)."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives import serialization

from ..crypto.certs import generate_private_key, private_key_pem, self_signed_certificate


def write_self_signed(folder: Path, host: str = "localhost") -> tuple[Path, Path]:
    """Write ``cert.pem`` and ``key.pem`` for localhost, 127.0.0.1, ::1 and ``host``; return their paths."""
    key = generate_private_key("ES256")
    cert = self_signed_certificate(key, "snjwt-mock", 2, hosts=["localhost", "127.0.0.1", "::1", host], ca=True)
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.touch(mode=0o600)
    key_path.write_bytes(private_key_pem(key))
    return cert_path, key_path
