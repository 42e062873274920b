"""Published snapshots (Parquet, DuckDB file, PostgreSQL views) agree with the KPI layer."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from icrms.generator import generate
from icrms.ingest.flows import ingest_file
from icrms.kpis.catalogue import INDICATORS
from icrms.kpis.publish import PG_SCHEMA, publish
from icrms.kpis.schemas import KpiQuery
from icrms.kpis.service import compute
from icrms.settings import Settings
from icrms.warehouse.duckdb import DuckDBWarehouse


def _same(left: list[dict[str, object]], right: list[dict[str, object]]) -> bool:
    if len(left) != len(right):
        return False
    for a, b in zip(left, right, strict=True):
        for key, value in a.items():
            other = b[key]
            if isinstance(value, float) and isinstance(other, float):
                if not math.isclose(value, other, rel_tol=1e-9, abs_tol=1e-12):
                    return False
            elif value != other:
                return False
    return True


@pytest.mark.postgres
def test_snapshots_agree_with_the_kpi_layer(
    tmp_path: Path, workspace: Settings, postgres_database: str
) -> None:
    data = tmp_path / "declarations.parquet"
    generate(1500, 3, data)
    folder = tmp_path / "bi"
    with DuckDBWarehouse(workspace.warehouse_path) as wh:
        ingest_file(wh, data, fmt="native", settings=workspace)
        done = publish(wh, folder, postgres_url=postgres_database)
        expected = {}
        for name, ind in INDICATORS.items():
            query = KpiQuery(by=("period",)) if "period" in ind.by else KpiQuery()
            expected[f"kpi_{name}"] = compute(wh, name, query).rows
        # a BI tool reads the snapshot while icrms holds its own warehouse open for writing
        snapshot = duckdb.connect(str(folder / "kpis.duckdb"), read_only=True)
        engine = sa.create_engine(postgres_database)
        try:
            for view, rows in expected.items():
                assert _same(
                    pq.read_table(folder / "parquet" / f"{view}.parquet").to_pylist(), rows
                ), view
                assert _same(
                    snapshot.sql(f"SELECT * FROM {view}").to_arrow_table().to_pylist(), rows
                ), view
                with engine.connect() as conn:
                    got = [
                        dict(r._mapping)
                        for r in conn.execute(sa.text(f"SELECT * FROM {PG_SCHEMA}.{view}"))
                    ]
                assert _same(got, rows), view
            declarations = snapshot.sql("SELECT count(*) FROM kpi_declarations").fetchone()
            assert declarations == (1500,) and done.views["kpi_declarations"] == 1500
        finally:
            snapshot.close()
            engine.dispose()
        again = publish(wh, folder)  # a refresh replaces the snapshot whole
    assert again.views == done.views
    assert sorted(p.name for p in folder.iterdir()) == ["kpis.duckdb", "parquet"]
