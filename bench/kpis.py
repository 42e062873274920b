"""KPI benchmark: every indicator's latency on DuckDB (cold and warm), the overview's time, and
the same indicators on Spark local with identical answers.

Generated declarations (with channels, times and control results) are ingested; assessment
reasons are derived in SQL (every targeted control cited by a profile, every third also by the
model, a few uncontrolled declarations by a profile), as the KPI contract suite does.
Cold: the first query in a freshly opened warehouse (the OS file cache may be warm). Warm: the
median of --repeat further runs. The overview is also timed as the web application serves it:
the first request after the warehouse changed (computed on request, and after the server's
background preparation), and the requests after it (answers kept while the warehouse file is
unchanged). Spark gets --spark-driver-memory. Prints one JSON line.

Usage: python bench/kpis.py [--rows 10000000] [--spark-rows 1000000] [--repeat 3]
       [--spark-driver-memory 4g] [--no-spark]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import machine

from icrms.generator import generate
from icrms.ingest.flows import ingest_file
from icrms.kpis.cache import WarehouseReader, clear, file_state
from icrms.kpis.catalogue import INDICATORS
from icrms.kpis.service import compute, overview
from icrms.settings import Settings
from icrms.warehouse.base import LoadBatch, SqlRows, Warehouse
from icrms.warehouse.duckdb import DuckDBWarehouse
from icrms.warehouse.schema import FACT_CONTROL, FACT_ITEM

REASONS = """
SELECT d.declaration_id, d.version, 1 AS policy_version, 1 AS profile_set_version,
       'm1' AS model_version, d.date_key, k.kind,
       CASE k.kind WHEN 'profile' THEN 'P-' || d.office_code ELSE 'm1' END AS code,
       CASE k.kind WHEN 'profile' THEN 1 END AS code_version, TRUE AS selected,
       CASE k.kind WHEN 'profile' THEN 40 ELSE 20 + hash(d.declaration_id) % 50 END AS score
FROM fact_declaration d LEFT JOIN fact_control c
  ON c.declaration_id = d.declaration_id AND c.version = d.version
JOIN (SELECT 'profile' AS kind UNION ALL SELECT 'model') k
  ON (k.kind = 'profile' AND (c.selection = 'targeted' OR hash(d.declaration_id) % 17 = 0))
  OR (k.kind = 'model' AND ((c.selection = 'targeted' AND hash(d.declaration_id) % 3 = 0)
                            OR hash(d.declaration_id) % 29 = 0))"""
FACTS = """
SELECT r.declaration_id, r.version, 1 AS policy_version, 1 AS profile_set_version,
       'm1' AS model_version, 'bulk' AS engine, r.date_key, d.office_code, d.channel,
       sum(r.score) AS score, FALSE AS random_selected, '[]' AS reasons
