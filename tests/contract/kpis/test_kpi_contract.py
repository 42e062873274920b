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


def _trader_oracle(warehouse: Warehouse, keep: object) -> list[dict[str, object]]:
    """The 50 importers by hits, revenue, mean risk score, from the raw fact rows in Python."""
    declarations = warehouse.sql(
        "SELECT declaration_id, version, importer_id, office_code, date_key FROM fact_declaration"
    ).to_pylist()
    controls: dict[tuple[str, int], list[float]] = {}  # hit, revenue
    for c in warehouse.sql("SELECT * FROM fact_control").to_pylist():
        row = controls.setdefault((c["declaration_id"], c["version"]), [0, 0.0])
        row[0] = max(row[0], int(c["outcome"] in ("irregularity", "seizure")))
        row[1] += c["extra_revenue"] or 0
    scores: dict[tuple[str, int], int] = {}
    for a in warehouse.sql(
        "SELECT declaration_id, version, score FROM fact_assessment"
    ).to_pylist():
        key = (a["declaration_id"], a["version"])
        scores[key] = max(scores.get(key, a["score"]), a["score"])
    per: dict[str, dict[str, object]] = {}
    for d in declarations:
        if not keep(d):  # type: ignore[operator]
            continue
        key = (d["declaration_id"], d["version"])
        p = per.setdefault(d["importer_id"], {"n": 0, "s": [], "c": 0, "h": 0, "r": 0.0})
        p["n"] += 1  # type: ignore[operator]
        if key in scores:
            p["s"].append(scores[key])  # type: ignore[attr-defined]
        if key in controls:
            p["c"] += 1  # type: ignore[operator]
            p["h"] += controls[key][0]  # type: ignore[operator]
            p["r"] += controls[key][1]  # type: ignore[operator]
    rows = [
        {
            "importer": imp,
            "declarations": p["n"],
            "mean_risk_score": sum(p["s"]) / len(p["s"]) if p["s"] else None,  # type: ignore[arg-type]
            "controls": p["c"],
            "hits": p["h"],
            "revenue": p["r"],
        }
        for imp, p in per.items()
    ]

    def order(r: dict[str, object]) -> tuple[object, ...]:
        score = r["mean_risk_score"]
        return (-r["hits"], -r["revenue"], score is None, -(score or 0), r["importer"])  # type: ignore[operator]

    return sorted(rows, key=order)[:50]


@pytest.mark.parametrize("data", ["kpi_duckdb", "kpi_duckdb_wide"])
def test_trader_ranking_matches_an_oracle(data: str, request: pytest.FixtureRequest) -> None:
    """On the wide data more than 50 importers have findings, so only those can be ranked;
    on the small data, and in one office over one month, fewer have and importers without
    findings fill the rows."""
    warehouse: Warehouse = request.getfixturevalue(data)
    office = warehouse.sql("SELECT min(office_code) AS o FROM fact_declaration").to_pylist()[0]
    narrow = KpiFilters(office=office["o"], date_from=date(2025, 10, 1), date_to=date(2025, 10, 31))

    def in_narrow(d: dict[str, object]) -> bool:
        return d["office_code"] == office["o"] and 20251001 <= d["date_key"] <= 20251031  # type: ignore[operator]

    for filters, keep in ((KpiFilters(), lambda d: True), (narrow, in_narrow)):
        got = compute(warehouse, "trader_ranking", KpiQuery(filters=filters)).rows
        want = _trader_oracle(warehouse, keep)
        assert len(got) == len(want) > 0
        with_hits = sum(1 for r in want if r["hits"])
        if data == "kpi_duckdb_wide" and filters == KpiFilters():
            assert with_hits == 50  # the top 50 all have findings: the narrowed path
        else:
            assert 0 < with_hits < 50  # importers without findings among the 50
        for a, b in zip(got, want, strict=True):
            assert all(_same(a[k], b[k]) for k in b), (a, b)
