"""The ingest's ISO 6346 rule in SQL and the declaration model's rule in Python agree."""

from __future__ import annotations

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from icrms.declarations.codes import container_problem, iso6346_check_digit
from icrms.ingest.validation import _container_ok

OWNER = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=3)
SERIAL = st.text("0123456789", min_size=6, max_size=6)


@st.composite
def well_formed(draw: st.DrawFn) -> str:
    """Owner, category and serial, with the right check digit or (half the time) another one."""
    head = draw(OWNER) + draw(st.sampled_from("UJZR")) + draw(SERIAL)
    digit = iso6346_check_digit(head)
    return head + str(digit if draw(st.booleans()) else (digit + draw(st.integers(1, 9))) % 10)


NUMBERS = well_formed() | st.text("ABCJRUZ0123456789abc ;-", max_size=13)


@settings(max_examples=300, deadline=None)
@given(st.lists(NUMBERS, min_size=1, max_size=20))
def test_sql_and_python_agree(numbers: list[str]) -> None:
    con = duckdb.connect()
    got = con.execute(
        f"SELECT c, {_container_ok('c')} FROM (SELECT unnest(?) AS c)", [numbers]
    ).fetchall()
    assert {c: ok for c, ok in got} == {n: container_problem(n) is None for n in numbers}
