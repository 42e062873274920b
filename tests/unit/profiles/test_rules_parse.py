"""Parsing, whitelisting and type checking of criteria."""

from __future__ import annotations

import pyarrow as pa
import pytest

from icrms.declarations import fields as declaration_fields
from icrms.profiles.rules import (
    CriterionError,
    FieldCatalog,
    parse_criterion,
    referenced_fields,
    referenced_watchlists,
    to_sql,
)


def test_spec_examples_parse_and_report_what_they_read() -> None:
    first = "hs4 = '8517' AND unit_value < 20 AND country_of_origin IN ('CN','HK') AND NOT aeo"
    second = "in_watchlist('high_risk_importers', importer_id) OR lower(description) LIKE '%tyre%'"
    assert referenced_fields(first) == {"hs4", "unit_value", "country_of_origin", "aeo"}
    assert referenced_watchlists(first) == frozenset()
    assert referenced_fields(second) == {"importer_id", "description"}
    assert referenced_watchlists(second) == {"high_risk_importers"}


def test_every_item_row_field_is_allowed() -> None:
    for field in declaration_fields.NATIVE_FIELDS + declaration_fields.DERIVED_FIELDS:
        assert referenced_fields(f"{field.name} IS NULL") == {field.name}


def test_field_names_are_case_insensitive_unless_quoted() -> None:
    assert referenced_fields("HS4 = '8517' AND \"hs2\" = '85'") == {"hs4", "hs2"}


