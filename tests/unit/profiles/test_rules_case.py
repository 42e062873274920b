"""LOWER/UPPER/ILIKE: one definition, DuckDB's, from a table generated from DuckDB itself."""

from __future__ import annotations

import duckdb
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from icrms.profiles.rules import case, compile_python
from icrms.profiles.rules.casemap_gen import duckdb_case_maps
from icrms.profiles.rules.casemap_table import LOWER_FROM, LOWER_TO, UPPER_FROM, UPPER_TO


def test_the_shipped_table_is_what_the_installed_duckdb_does() -> None:
    lower, upper = duckdb_case_maps()
    assert dict(zip(LOWER_FROM, LOWER_TO, strict=True)) == lower
    assert dict(zip(UPPER_FROM, UPPER_TO, strict=True)) == upper


TRICKY = "İIıißẞΣσςΟΔΟΣǅǄǆﬁKſÅåe\u0301É𐐀𐐨ΐ"


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(st.text(alphabet=TRICKY + "aZ-1 ", max_size=8), min_size=1, max_size=20))
def test_case_mapping_and_ilike_agree_with_duckdb(texts: list[str]) -> None:
    con = duckdb.connect()
    con.register("t", pa.table({"s": texts}))
    rows = con.execute("SELECT lower(s), upper(s), s ILIKE 'ǆ%σ_' FROM t").fetchall()
    ilike = compile_python("description ILIKE 'ǆ%σ_'")
    for text, (low, up, matched) in zip(texts, rows, strict=True):
        assert (case.lower(text), case.upper(text)) == (low, up)
        assert ilike({"description": text}, lambda *_: False) is matched


def test_the_issue_cases() -> None:
    assert case.lower("İSTANBUL-1") == "istanbul-1"  # Python: 'i̇stanbul-1'
    assert case.upper("straße") == "STRAẞE"  # Python: 'STRASSE'
    assert case.lower("ΟΔΟΣ") == "οδοσ"  # Python: 'οδος'
