"""The KPI contract: every indicator gives the same answer on DuckDB and Spark, and the right one."""

from __future__ import annotations

import math
from datetime import date

import duckdb
import pytest

from icrms.errors import ValidationError
from icrms.kpis.catalogue import INDICATORS
from icrms.kpis.schemas import KpiFilters, KpiQuery, period_range
from icrms.kpis.service import compute
from icrms.warehouse.base import Warehouse

QUERIES = [  # on Spark each query takes seconds: two per indicator, covering every filter
    KpiQuery(by=("period",), grain="week", filters=KpiFilters(date_from=date(2025, 9, 1))),
    KpiQuery(
        by=("office",),
        filters=KpiFilters(hs_section="XVI", origin="CN", regime="11", date_to=date(2025, 6, 30)),
    ),
]


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


@pytest.mark.spark
@pytest.mark.parametrize("name", list(INDICATORS))
def test_duckdb_and_spark_agree(name: str, kpi_duckdb: Warehouse, kpi_spark: Warehouse) -> None:
    for query in QUERIES:
        if any(b not in INDICATORS[name].by for b in query.by):
            query = query.model_copy(update={"by": ()})
        left = compute(kpi_duckdb, name, query)
        right = compute(kpi_spark, name, query)
        assert left.columns == right.columns, (name, query)
        assert len(left.rows) == len(right.rows), (name, query)
        for a, b in zip(left.rows, right.rows, strict=True):
            assert all(_same(a[c], b[c]) for c in left.columns), (name, query, a, b)


def test_every_indicator_has_rows_on_the_generated_data(kpi_duckdb: Warehouse) -> None:
    empty = [name for name in INDICATORS if not compute(kpi_duckdb, name).rows]
    assert empty == []


def _truth(kpi_data: object) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(
        f"""CREATE TABLE d AS SELECT declaration_id, channel, control_selection AS selection,
               control_outcome AS outcome, lodged_at::TIMESTAMPTZ AS lodged,
               released_at::TIMESTAMPTZ AS released
            FROM '{kpi_data}' WHERE item_no = 1"""
    )
    return con


def test_channel_share_and_random_rate_match_the_file(
    kpi_duckdb: Warehouse, kpi_data: object
) -> None:
    con = _truth(kpi_data)
    share = {r["channel"]: r["declarations"] for r in compute(kpi_duckdb, "channel_share").rows}
    assert share == dict(con.sql("SELECT channel, count(*) FROM d GROUP BY 1").fetchall())
    random = compute(kpi_duckdb, "random_irregularity_rate").rows[0]
    n, hits = con.sql(
        "SELECT count(*), count(*) FILTER (WHERE outcome <> 'no_finding') FROM d "
        "WHERE selection = 'random'"
    ).fetchone()  # type: ignore[misc]
    assert (random["random_controls"], random["hits"]) == (n, hits)
    assert random["ci_low"] < hits / n < random["ci_high"]


def test_release_time_matches_the_file(kpi_duckdb: Warehouse, kpi_data: object) -> None:
    con = _truth(kpi_data)
    expected = dict(
        con.sql(
            "SELECT channel, quantile_cont(epoch(released) - epoch(lodged), 0.9) / 3600 FROM d "
            "WHERE released IS NOT NULL GROUP BY 1"
        ).fetchall()
    )
    got = {r["channel"]: r["p90_hours"] for r in compute(kpi_duckdb, "release_time").rows}
    assert got == pytest.approx(expected, rel=1e-9)
    median = {r["channel"]: r["median_hours"] for r in compute(kpi_duckdb, "release_time").rows}
    assert median["red"] > median["yellow"] > median["green"]


def test_filters_narrow_and_breakdowns_add_up(kpi_duckdb: Warehouse) -> None:
    total = compute(kpi_duckdb, "inspection_rate").rows[0]["declarations"]
    per_office = compute(kpi_duckdb, "inspection_rate", KpiQuery(by=("office",))).rows
    assert sum(r["declarations"] for r in per_office) == total
    october = KpiQuery(filters=KpiFilters(date_from=date(2025, 10, 1), date_to=date(2025, 10, 31)))
    monthly = compute(kpi_duckdb, "inspection_rate", KpiQuery(by=("period",))).rows
    assert compute(kpi_duckdb, "inspection_rate", october).rows[0]["declarations"] == next(
        r["declarations"] for r in monthly if r["period"] == "2025-10"
    )
    chapter = compute(kpi_duckdb, "top_hs_chapters", KpiQuery(filters=KpiFilters(hs_chapter="85")))
    assert {r["hs_chapter"] for r in chapter.rows} >= {"85"}


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda w: compute(w, "hit_rate", KpiQuery()), "indicator"),
        (lambda w: compute(w, "release_time", KpiQuery(by=("channel",))), "by"),
        (
            lambda w: compute(w, "channel_share", KpiQuery(filters=KpiFilters(channel="purple"))),
            "channel",
        ),
        (
            lambda w: compute(w, "seizures", KpiQuery(filters=KpiFilters(hs_section="XXX"))),
            "hs_section",
        ),
        (lambda w: period_range("2025-13"), "period"),
        (lambda w: period_range("last year"), "period"),
    ],
)
def test_bad_input_names_the_field_and_value(
    call: object, field: str, kpi_duckdb: Warehouse
) -> None:
    with pytest.raises(ValidationError) as caught:
        call(kpi_duckdb)  # type: ignore[operator]
    assert caught.value.field == field


def test_periods() -> None:
    assert period_range("2025-Q4") == (date(2025, 10, 1), date(2025, 12, 31))
    assert period_range("2025-02") == (date(2025, 2, 1), date(2025, 2, 28))
    assert period_range("2025-W01") == (date(2024, 12, 30), date(2025, 1, 5))
    assert period_range("2025") == (date(2025, 1, 1), date(2025, 12, 31))
