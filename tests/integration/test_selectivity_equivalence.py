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


def test_files_mean_what_live_declarations_mean(workspace: Settings, tmp_path: Path) -> None:
    """An empty aeo is FALSE on both paths; items disagreeing on a header field are refused on both.

    The live side goes through the declaration model, as a declaration sent live does.
    """
    from icrms.declarations.schemas import DeclarationCreate
    from tests.factories import native_row, write_csv

    def row(n: int, item: int, **change: str) -> dict[str, str]:
        fields = {"importer_id": "TIN-1", "office_code": f"00{n}", **change}
        return native_row(n, item_no=str(item), **fields)

    rows = [row(n, 1, aeo="") for n in range(1, 5)] + [row(2, 2, aeo="")]
    mixed = [row(9, 1, aeo="true"), row(9, 2, aeo="false", office_code="0043")]
    path = write_csv(tmp_path / "f.csv", rows + mixed)
    with DuckDBWarehouse(workspace.warehouse_path) as wh:
        report = ingest_file(wh, path, fmt="native", settings=workspace)
        assert (report.loaded, report.quarantined) == (5, 2)
        items = wh.sql("SELECT * FROM fact_item")
        snap = snapshot(items)
        result = bulk_assess(wh, snap, items_sql="SELECT * FROM fact_item")
    live_rows = pa.Table.from_pylist(
        [
            {**r, "date_key": None, "source": None}
            for key in sorted({(r["declaration_id"], r["version"]) for r in items.to_pylist()})
            for r in DeclarationCreate.from_item_rows(
                [i for i in items.to_pylist() if (i["declaration_id"], i["version"]) == key]
            ).item_rows()
        ],
        schema=items.schema,
    )
    live = live_decisions(snap, live_rows)
    assert compare(result, live) == []
    assert all(any(r.get("code") == "WL-IMPORTER" for r in d["reasons"]) for d in live.values()), (
        live
    )
    with pytest.raises(
        ValueError,
        match=r"disagree on header fields: office_code \('0043', '009'\); aeo \(False, True\)",
    ):
        DeclarationCreate.from_item_rows([{**r, "aeo": r["aeo"] == "true"} for r in mixed])
