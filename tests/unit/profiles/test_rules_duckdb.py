"""Property test: the Python evaluator and the DuckDB SQL select the same rows."""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings

from icrms.profiles.rules import compile_python, parse_criterion, to_sql
from tests.unit.profiles.rules_corner_cases import CORNER_CRITERIA
from tests.unit.profiles.rules_strategies import (
    EXTRA_FIELDS,
    SCHEMA,
    WATCHLIST_ROWS,
    criteria,
    pool,
    python_lookup,
    rows,
)

POOL = pool()


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute("CREATE TABLE watchlist_entry (list_name VARCHAR, value VARCHAR)")
    connection.executemany("INSERT INTO watchlist_entry VALUES (?, ?)", WATCHLIST_ROWS)
    connection.register("pool", pa.Table.from_pylist(POOL, schema=SCHEMA))
    return connection


def duckdb_ids(con: duckdb.DuckDBPyConnection, extra: list[dict[str, Any]], sql: str) -> set[int]:
    con.register("extra", pa.Table.from_pylist(extra, schema=SCHEMA))
    query = f"SELECT id FROM (SELECT * FROM pool UNION ALL SELECT * FROM extra) WHERE {sql}"
    return {row[0] for row in con.execute(query).fetchall()}


def python_ids(criterion: str, data: list[dict[str, Any]]) -> set[int]:
    predicate = compile_python(criterion, extra_fields=EXTRA_FIELDS)
    return {row["id"] for row in data if predicate(row, python_lookup)}


@settings(
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(criterion=criteria, extra=rows(max_rows=4))
def test_python_and_duckdb_select_the_same_rows(
    con: duckdb.DuckDBPyConnection, criterion: str, extra: list[dict[str, Any]]
) -> None:
    sql = to_sql(parse_criterion(criterion, extra_fields=EXTRA_FIELDS), "duckdb")
    expected = duckdb_ids(con, extra, sql)
    assert python_ids(criterion, POOL + extra) == expected, sql


@pytest.mark.parametrize("criterion", CORNER_CRITERIA)
def test_corner_cases_agree_with_duckdb(con: duckdb.DuckDBPyConnection, criterion: str) -> None:
    sql = to_sql(criterion, "duckdb", extra_fields=EXTRA_FIELDS)
    expected = duckdb_ids(con, [], sql)
    assert python_ids(criterion, POOL) == expected, sql


def test_sql_is_generated_not_copied() -> None:
    sql = to_sql("hs4 = '8517' /* x */ AND unit_value / quantity > 2", "duckdb")
    assert sql == '("hs4" = \'8517\') AND (("unit_value" / "quantity") > 2)'
    spark = to_sql("hs4 = '8517' AND unit_value / quantity > 2", "spark")
    assert spark == (
        "(`hs4` = '8517') AND (CASE WHEN `quantity` = 0 THEN `unit_value` * POWER(`quantity`, -1)"
        " ELSE `unit_value` / `quantity` END > 2)"
    )
    with pytest.raises(ValueError, match="dialect"):
        to_sql("aeo", "postgres")  # type: ignore[arg-type]


def test_watchlist_table_and_columns_are_parameters() -> None:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA risk")
    con.execute("CREATE TABLE risk.lists (name VARCHAR, entry VARCHAR)")
    con.execute("INSERT INTO risk.lists VALUES ('bad', 'TIN-1'), ('bad', NULL), ('good', 'TIN-2')")
    con.execute("CREATE TABLE t (id INTEGER, importer_id VARCHAR)")
    con.execute("INSERT INTO t VALUES (1, 'TIN-1'), (2, 'TIN-2'), (3, NULL)")
    names = {"watchlist_table": "risk.lists", "watchlist_name_column": "name"}
    sql = to_sql("in_watchlist('bad', importer_id)", watchlist_value_column="entry", **names)
    assert "risk.lists" in sql and '"entry"' in sql
    assert con.execute(f"SELECT id FROM t WHERE {sql}").fetchall() == [(1,)]
    negated = to_sql(
        "NOT in_watchlist('bad', importer_id)", watchlist_value_column="entry", **names
    )
    assert con.execute(f"SELECT id FROM t WHERE {negated}").fetchall() == [(2,)]


def test_timestamps_agree_with_duckdb() -> None:
    from datetime import UTC, datetime

    data = [
        {"id": 1, "lodged_at": datetime(2026, 3, 1, 23, 59, tzinfo=UTC)},
        {"id": 2, "lodged_at": datetime(2026, 3, 2, 0, 0, tzinfo=UTC)},
        {"id": 3, "lodged_at": None},
    ]
    schema = pa.schema([("id", pa.int64()), ("lodged_at", pa.timestamp("us", tz="UTC"))])
    con = duckdb.connect()
    con.execute("SET TimeZone = 'Asia/Seoul'")  # the session zone must not matter
    con.register("t", pa.Table.from_pylist(data, schema=schema))
    for criterion in (
        "lodged_at >= '2026-03-02'",
        "lodged_at < '2026-03-02T09:00:00+09:00'",
        "lodged_at BETWEEN '2026-03-01 23:59' AND '2026-03-01T23:59:00Z'",
        "lodged_at IN ('2026-03-02 00:00:00', NULL)",
    ):
        sql = to_sql(criterion)
        expected = {r[0] for r in con.execute(f"SELECT id FROM t WHERE {sql}").fetchall()}
        predicate = compile_python(criterion)
        assert {r["id"] for r in data if predicate(r, python_lookup)} == expected, criterion
