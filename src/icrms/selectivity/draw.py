"""Keyed draws: the same (declaration, version, purpose, secret) always gives the same number.

A draw is the first 13 hex digits of SHA-256 over ``secret|declaration_id|version|purpose``:
replayable by whoever holds the policy secret, unpredictable to everyone else. The SQL engines
compute the same hash (``sha256`` in DuckDB, ``sha2(…, 256)`` in Spark) and compare the hex
prefix to the threshold's hex, which orders exactly like the numbers.
"""

from __future__ import annotations

import hashlib

DIGITS = 13
SCALE = 16**DIGITS


def draw_hex(secret: bytes, declaration_id: str, version: int, purpose: str) -> str:
    """The 13-hex-digit draw for one purpose ('random' or 'profile:<code>')."""
    message = secret + f"|{declaration_id}|{version}|{purpose}".encode()
    return hashlib.sha256(message).hexdigest()[:DIGITS]


def threshold_hex(share: float) -> str:
    """A draw is selected when its hex is below this (share 1 selects all, 0 none)."""
    return format(min(round(share * SCALE), SCALE), f"0{DIGITS}x") if share < 1 else "g" * DIGITS


def selected(
    secret: bytes, declaration_id: str, version: int, purpose: str, share: float
) -> tuple[bool, str]:
    """Whether the draw falls within the share, and the draw itself."""
    digits = draw_hex(secret, declaration_id, version, purpose)
    return digits < threshold_hex(share), digits


def sql_draw_hex(
    secret: bytes,
    dialect: str,
    declaration_id: str = "declaration_id",
    version: str = "version",
    purpose: str = "'random'",
) -> str:
    """SQL for the same draw over columns (DuckDB or Spark)."""
    key = secret.decode().replace("'", "''")
    message = f"concat('{key}|', {declaration_id}, '|', CAST({version} AS STRING), '|', {purpose})"
    digest = f"sha2({message}, 256)" if dialect == "spark" else f"sha256({message})"
    return f"substr({digest}, 1, {DIGITS})"