def test_extra_fields_extend_the_catalogue() -> None:
    with pytest.raises(CriterionError, match="unknown field 'model_score'"):
        parse_criterion("model_score > 0.8")
    parsed = parse_criterion("model_score > 0.8", extra_fields={"model_score": "number"})
    assert parsed.fields == {"model_score"}
    catalog = FieldCatalog.default().extended({"flagged": pa.bool_(), "score": pa.int64()})
    assert catalog["flagged"].type == "bool"
    assert (catalog["score"].type, catalog["score"].integer) == ("number", True)
    assert parse_criterion("flagged AND score > 1", catalog=catalog).fields == {"flagged", "score"}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"hs4": "string"}, "defined twice"),
        ({"Bad Name": "number"}, "lower-case identifier"),
        ({"score": "float"}, "is not one of"),
        ({"score": pa.list_(pa.int32())}, "no rule-language type"),
    ],
)
def test_bad_extra_fields_are_refused(extra: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FieldCatalog.default().extended(extra)


def test_comments_are_harmless_and_never_reach_the_sql() -> None:
    parsed = parse_criterion("/* phones */ hs4 = '8517' -- from China\n AND aeo")
    assert parsed.fields == {"hs4", "aeo"}
    sql = to_sql(parsed, "duckdb")
    assert "phones" not in sql and "China" not in sql and "--" not in sql


REJECTIONS = [
    ("importr_id = 'TIN-1'", "unknown field 'importr_id' (did you mean 'importer_id'?)", 0),
    ("hs4 = '8517' AND sleep(1)", "function SLEEP is not allowed", 17),
    ("hs4 = '8517' AND now() > lodged_at", "function NOW is not allowed", 17),
    ("strlen(hs4) > 2", "function STRLEN is not allowed", 0),
    ("hs4 IN (SELECT value FROM t)", "subqueries are not allowed", 8),
    ("EXISTS (SELECT 1)", "subqueries are not allowed", 8),
    ("(SELECT TRUE)", "subqueries are not allowed", 1),
    ("hs4 = '8517'; DROP TABLE x", "';' is not allowed", 12),
    ("DROP TABLE declarations", "a DROP statement is not allowed", 0),
    ("unit_value * 2", "criterion must be a boolean expression, got number", 0),
    ("NULL", "criterion must be a boolean expression, got NULL", 0),
    ("hs4 = 8517", "cannot compare string field 'hs4' with number 8517; write text in", 0),
    ("unit_value > '20'", "cannot compare number field 'unit_value' with string '20'", 0),
    ("aeo = 1", "cannot compare bool field 'aeo' with number 1", 0),
    ("lodged_date = lodged_at", "cannot compare date field 'lodged_date' with timestamp", 0),
    ("hs4 = NULL", "comparison = NULL is never true; use IS NULL", 6),
    ("unit_value BETWEEN NULL AND 3", "BETWEEN with NULL is never true", 19),
    ("t.hs4 = '8517'", "qualified field t.hs4 is not allowed", 0),
    ("\"hs4x\" = '1'", "unknown field 'hs4x' (double quotes name a field", 0),
    ("quantity % 2 = 0", "operator % is not allowed", 9),
    ("quantity // 2 = 0", "operator // is not allowed", 9),
    ("hs4 || hs2 = 'x'", "operator || is not allowed", 4),
    ("CAST(hs4 AS INT) = 1", "CAST is not allowed; write a date as DATE", 0),
    ("unit_value::INT = 1", "CAST is not allowed", 0),
    ("hs4 SIMILAR TO '85%'", "SIMILAR TO is not allowed", 4),
    ("hs4 ~ '85.*'", "regular-expression match ~ is not allowed", 4),
    ("hs4 GLOB '85*'", "GLOB is not allowed", 4),
    ("unit_value ^ 2 > 1", "operator ^ is not allowed", 11),
    ("aeo = duty_rate IS NULL", "IS next to = is ambiguous: add parentheses", 16),
    ("aeo <> duty_rate IS NOT NULL", "IS next to <> is ambiguous", 17),
    ("unit_value < quantity = aeo", "comparisons cannot be chained", 0),
    ("hs4 = ?", "parameter placeholder is not allowed", 6),
    ("hs4 LIKE hs2", "LIKE pattern must be a string literal", 9),
    ("description LIKE 'ab\\' ESCAPE '\\'", "must not end with the escape character", 20),
    ("description LIKE 'a' ESCAPE 'xy'", "ESCAPE must be empty or a single character", 28),
    ("unit_value LIKE '1%'", "left side of LIKE must be string, got number field", 0),
    ("LEFT(hs_code, -1) = '8'", "length of LEFT must be an integer literal from 0 to", 15),
    ("LEFT(hs_code, item_no) = '8'", "length of LEFT must be an integer literal", 14),
    ("SUBSTR(hs_code, 0, 2) = '85'", "start of SUBSTR must be an integer literal from 1", 16),
    ("ROUND(unit_value, 20) > 1", "digits of ROUND must be an integer literal from -15 to 15", 18),
    ("ROUND(unit_value, 1.5) > 1", "digits of ROUND must be an integer literal", 18),
    ("in_watchlist(importer_id, 'x')", "the list name must be a non-empty string literal", 13),
    ("in_watchlist('x', quantity)", "value of in_watchlist must be string, got number", 18),
    ("in_watchlist('x')", "takes a list name and a value", 0),
    ("hs4 IN (hs2, 'x')", "IN list may only hold literals, got hs2", 8),
    ("NOT unit_value", "operand of NOT must be bool, got number field 'unit_value'", 4),
    ("aeo AND 1", "operand of AND must be bool, got number 1", 8),
    ("lodged_date > '2026-13-01'", "'2026-13-01' is not a valid date (YYYY-MM-DD)", 14),
    ("lodged_at > 'yesterday'", "'yesterday' is not a valid timestamp", 12),
    ("unit_value BETWEEN SYMMETRIC 1 AND 2", "BETWEEN SYMMETRIC is not allowed", 19),
    ("hs4 = 'abc", "cannot read the criterion", 6),
    ("hs4 = = 'x'", "syntax error", 6),
    ("unit_value > 1e999", "number 1e999 is out of range", 13),
    ("hs4 IS 'x'", "IS must be followed by [NOT] NULL, TRUE or FALSE", 4),
    ("COALESCE(NULL, NULL) IS NULL", "COALESCE of only NULLs is always NULL", 0),
    (
        "CASE WHEN aeo THEN 1 ELSE 'x' END = 1",
        "CASE results: cannot compare number 1 with string",
        19,
    ),
]


@pytest.mark.parametrize(("criterion", "message", "position"), REJECTIONS)
def test_rejections_name_what_and_where(criterion: str, message: str, position: int) -> None:
    with pytest.raises(CriterionError) as caught:
        parse_criterion(criterion)
    err = caught.value
    assert message in err.message
    assert err.position == position, err.message
    assert err.message.endswith(f"at position {position}")
    assert err.criterion == criterion
    assert isinstance(err, ValueError) and str(err) == err.message


def test_empty_criteria_are_rejected() -> None:
    for text in ("", "   ", "-- only a comment"):
        with pytest.raises(CriterionError, match=r"empty|exactly one expression"):
            parse_criterion(text)


@pytest.mark.parametrize("depth", [70, 100, 3000])
def test_deep_nesting_is_a_criterion_error_not_a_crash(depth: int) -> None:
    with pytest.raises(CriterionError, match="nested"):
        parse_criterion("NOT " * depth + "aeo")
    with pytest.raises(CriterionError, match="nested"):
        parse_criterion("(" * depth + "aeo" + ")" * depth)


def test_positions_are_line_aware_for_syntax_errors() -> None:
    text = "hs4 = '8517'\nAND = 1"
    with pytest.raises(CriterionError) as caught:
        parse_criterion(text)
    assert caught.value.position is not None and caught.value.position >= text.index("\n")


def test_string_literals_become_dates_and_utc_timestamps() -> None:
    sql = to_sql("lodged_at >= '2026-03-01T09:00:00+09:00' AND lodged_date < '2026-04-01'")
    assert "CAST('2026-03-01 00:00:00+00:00' AS TIMESTAMPTZ)" in sql
    assert "CAST('2026-04-01' AS DATE)" in sql


@pytest.mark.parametrize(
    "criterion",
    [
        "lodged_date >= DATE '2026-01-01'",
        "lodged_at < TIMESTAMP '2026-01-02 10:00'",
        "hs4 IS DISTINCT FROM hs2",
        "unit_value IS NOT DISTINCT FROM quantity",
        "NULLIF(hs4, '8517') IS NULL",
        "aeo = (duty_rate IS NULL)",
        "(aeo = (duty_rate > 0)) IS NULL",
    ],
)
def test_forms_analysts_write_are_accepted(criterion: str) -> None:
    parse_criterion(criterion)


@pytest.mark.parametrize("criterion", ["hs4 SIMILAR TO 'x'", "hs4 <=> NULL", "x'AB' = hs4"])
def test_refusals_never_use_parser_class_names(criterion: str) -> None:
    try:
        parse_criterion(criterion)
    except CriterionError as err:
        for word in ("SIMILARTO", "NULLSAFE", "BYTESTRING", "REGEXP", "Anonymous"):
            assert word not in err.message
