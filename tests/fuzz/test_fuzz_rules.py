"""Fuzz the rule-language parser and compilers (issue 8): any text an analyst or a partner's
indicator sends is refused with a :class:`CriterionError` naming what and where, or compiles to
Python and to SQL for both engines, and evaluating it on hostile rows never raises.

Examples per test: ``ICRMS_FUZZ_EXAMPLES`` (default 300).
"""

from __future__ import annotations

import math
import os
from typing import Any

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from icrms.profiles.rules import CriterionError, compile_python, parse_criterion, to_sql
from icrms.profiles.rules.like import matcher, parse_like

EXAMPLES = int(os.environ.get("ICRMS_FUZZ_EXAMPLES", "300"))
TOKENS = [
    "hs4", "unit_value", "description", "aeo", "item_no", "lodged_date", "importer_id",
    "=", "<>", "<", ">=", "IS", "NOT", "NULL", "AND", "OR", "IN", "(", ")", ",", "LIKE",
    "ILIKE", "ESCAPE", "BETWEEN", "CASE", "WHEN", "THEN", "ELSE", "END", "ROUND", "LOWER",
    "UPPER", "NULLIF", "COALESCE", "DISTINCT", "FROM", "DATE", "'2026-01-01'", "'%a_b%'",
    "'${env:X}'", "'\\'", "''''", "1e308", "-0.0", "0.49999999999999994", "/", "*", "-", "+",
    "%", "||", "::", "SELECT", ";", "--", "/*", "*/", "in_watchlist", "'wl'", "TRUE", "~",
    "SIMILAR", "TO", "x'00'", "İ", "ß", "ς", "\u0301", "\u202e", "\x00", "\x1b[2K", "?", "$1",
]  # fmt: skip
ROWS: list[dict[str, Any]] = [
    {},
    {"hs4": "8517", "unit_value": math.inf, "description": "İSTANBUL ß" * 2000, "aeo": True},
    {"unit_value": math.nan, "item_no": 2**31 - 1, "importer_id": "${x}", "aeo": False},
    {"unit_value": -0.0, "description": "%_\\'", "hs4": "", "item_no": 0},
    {"unit_value": 5e-324, "description": "e\u0301" * 500, "importer_id": "'"},
]
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _check(text: str) -> None:
    try:
        criterion = parse_criterion(text)
    except CriterionError as err:
        assert err.message and len(err.message) < 600
        assert "\x00" not in err.message and "\x1b" not in err.message
        return
    predicate = compile_python(criterion)
    for row in ROWS:
        predicate(row, lambda name, value: value == "8517")
    for dialect in ("duckdb", "spark"):
        assert to_sql(criterion, dialect)  # type: ignore[arg-type]


@FUZZ
@given(st.lists(st.sampled_from(TOKENS), max_size=14).map(" ".join))
def test_token_soup_is_refused_cleanly_or_compiles(text: str) -> None:
    _check(text)


@FUZZ
@given(st.text(max_size=80))
def test_any_text_is_refused_cleanly_or_compiles(text: str) -> None:
    _check(text)


@FUZZ
@given(
    pattern=st.text(alphabet="%_ab\\", max_size=24),
    text=st.text(alphabet="ab%_", max_size=300),
)
def test_like_agrees_with_duckdb_on_longer_texts(pattern: str, text: str) -> None:
    try:
        parsed = parse_like(pattern, "\\")
    except ValueError:
        return
    expected = duckdb.execute("SELECT ? LIKE ? ESCAPE '\\'", [text, pattern]).fetchone()
    assert expected is not None and matcher(parsed)(text) is expected[0]
