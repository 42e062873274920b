"""Warehouses of both engines for the rule-language contract tests (one Spark session for all)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from icrms.warehouse.base import Warehouse
from icrms.warehouse.duckdb import DuckDBWarehouse

BACKENDS = ["duckdb", pytest.param("spark", marks=pytest.mark.spark)]


@pytest.fixture(params=BACKENDS)
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Warehouse]:
    """An empty warehouse of each backend in a fresh directory."""
    if request.param == "duckdb":
        opened: Warehouse = DuckDBWarehouse(tmp_path / "warehouse.duckdb")
    else:
        from icrms.warehouse.spark import SparkWarehouse

        session = request.getfixturevalue("spark_session")
        opened = SparkWarehouse(tmp_path / "warehouse", spark=session)  # type: ignore[arg-type]
    yield opened
    opened.close()
