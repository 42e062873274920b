"""Generated files load through the project's own ingest without a single quarantined row."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from icrms.generator import generate
from icrms.ingest.flows import ingest_file
from icrms.settings import Settings
from icrms.warehouse.base import Warehouse
from icrms.warehouse.duckdb import DuckDBWarehouse


@pytest.fixture
def wh(workspace: Settings) -> Iterator[Warehouse]:
    with DuckDBWarehouse(workspace.warehouse_path) as opened:
        yield opened


@pytest.mark.parametrize(
    ("fmt", "suffix"), [("native", ".csv"), ("native", ".jsonl"), ("native", ".parquet"),
                        ("date", ".csv")],
)  # fmt: skip
def test_generated_file_ingests_cleanly(
    wh: Warehouse, workspace: Settings, tmp_path: Path, fmt: str, suffix: str
) -> None:
    result = generate(1500, 21, tmp_path / f"gen{suffix}", fmt)  # type: ignore[arg-type]
    report = ingest_file(wh, result.path, fmt=fmt, settings=workspace)
    assert (report.rows_in, report.loaded, report.quarantined) == (result.rows, result.rows, 0)
    assert wh.count("fact_item") == result.rows
