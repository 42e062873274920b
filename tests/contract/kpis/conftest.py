"""One generated data set in a DuckDB and a Spark warehouse, for the KPI contract suite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

from icrms.generator import generate
from icrms.ingest.flows import ingest_file
from icrms.settings import Settings
from icrms.warehouse.base import LoadBatch, Warehouse
from icrms.warehouse.duckdb import DuckDBWarehouse
from icrms.warehouse.schema import FACT_ASSESSMENT, FACT_ASSESSMENT_REASON, FACT_CONTROL, FACT_ITEM

DECLARATIONS = 2500
WIDE = 12_000
SEED = 11


@pytest.fixture(scope="session")
def kpi_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated native file (channels, times, controls, the planted patterns)."""
    path = tmp_path_factory.mktemp("kpi-data") / "declarations.parquet"
    generate(DECLARATIONS, SEED, path)
    return path


def assessments(warehouse: Warehouse) -> tuple[pa.Table, pa.Table]:
    """Assessment facts citing sources: targeted controls by a profile (every third also by the
    model), some uncontrolled declarations by a profile, so every source and the model appear."""
    rows = warehouse.sql(
        """SELECT d.declaration_id, d.version, d.date_key, d.office_code, d.channel,
                  c.selection FROM fact_declaration d LEFT JOIN fact_control c
               ON c.declaration_id = d.declaration_id AND c.version = d.version
           ORDER BY d.declaration_id"""
    ).to_pylist()
    facts, reasons = [], []
    for n, r in enumerate(rows):
        cited = []
        if r["selection"] == "targeted" or n % 17 == 0:
            cited.append(("profile", f"P-{r['office_code']}", 1, 40))
        if (r["selection"] == "targeted" and n % 3 == 0) or n % 29 == 0:
            cited.append(("model", "m1", None, 20 + n % 50))
        if not cited:
            continue
        key = {
            "declaration_id": r["declaration_id"],
            "version": r["version"],
            "policy_version": 1,
            "profile_set_version": 1,
            "model_version": "m1",
        }
        facts.append(
            {
                **key,
                "engine": "bulk",
                "date_key": r["date_key"],
                "office_code": r["office_code"],
                "channel": r["channel"],
                "score": sum(c[3] for c in cited),
                "random_selected": False,
                "reasons": "[]",
            }
        )
        for kind, code, version, score in cited:
            reasons.append(
                {
                    **key,
                    "date_key": r["date_key"],
                    "kind": kind,
                    "code": code,
                    "code_version": version,
                    "selected": True,
                    "score": score,
                }
            )
    return pa.Table.from_pylist(facts, FACT_ASSESSMENT), pa.Table.from_pylist(
        reasons, FACT_ASSESSMENT_REASON
    )


def _fill(warehouse: Warehouse, data: Path, home: Path) -> Warehouse:
    ingest_file(warehouse, data, fmt="native", settings=Settings(home=home))
    facts, reasons = assessments(warehouse)
    warehouse.load(
        LoadBatch(
            FACT_ITEM.empty_table(),
            FACT_CONTROL.empty_table(),
            assessments=facts,
            assessment_reasons=reasons,
        )
    )
    return warehouse


@pytest.fixture(scope="session")
def kpi_duckdb(kpi_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    """DuckDB holding the KPI data set (read-only for the tests)."""
    folder = tmp_path_factory.mktemp("kpi-duckdb")
    warehouse = _fill(DuckDBWarehouse(folder / "w.duckdb"), kpi_data, folder)
    yield warehouse
    warehouse.close()


@pytest.fixture(scope="session")
def kpi_duckdb_wide(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    """DuckDB holding a larger data set, in which more than 50 importers have findings."""
    folder = tmp_path_factory.mktemp("kpi-duckdb-wide")
    generate(WIDE, SEED, folder / "declarations.parquet")
    warehouse = _fill(DuckDBWarehouse(folder / "w.duckdb"), folder / "declarations.parquet", folder)
    yield warehouse
    warehouse.close()


@pytest.fixture(scope="session")
def kpi_spark(
    kpi_data: Path, tmp_path_factory: pytest.TempPathFactory, spark_session: object
) -> Iterator[Warehouse]:
    """Spark holding the same data set."""
    from icrms.warehouse.spark import SparkWarehouse

    folder = tmp_path_factory.mktemp("kpi-spark")
    warehouse = _fill(
        SparkWarehouse(folder / "w", spark=spark_session),  # type: ignore[arg-type]
        kpi_data,
        folder,
    )
    yield warehouse
    warehouse.close()
