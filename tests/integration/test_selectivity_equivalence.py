"""The bulk engine gives exactly the live engine's channels, scores and reasons (DuckDB and Spark)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from icrms.generator import generate
from icrms.ingest.flows import ingest_file
from icrms.selectivity.bulk import bulk_assess, reasons_of
from icrms.selectivity.engine import Snapshot
from icrms.settings import Settings
from icrms.warehouse.base import LoadBatch, Warehouse
from icrms.warehouse.duckdb import DuckDBWarehouse
from icrms.warehouse.schema import FACT_CONTROL
from tests.selectivity_cases import live_decisions, snapshot, without_nulls

DECLARATIONS = 100_000


@pytest.fixture(scope="module")
def history(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[pa.Table, Snapshot, dict[tuple[str, int], Any]]:
    """100,000 generated declarations as warehouse item rows, a snapshot, and the live decisions."""
    folder = tmp_path_factory.mktemp("equivalence")
    path = folder / "declarations.parquet"
    generate(declarations=DECLARATIONS, seed=11, out=path)
    settings = Settings(home=folder / "ws")
    with DuckDBWarehouse(settings.warehouse_path) as wh:
        report = ingest_file(wh, path, fmt="native", settings=settings)
        assert report.quarantined == 0
        items = wh.sql("SELECT * FROM fact_item")
    snap = snapshot(items)
    return items, snap, live_decisions(snap, items)


def compare(result: pa.Table, live: dict[tuple[str, int], Any]) -> list[str]:
    problems = []
    for row, reasons in zip(result.to_pylist(), reasons_of(result), strict=True):
        expected = live[(row["declaration_id"], row["version"])]
        got = {"channel": row["channel"], "score": row["score"], "reasons": without_nulls(reasons)}
        if got != {**expected, "reasons": without_nulls(expected["reasons"])}:
            problems.append(f"{row['declaration_id']}: bulk {got} live {expected}")
    return problems


def check(wh: Warehouse, history: tuple[pa.Table, Snapshot, dict[tuple[str, int], Any]]) -> None:
    _, snap, live = history
    result = bulk_assess(wh, snap, items_sql="SELECT * FROM fact_item")
    assert result.num_rows == DECLARATIONS == len(live)
    assert compare(result, live) == []
    channels = Counter(result.column("channel").to_pylist())
    assert all(channels[c] > 100 for c in ("green", "yellow", "red", "blue")), channels
    kinds = Counter(r["kind"] for reasons in reasons_of(result) for r in reasons)
    assert all(kinds[k] > 10 for k in ("profile", "watchlist", "random", "quota")), kinds


def test_bulk_equals_live_on_duckdb(
    history: tuple[pa.Table, Snapshot, dict[tuple[str, int], Any]], tmp_path: Path
) -> None:
    with DuckDBWarehouse(tmp_path / "w.duckdb") as wh:
        wh.load(LoadBatch(history[0], FACT_CONTROL.empty_table()))
        check(wh, history)


@pytest.mark.spark
def test_bulk_equals_live_on_spark(
    spark_session: object,
    history: tuple[pa.Table, Snapshot, dict[tuple[str, int], Any]],
    tmp_path: Path,
) -> None:
    from icrms.warehouse.spark import SparkWarehouse

    with SparkWarehouse(tmp_path / "spark", spark=spark_session) as wh:  # type: ignore[arg-type]
        wh.load(LoadBatch(history[0], FACT_CONTROL.empty_table()))
        check(wh, history)
