"""LOWER and UPPER as DuckDB defines them: character by character, from a generated table.

Python's ``str.lower`` and Spark's ``lower`` apply full Unicode case mapping (``'İ'`` becomes two
characters, ``'ß'.upper()`` is ``'SS'``); DuckDB maps each character to one character. Every
path follows DuckDB: Python translates with the table, Spark SQL with ``translate(x, from, to)``,
DuckDB uses its own functions (the table was generated from them, see :mod:`.casemap_gen`).
ILIKE is ``lower(text) LIKE lower(pattern)`` with this LOWER, as in DuckDB.
"""

from __future__ import annotations

from icrms.profiles.rules.casemap_table import LOWER_FROM, LOWER_TO, UPPER_FROM, UPPER_TO

_LOWER = str.maketrans(LOWER_FROM, LOWER_TO)
_UPPER = str.maketrans(UPPER_FROM, UPPER_TO)
TABLES = {"LOWER": (LOWER_FROM, LOWER_TO), "UPPER": (UPPER_FROM, UPPER_TO)}
"""The ``translate`` arguments of each function, for SQL engines that map case otherwise."""


def lower(text: str) -> str:
    """DuckDB's LOWER (ASCII text takes Python's own, identical there and faster)."""
    return text.lower() if text.isascii() else text.translate(_LOWER)


def upper(text: str) -> str:
    """DuckDB's UPPER."""
    return text.upper() if text.isascii() else text.translate(_UPPER)
