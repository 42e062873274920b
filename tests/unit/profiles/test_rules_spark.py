"""Property test: the Python evaluator and Spark SQL (local mode, ANSI on) select the same rows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from icrms.profiles.rules import compile_python, to_sql
from tests.unit.profiles.rules_corner_cases import CORNER_CRITERIA
from tests.unit.profiles.rules_strategies import (
    EXTRA_FIELDS,
    WATCHLIST_ROWS,
    criteria,
    pool,
    python_lookup,
)

pytestmark = pytest.mark.spark
POOL = pool(size=200)
SPARK_SCHEMA = (
    "id BIGINT, hs4 STRING, country_of_origin STRING, description STRING, importer_id STRING, "
    "unit_value DOUBLE, quantity DOUBLE, item_no INT, model_score DOUBLE, aeo BOOLEAN, "
    "lodged_date DATE"
)


@pytest.fixture(scope="session")
def rules_spark(spark_session: Any) -> Iterator[Any]:
    """A child session of the shared SparkSession.

    A child session has its own SQL settings and temporary views, so the settings below do not
    leak into other Spark tests sharing the JVM.
    """
    base = spark_session
    base.sparkContext.setLogLevel("ERROR")
    session = base.newSession()
    session.conf.set("spark.sql.shuffle.partitions", "1")
    session.conf.set("spark.sql.session.timeZone", "UTC")
    session.conf.set("spark.sql.ansi.enabled", "true")  # Spark 4's default, made explicit
    session.conf.set("spark.sql.variable.substitute", "false")  # as every icrms session
    yield session


@pytest.fixture(scope="module")
def tables(rules_spark: Any) -> Any:
    rules_spark.createDataFrame(POOL, SPARK_SCHEMA).cache().createOrReplaceTempView("pool")
    watchlist = rules_spark.createDataFrame(WATCHLIST_ROWS, "list_name STRING, value STRING")
    watchlist.cache().createOrReplaceTempView("watchlist_entry")
    return rules_spark


def spark_ids(spark: Any, criterion: str) -> set[int]:
    sql = to_sql(criterion, "spark", extra_fields=EXTRA_FIELDS)
    return {row[0] for row in spark.sql(f"SELECT id FROM pool WHERE {sql}").collect()}


def python_ids(criterion: str) -> set[int]:
    predicate = compile_python(criterion, extra_fields=EXTRA_FIELDS)
    return {row["id"] for row in POOL if predicate(row, python_lookup)}


def test_division_by_zero_is_ieee_with_ansi_mode_on(tables: Any) -> None:
    assert tables.conf.get("spark.sql.ansi.enabled") == "true"
    nulls = {row["id"] for row in POOL if row["unit_value"] is None}
    assert spark_ids(tables, "unit_value / 0 IS NULL") == nulls  # infinite or NaN, as in DuckDB
    assert spark_ids(tables, "unit_value / 0 > 1e308") == python_ids("unit_value / 0 > 1e308")


@pytest.mark.parametrize("criterion", CORNER_CRITERIA)
def test_corner_cases_agree_with_spark(tables: Any, criterion: str) -> None:
    assert python_ids(criterion) == spark_ids(tables, criterion)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(criterion=criteria)
def test_python_and_spark_select_the_same_rows(tables: Any, criterion: str) -> None:
    assert python_ids(criterion) == spark_ids(tables, criterion), criterion


def test_timestamps_agree_with_spark_whatever_the_session_zone(rules_spark: Any) -> None:
    from datetime import UTC, datetime

    data = [
        {"id": 1, "lodged_at": datetime(2026, 3, 1, 23, 59, tzinfo=UTC)},
        {"id": 2, "lodged_at": datetime(2026, 3, 2, 0, 0, tzinfo=UTC)},
        {"id": 3, "lodged_at": None},
    ]
    spark = rules_spark
    spark.createDataFrame(data, "id BIGINT, lodged_at TIMESTAMP").createOrReplaceTempView("ts")
    spark.conf.set("spark.sql.session.timeZone", "Asia/Seoul")
    try:
        for criterion in (
            "lodged_at >= '2026-03-02'",
            "lodged_at < '2026-03-02T09:00:00+09:00'",
            "lodged_at BETWEEN '2026-03-01 23:59' AND '2026-03-01T23:59:00Z'",
        ):
            sql = to_sql(criterion, "spark")
            got = {row[0] for row in spark.sql(f"SELECT id FROM ts WHERE {sql}").collect()}
            predicate = compile_python(criterion)
            assert {r["id"] for r in data if predicate(r, python_lookup)} == got, criterion
    finally:
        spark.conf.set("spark.sql.session.timeZone", "UTC")
