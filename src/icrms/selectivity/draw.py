"""Keyed draws: the same (declaration, version, purpose, secret) always gives the same number.

A draw is the first 13 hex digits of SHA-256 over ``secret|declaration_id|version|purpose``:
replayable by whoever holds the policy secret, unpredictable to everyone else. Bulk queries
compute the same draw with a function registered on the warehouse's engine
(:func:`register_draw`): the key lives only in that function's Python closure, never in a
query's text, so query logs, plans, the Spark UI and error messages cannot show it. The hex
prefix is compared with the threshold's hex, which orders exactly like the numbers.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pyarrow as pa

if TYPE_CHECKING:
    from icrms.warehouse.base import Warehouse

DIGITS = 13
SCALE = 16**DIGITS
DRAW_FUNCTION = "icrms_draw"
"""Name of the draw function in bulk SQL: ``icrms_draw(declaration_id, version, purpose)``."""
_DRAWING = threading.Lock()
"""Held while a keyed draw function is registered: one block ending (and unregistering) can
never leave another, still running on the same connection, with NULL draws."""


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


def draws(
    secret: bytes | None, ids: Iterable[Any], versions: Iterable[Any], purposes: Iterable[Any]
) -> list[str | None]:
    """:func:`draw_hex` over columns (NULL where any input is NULL, or without a secret)."""
    return [
        None
        if secret is None or i is None or v is None or p is None
        else draw_hex(secret, str(i), int(v), str(p))
        for i, v, p in zip(ids, versions, purposes, strict=True)
    ]


def sql_draw(declaration_id: str, version: str, purpose: str) -> str:
    """SQL calling the registered draw function on three SQL expressions."""
    return f"{DRAW_FUNCTION}({declaration_id}, {version}, {purpose})"


@contextmanager
def draw_function(warehouse: Warehouse, secret: bytes) -> Iterator[None]:
    """``icrms_draw`` with ``secret`` while the block runs; afterwards it answers NULL, so the
    connection, which may serve other queries later, holds no keyed function. Blocks in one
    process run one after the other."""
    with _DRAWING:
        register_draw(warehouse, secret)
        try:
            yield
        finally:
            register_draw(warehouse, None)


def register_draw(warehouse: Warehouse, secret: bytes | None) -> None:
    """Make ``icrms_draw(declaration_id, version, purpose)`` compute :func:`draw_hex` with
    ``secret`` in the warehouse's engine (replacing an earlier registration).

    DuckDB gets a vectorised (Arrow) Python function, Spark a pandas UDF; both keep the key in
    their closure, so it never enters SQL text, plans or logs.
    """
    con = warehouse.local_connection()
    if con is not None:
        _register_duckdb(con, secret)
        return
    session = getattr(warehouse, "session", None)
    if warehouse.backend != "spark" or session is None:
        raise TypeError(f"no draw function for a {warehouse.backend} warehouse")
    _register_spark(session, secret)


def _register_duckdb(con: Any, secret: bytes | None) -> None:
    import duckdb
    from duckdb import sqltypes

    def draw(ids: Any, versions: Any, purposes: Any) -> pa.Array:
        return pa.array(
            draws(secret, ids.to_pylist(), versions.to_pylist(), purposes.to_pylist()), pa.string()
        )

    with contextlib.suppress(duckdb.InvalidInputException):  # not registered yet
        con.remove_function(DRAW_FUNCTION)
    con.create_function(
        DRAW_FUNCTION,
        draw,
        [sqltypes.VARCHAR, sqltypes.BIGINT, sqltypes.VARCHAR],
        sqltypes.VARCHAR,
        type="arrow",
        null_handling="special",
        side_effects=False,
    )


def _register_spark(session: Any, secret: bytes | None) -> None:
    import pandas as pd
    from pyspark.sql.functions import pandas_udf

    def draw(ids: pd.Series, versions: pd.Series, purposes: pd.Series) -> pd.Series:
        def clean(series: pd.Series) -> list[Any]:
            return [None if pd.isna(x) else x for x in series.tolist()]

        return pd.Series(draws(secret, clean(ids), clean(versions), clean(purposes)), dtype=object)

    # real classes, not the strings postponed evaluation leaves (pandas_udf reads the hints)
    draw.__annotations__ = {"ids": pd.Series, "versions": pd.Series, "purposes": pd.Series}
    draw.__annotations__["return"] = pd.Series
    session.udf.register(DRAW_FUNCTION, pandas_udf(draw, "string"))  # type: ignore[call-overload]
