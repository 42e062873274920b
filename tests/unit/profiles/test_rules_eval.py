"""The Python evaluator: SQL three-valued logic and the corner cases, on explicit rows."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from icrms.profiles.rules import compile_python, no_watchlists, parse_criterion

EXTRA = {"a": "bool", "b": "bool", "x": "number", "y": "number", "s": "string"}
T, F, N = True, False, None


def matches(criterion: str, row: dict[str, Any], lookup: Any = no_watchlists) -> bool:
    return compile_python(criterion, extra_fields=EXTRA)(row, lookup)


def sql_value(criterion: str, row: dict[str, Any]) -> bool | None:
    """TRUE, FALSE or NULL (None), read through the predicate and its negation."""
    if matches(criterion, row):
        return True
    if matches(f"NOT ({criterion})", row):
        return False
    return None


KLEENE_AND = {(T, T): T, (T, F): F, (T, N): N, (F, F): F, (F, N): F, (N, N): N}
KLEENE_OR = {(T, T): T, (T, F): T, (T, N): T, (F, F): F, (F, N): N, (N, N): N}


@pytest.mark.parametrize("a", [T, F, N])
@pytest.mark.parametrize("b", [T, F, N])
def test_and_or_not_follow_kleene_logic(a: bool | None, b: bool | None) -> None:
    row = {"a": a, "b": b}
    key = (a, b) if (a, b) in KLEENE_AND else (b, a)
    assert sql_value("a AND b", row) is KLEENE_AND[key]
    assert sql_value("a OR b", row) is KLEENE_OR[key]
    assert sql_value("NOT a", row) is (None if a is None else not a)
    assert sql_value("NOT (a AND b)", row) is (
        None if KLEENE_AND[key] is None else not KLEENE_AND[key]
    )
    assert sql_value("a AND b AND TRUE AND a", row) is KLEENE_AND[key]


@pytest.mark.parametrize("op", ["=", "<>", "!=", "<", "<=", ">", ">="])
def test_comparisons_with_null_are_unknown(op: str) -> None:
    assert sql_value(f"x {op} 1", {"x": None}) is None
    assert sql_value(f"1 {op} x", {}) is None  # a missing key is NULL too
    assert sql_value(f"x {op} y", {"x": 1, "y": None}) is None
    assert sql_value(f"s {op} 'a'", {"s": None}) is None


def test_comparisons() -> None:
    row = {"x": 2, "y": 2.0, "s": "b"}
    assert sql_value("x = y AND x <= y AND x >= y AND NOT x <> y AND NOT x < y", row) is True
    assert sql_value("s > 'a' AND s < 'c' AND 'b' = s AND s <> 'B'", row) is True
    assert sql_value("x + 1 > y", row) is True


def test_in_list_with_nulls() -> None:
    assert sql_value("s IN ('CN', 'HK')", {"s": "CN"}) is True
    assert sql_value("s IN ('CN', 'HK')", {"s": "DE"}) is False
    assert sql_value("s IN ('CN', 'HK')", {"s": None}) is None
    assert sql_value("s IN ('CN', NULL)", {"s": "CN"}) is True
    assert sql_value("s IN ('CN', NULL)", {"s": "DE"}) is None
    assert not matches("s NOT IN ('CN', NULL)", {"s": "DE"})
    assert not matches("s NOT IN ('CN')", {"s": None})
    assert matches("s NOT IN ('CN')", {"s": "DE"})
    assert matches("x IN (1, 2.5, -3)", {"x": -3}) and matches("x IN (1, 2.5)", {"x": 1.0})
    assert matches("LOWER(s) IN ('cn')", {"s": "CN"})


def test_between_with_nulls() -> None:
    assert sql_value("x BETWEEN 1 AND 10", {"x": 5}) is True
    assert sql_value("x BETWEEN 1 AND 10", {"x": 10}) is True
    assert sql_value("x BETWEEN 1 AND 10", {"x": 11}) is False
    assert sql_value("x BETWEEN 1 AND 10", {"x": None}) is None
    assert sql_value("x BETWEEN y AND 10", {"x": 5, "y": None}) is None
    assert sql_value("x BETWEEN y AND 3", {"x": 5, "y": None}) is False  # x <= 3 is FALSE
    assert sql_value("x BETWEEN 7 AND y", {"x": 5, "y": None}) is False  # x >= 7 is FALSE
    assert matches("x NOT BETWEEN y AND 3", {"x": 5, "y": None})
    assert not matches("x NOT BETWEEN y AND 10", {"x": 5, "y": None})
    assert sql_value("x BETWEEN 10 AND 1", {"x": 5}) is False


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("'%tyre%'", "used tyres", True),
        ("'%tyre%'", "TYRES", False),
        ("'a_c'", "abc", True),
        ("'a_c'", "ac", False),
        ("'a_c'", "aéc", True),
        ("'a%'", "a\nb", True),
        ("'a_b'", "a\nb", True),
        ("'abc'", "abc", True),
        ("'abc'", "abcd", False),
        ("''", "", True),
        ("'%'", "", True),
        ("'a\\b'", "a\\b", True),  # no escape character unless ESCAPE says so
        ("'a\\%' ESCAPE '\\'", "a%", True),
        ("'a\\%' ESCAPE '\\'", "abc", False),
        ("'a\\b' ESCAPE '\\'", "ab", True),  # escaping an ordinary character keeps it
        ("'a\\\\' ESCAPE '\\'", "a\\", True),
        ("'a!_c' ESCAPE '!'", "a_c", True),
        ("'a!_c' ESCAPE '!'", "abc", False),
        ("'%%' ESCAPE '%'", "%", True),
        ("'%%' ESCAPE '%'", "x", False),
        ("'a_' ESCAPE ''", "ab", True),
        ("'%.*%'", "a.*b", True),
        ("'[ab]'", "a", False),
    ],
)
def test_like(pattern: str, value: str, expected: bool) -> None:
    assert matches(f"s LIKE {pattern}", {"s": value}) is expected
    assert matches(f"s NOT LIKE {pattern}", {"s": value}) is not expected
    assert not matches(f"s LIKE {pattern}", {"s": None})
    assert not matches(f"s NOT LIKE {pattern}", {"s": None})


def test_ilike_folds_case() -> None:
    assert matches("s ILIKE '%TYRE%'", {"s": "Used Tyres"})
    assert matches("s ILIKE 'é%'", {"s": "École"})
    assert matches("s ILIKE 'É%'", {"s": "école"})
    assert matches("s NOT ILIKE 'x%'", {"s": "Used"})


def test_is_null_and_is_true_are_never_null() -> None:
    assert matches("s IS NULL", {"s": None}) and matches("s IS NULL", {})
    assert matches("s IS NOT NULL", {"s": ""})
    assert matches("(x > 1) IS NULL", {"x": None})
    assert matches("a IS NOT TRUE", {"a": None}) and matches("a IS NOT FALSE", {"a": None})
    assert not matches("a IS TRUE", {"a": None}) and not matches("a IS FALSE", {"a": None})
    assert matches("a IS FALSE", {"a": False}) and matches("(x > 1) IS TRUE", {"x": 2})


def test_arithmetic_with_null_is_null_and_division_by_zero_is_ieee() -> None:
    assert sql_value("x + y > 0", {"x": 1, "y": None}) is None
    assert sql_value("-x < 0", {"x": None}) is None
    assert matches("x / y > 1e308", {"x": 1, "y": 0})  # +infinity, as in DuckDB
    assert matches("x / y < -1e308", {"x": 1, "y": -0.0})
    assert matches("x / 0 IS NOT NULL AND x / 0 > 1e308", {"x": 0})  # NaN: above every number
    assert not matches("x / 0 IS NULL", {"x": 0})
    assert matches("x / y = 0.5", {"x": 1, "y": 2})  # true division, also for integers
    assert matches("0.1 + 0.2 = 0.30000000000000004", {})  # doubles, not decimals


@pytest.mark.parametrize(
    ("expression", "value", "expected"),
    [
        ("ROUND(x)", 2.5, 3.0),
        ("ROUND(x)", -2.5, -3.0),
        ("ROUND(x)", 0.49999999999999994, 0.0),  # exact, as DuckDB (issue 7 item 5)
        ("ROUND(x, 2)", 2.675, 2.68),
        ("ROUND(x, 2)", 1.005, 1.0),
        ("ROUND(x, -1)", 15, 20.0),
        ("ROUND(x, -2)", -1234.5, -1200.0),
        ("ROUND(x, 3)", 1e300, 1e300),
    ],
)
def test_round_is_duckdbs_round(expression: str, value: float, expected: float) -> None:
    assert matches(f"{expression} = {expected!r}", {"x": value})


def test_string_functions() -> None:
    row = {"s": "8517130000"}
    assert matches("LEFT(s, 4) = '8517' AND RIGHT(s, 4) = '0000' AND RIGHT(s, 0) = ''", row)
    assert matches("SUBSTR(s, 3, 2) = '17' AND SUBSTR(s, 9) = '00' AND SUBSTR(s, 20) = ''", row)
    assert matches("LENGTH(s) = 10 AND UPPER('ab') = 'AB' AND LOWER('AB') = 'ab'", row)
    assert matches("ABS(-x) = 3 AND COALESCE(y, x, 0) = 3", {"x": 3, "y": None})
    assert not matches("LEFT(s, 2) = '85'", {"s": None})


def test_case_skips_unknown_conditions() -> None:
    criterion = "CASE WHEN x > 1 THEN 'big' WHEN x <= 1 THEN 'small' ELSE 'none' END = 'none'"
    assert matches(criterion, {"x": None})
    assert not matches(criterion, {"x": 2})
    assert sql_value("CASE WHEN a THEN 1 END = 1", {"a": None}) is None
    assert matches("CASE s WHEN 'CN' THEN 1 ELSE 2 END = 2", {"s": None})


def test_watchlist_lookup() -> None:
    calls: list[tuple[str, Any]] = []

    def lookup(name: str, value: Any) -> bool:
        calls.append((name, value))
        return (name, value) == ("high_risk", "TIN-1")

    criterion = "in_watchlist('high_risk', s)"
    assert matches(criterion, {"s": "TIN-1"}, lookup)
    assert not matches(criterion, {"s": "TIN-2"}, lookup)
    assert matches(f"NOT {criterion}", {"s": "TIN-2"}, lookup)
    assert not matches(criterion, {"s": None}, lookup)  # NULL value: unknown
    assert not matches(f"NOT {criterion}", {"s": None}, lookup)
    assert calls == [("high_risk", "TIN-1"), ("high_risk", "TIN-2"), ("high_risk", "TIN-2")]
    with pytest.raises(LookupError, match="high_risk"):
        matches(criterion, {"s": "TIN-1"})


def test_booleans_from_other_sources_are_normalised() -> None:
    numpy = pytest.importorskip("numpy")
    for true in (True, 1, numpy.bool_(True)):
        assert matches("a", {"a": true}) and not matches("NOT a", {"a": true})
        assert matches("a = TRUE", {"a": true}) and matches("a IS TRUE", {"a": true})
    for false in (False, 0, numpy.bool_(False)):
        assert matches("NOT a", {"a": false}) and not matches("a", {"a": false})


def test_dates_and_timestamps() -> None:
    row = {
        "lodged_date": date(2026, 3, 2),
        "lodged_at": datetime(2026, 3, 2, 0, 30, tzinfo=UTC),
    }
    assert compile_python("lodged_date = '2026-03-02'")(row, no_watchlists)
    assert compile_python("lodged_date BETWEEN '2026-03-01' AND '2026-03-31'")(row, no_watchlists)
    assert compile_python("lodged_at < '2026-03-02T09:00:00+09:00'")(row, no_watchlists) is False
    assert compile_python("lodged_at >= '2026-03-02'")(row, no_watchlists)
    assert compile_python("lodged_date IN ('2026-03-02', NULL)")(row, no_watchlists)


def test_a_parsed_criterion_compiles_without_reparsing() -> None:
    parsed = parse_criterion("x > 1", extra_fields=EXTRA)
    predicate = compile_python(parsed)
    assert predicate({"x": 2}, no_watchlists) is True
    assert predicate({"x": 1}, no_watchlists) is False
