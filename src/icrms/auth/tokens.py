"""Secrets for API tokens and browser sessions: random, shown once, kept as SHA-256 digests.

A token reads ``icrms_<public id>_<secret>``: the public id finds the row, the secret (32
random bytes) is checked against its digest with a constant-time comparison. A fast hash suits a
256-bit random secret; argon2 is for passwords, which people choose.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

PREFIX = "icrms"


def digest(secret: str) -> str:
    """SHA-256 hex digest of a secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_token() -> tuple[str, str, str]:
    """(public id, full token to show once, digest of the secret part to store)."""
    public_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return public_id, f"{PREFIX}_{public_id}_{secret}", digest(secret)


def split_token(token: str) -> tuple[str, str] | None:
    """(public id, secret) of a well-formed token, else None."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def matches(secret: str, stored_digest: str) -> bool:
    """Whether ``secret`` hashes to ``stored_digest`` (constant time)."""
    return hmac.compare_digest(digest(secret), stored_digest)


def new_session_id() -> str:
    """A random browser session id (the cookie value)."""
    return secrets.token_urlsafe(32)