FROM fact_assessment_reason r JOIN fact_declaration d USING (declaration_id, version)
GROUP BY ALL"""


BATCH_ROWS = 245_760
LOADED = ("fact_item", "fact_control", "fact_declaration", "fact_assessment",
          "fact_assessment_reason")  # fmt: skip


def fill(folder: Path, rows: int, seed: int) -> tuple[Path, int]:
    """A warehouse holding at least ``rows`` generated item rows, with assessment reasons."""
    data = folder / f"declarations-{rows}.parquet"
    made = generate(max(rows * 10 // 27, 1), seed, data)
    settings = Settings(home=folder / f"ws-{rows}")
    settings.ensure_home()
    with DuckDBWarehouse(settings.warehouse_path) as wh:
        ingest_file(wh, data, fmt="native", settings=settings)
        none = (FACT_ITEM.empty_table(), FACT_CONTROL.empty_table())
        wh.load(LoadBatch(*none, assessment_reasons=SqlRows(REASONS)))
        wh.load(LoadBatch(*none, assessments=SqlRows(FACTS)))
    return settings.warehouse_path, made.rows


def timed(warehouse: Warehouse, name: str) -> tuple[float, list[dict[str, object]]]:
    started = time.perf_counter()
    rows = compute(warehouse, name).rows
    return time.perf_counter() - started, rows


def duckdb_latency(path: Path, repeat: int) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for name in INDICATORS:
        with DuckDBWarehouse(path) as wh:  # a fresh warehouse: the first query runs cold
            cold, _ = timed(wh, name)
            warm = statistics.median(timed(wh, name)[0] for _ in range(repeat))
        out[name] = {"cold_s": round(cold, 3), "warm_s": round(warm, 3)}
    with DuckDBWarehouse(path) as wh:
        started = time.perf_counter()
        overview(wh)
        cold = time.perf_counter() - started
        runs = []
        for _ in range(repeat):
            started = time.perf_counter()
            overview(wh)
            runs.append(time.perf_counter() - started)
    return out, {"cold_s": round(cold, 3), "warm_s": round(statistics.median(runs), 3)}


def served_overview(path: Path, repeat: int) -> dict[str, float]:
    """The overview page's server work (warehouse opened, figures computed, charts built): the
    process's first request, the first after a change of the warehouse when nothing prepared it,
    the background preparation the server runs after a change, the first request after that
    preparation, and the requests after it (answers and charts kept while the file is
    unchanged: the warehouse is not opened)."""
    from icrms.web.routes.dashboards import draw, overview_warmer

    settings = Settings(warehouse={"path": path})

    def request() -> float:
        started = time.perf_counter()
        with WarehouseReader(lambda: DuckDBWarehouse(path), file_state(path)) as reader:
            draw(reader, "overview", {})
        return time.perf_counter() - started

    clear()
    started = request()  # the process's first: Plotly loads its templates and validators
    clear()  # as after a write to the warehouse
    changed = request()
    clear()
    warmer = overview_warmer(settings)
    warmer.run_once()  # the first look notes the new state
    begun = time.perf_counter()
    if not warmer.run_once():  # the state held still: the overview is prepared
        raise RuntimeError("the overview was not prepared in the background")
    prepared = time.perf_counter() - begun
    warmed = request()
    kept = statistics.median(request() for _ in range(max(repeat, 3)))
    return {
        "first_after_start_s": round(started, 3),
        "first_after_change_unprepared_s": round(changed, 3),
        "background_preparation_s": round(prepared, 3),
        "first_after_change_prepared_s": round(warmed, 4),
        "kept_s": round(kept, 4),
    }


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def spark_check(path: Path, folder: Path, repeat: int, driver_memory: str) -> dict[str, object]:
    """Copy the DuckDB warehouse into Spark; time every indicator and compare every value."""
    import pyarrow as pa

    from icrms.warehouse.spark import SparkWarehouse

    with DuckDBWarehouse(path) as source:
        tables = {name: source.sql(f"SELECT * FROM {name}") for name in LOADED}
        expected = {name: compute(source, name).rows for name in INDICATORS}
    spark = SparkWarehouse(folder / "spark", driver_memory=driver_memory)
    try:
        size = {name: tables[name].num_rows for name in tables}
        parts = max(math.ceil(size["fact_item"] / BATCH_ROWS), 1)
        for n in range(parts):  # batches of the size ingest writes, not one huge hand-over

            def part(name: str, n: int = n) -> pa.Table:
                step = math.ceil(size[name] / parts)
                return tables[name].slice(n * step, step)

            spark.load(
                LoadBatch(
                    part("fact_item"),
                    part("fact_control"),
                    declarations=part("fact_declaration"),
                    assessments=part("fact_assessment"),
                    assessment_reasons=part("fact_assessment_reason"),
                )
            )
        latency, identical = {}, {}
        for name in INDICATORS:
            runs = []
            for _ in range(repeat):
                seconds, rows = timed(spark, name)
                runs.append(seconds)
            latency[name] = round(statistics.median(runs), 3)
            want = expected[name]
            identical[name] = len(rows) == len(want) and all(
                all(_same(r[k], w[k]) for k in w) for r, w in zip(rows, want, strict=True)
            )
    finally:
        spark.close()
    return {"latency_s": latency, "identical": identical}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--spark-rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-spark", action="store_true")
    parser.add_argument("--spark-driver-memory", default="4g")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="icrms-bench-kpis-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        path, rows = fill(folder, args.rows, 1)
        prepared = time.perf_counter() - started
        indicators, overview_time = duckdb_latency(path, args.repeat)
        overview_time["served"] = served_overview(path, args.repeat)
        result: dict[str, object] = {
            "bench": "kpis",
            "duckdb": {
                "item_rows": rows,
                "prepare_s": round(prepared, 1),
                "indicators": indicators,
                "max_cold_s": max(v["cold_s"] for v in indicators.values()),
                "max_warm_s": max(v["warm_s"] for v in indicators.values()),
                "overview": overview_time,
            },
        }
        if not args.no_spark:
            small, small_rows = fill(folder, args.spark_rows, 2)
            result["spark"] = {
                "item_rows": small_rows,
                "driver_memory": args.spark_driver_memory,
                **spark_check(small, folder, args.repeat, args.spark_driver_memory),
            }
        result["machine"] = machine()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
