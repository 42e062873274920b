"""The instance's Ed25519 identity: one key pair per workspace, created at first use.

The private key signs what this instance vouches for (model registry entries, exchange bundles);
partners and the instance itself verify with the public key. The key file is readable by its
owner only, and a key file that others can read is refused.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from icrms.errors import ConfigurationError

KEY_FILE = "identity.key"


def fingerprint(public_key: bytes) -> str:
    """SHA-256 of the raw public key, as colon-separated hex groups of four."""
    digest = hashlib.sha256(public_key).hexdigest()
    return ":".join(digest[i : i + 4] for i in range(0, len(digest), 4))


def verify(public_key: bytes, data: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is the Ed25519 signature of ``data`` under ``public_key``."""
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True)
class Identity:
    """An Ed25519 key pair."""

    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> bytes:
        """The 32 raw bytes of the public key."""
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    @property
    def fingerprint(self) -> str:
        """Fingerprint of the public key, for an operator to compare."""
        return fingerprint(self.public_key)

    def sign(self, data: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``data``."""
        return self.private_key.sign(data)

    def verify(self, data: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is this identity's signature of ``data``."""
        return verify(self.public_key, data, signature)


def load_identity(keys_dir: Path, *, create: bool = True) -> Identity:
    """The identity kept in ``keys_dir`` (created 0600 in a 0700 folder when missing)."""
    path = keys_dir / KEY_FILE
    if not path.exists():
        if not create:
            raise ConfigurationError(f"no instance key at {path}")
        return _create(path)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigurationError(
            f"instance key {path} is readable by other users (mode {mode:o}); chmod 600 it"
        )
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigurationError(f"instance key {path} is not an Ed25519 private key")
    return Identity(key)


def _create(path: Path) -> Identity:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # O_EXCL: never follow or overwrite a file that appeared meanwhile
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return Identity(key)
