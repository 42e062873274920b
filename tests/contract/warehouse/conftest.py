"""Fixtures that run the same warehouse contract on every backend: DuckDB and Spark.

Spark is expensive to start, so one SparkSession serves the whole test session; every Spark
warehouse gets its own temporary directory and works in its own child session. The JVM runs in
a non-UTC default time zone so that a backend leaning on it would shift timestamps and fail.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pytest

from icrms.warehouse.base import LoadBatch, LoadResult, Warehouse
from icrms.warehouse.duckdb import DuckDBWarehouse
from tests.contract.warehouse import rows

BACKENDS = ["duckdb", pytest.param("spark", marks=pytest.mark.spark)]
Opener = Callable[[Path], Warehouse]


def _opener(request: pytest.FixtureRequest, backend: str) -> Opener:
    if backend == "duckdb":
        return lambda path: DuckDBWarehouse(path / "warehouse.duckdb")
    from icrms.warehouse.spark import SparkWarehouse

    session = request.getfixturevalue("spark_session")
    return lambda path: SparkWarehouse(path / "warehouse", spark=session)  # type: ignore[arg-type]


@pytest.fixture(params=BACKENDS)
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Warehouse]:
    """An empty warehouse of each backend, in a fresh directory."""
    opened = _opener(request, request.param)(tmp_path)
    yield opened
    opened.close()


@pytest.fixture(params=BACKENDS)
def warehouse_factory(request: pytest.FixtureRequest) -> Iterator[Opener]:
    """Opens warehouses of each backend at given directories (to close and reopen them)."""
    opener = _opener(request, request.param)
    opened: list[Warehouse] = []

    def open_at(path: Path) -> Warehouse:
        opened.append(opener(path))
        return opened[-1]

    yield open_at
    for each in opened:
        each.close()


@dataclass(frozen=True)
class Loaded:
    """A warehouse holding the standard data set, with what was loaded into it."""

    warehouse: Warehouse
    result: LoadResult
    items: pa.Table
    controls: pa.Table


def _load_standard(request: pytest.FixtureRequest, backend: str, directory: Path) -> Loaded:
    warehouse = _opener(request, backend)(directory)
    items = rows.items(0, 60)
    controls = rows.controls(items)
    result = warehouse.load(LoadBatch(items=items, controls=controls))
    return Loaded(warehouse, result, items, controls)


@pytest.fixture(scope="session")
def loaded_duckdb(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Loaded]:
    """DuckDB with the standard data set (read-only: shared by the tests)."""
    loaded = _load_standard(request, "duckdb", tmp_path_factory.mktemp("loaded-duckdb"))
    yield loaded
    loaded.warehouse.close()


@pytest.fixture(scope="session")
def loaded_spark(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Loaded]:
    """Spark with the standard data set (read-only: shared by the tests)."""
    loaded = _load_standard(request, "spark", tmp_path_factory.mktemp("loaded-spark"))
    yield loaded
    loaded.warehouse.close()


@pytest.fixture(params=BACKENDS)
def loaded(request: pytest.FixtureRequest) -> Loaded:
    """Each backend with the standard data set; tests must not write to it."""
    return request.getfixturevalue(f"loaded_{request.param}")
