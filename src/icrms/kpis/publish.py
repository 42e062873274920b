"""Read-only snapshots of the KPI views for outside BI tools (Superset, Metabase, notebooks).

DuckDB allows one writing process or many readers, never both, so a BI tool must never open the
file icrms writes. ``publish`` writes, from the KPI layer itself:

- ``<folder>/parquet/<view>.parquet``: one file per view;
- ``<folder>/kpis.duckdb``: a separate DuckDB file holding the same views as tables;
- optionally, on PostgreSQL, a schema (``icrms_bi``) with one table per view's data and a plain
  SQL view over each (``icrms_bi.kpi_<name>``), the stable names a BI tool uses.

Each snapshot is built beside the old one and moved into place, so a reader sees the old or the
new snapshot, never half of one.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa

from icrms.kpis.catalogue import INDICATORS
from icrms.kpis.schemas import KpiQuery
from icrms.kpis.service import compute
from icrms.warehouse.base import Warehouse

PG_SCHEMA = "icrms_bi"


@dataclass
class Publication:
    """What a publication wrote."""

    folder: str
    views: dict[str, int] = field(default_factory=dict)  # view name -> rows
    postgres: bool = False
    published_at: str = ""


def kpi_views(warehouse: Warehouse) -> dict[str, pa.Table]:
    """Every indicator as a table: by month where it can be broken down by period, else whole."""
    out: dict[str, pa.Table] = {}
    for name, ind in INDICATORS.items():
        query = KpiQuery(by=("period",), grain="month") if "period" in ind.by else KpiQuery()
        result = compute(warehouse, name, query)
        out[f"kpi_{name}"] = (
            pa.Table.from_pylist(result.rows)
            if result.rows
            else pa.table({c: pa.array([], pa.string()) for c in result.columns})
        )
    out["kpi_declarations"] = warehouse.sql(
        """SELECT d.declaration_id, d.version, d.date_key, d.office_code, d.procedure AS regime,
                  d.country_of_export, d.transport_mode, d.channel, d.lodged_at, d.assessed_at,
                  d.released_at, c.outcome, c.selection, c.extra_revenue
           FROM fact_declaration d LEFT JOIN (
               SELECT declaration_id, version, max(outcome) AS outcome, max(selection) AS selection,
                      sum(coalesce(extra_revenue, 0)) AS extra_revenue
               FROM fact_control GROUP BY declaration_id, version) c
             ON c.declaration_id = d.declaration_id AND c.version = d.version"""
    )
    return out


def publish(warehouse: Warehouse, folder: Path, *, postgres_url: str | None = None) -> Publication:
    """Write the snapshots (Parquet, a DuckDB file and, if given, PostgreSQL views)."""
    views = kpi_views(warehouse)
    folder.mkdir(parents=True, exist_ok=True)
    staging = folder / f".staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "parquet").mkdir(parents=True)
    con = duckdb.connect(str(staging / "kpis.duckdb"))
    try:
        for name, table in views.items():
            pq.write_table(table, staging / "parquet" / f"{name}.parquet")
            con.register("_view", table)
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM _view")
            con.unregister("_view")
        con.execute(
            "CREATE TABLE published AS SELECT ?::TIMESTAMPTZ AS published_at",
            [datetime.now(UTC)],
        )
    finally:
        con.close()
    for part in ("parquet", "kpis.duckdb"):
        _swap(staging / part, folder / part)
    shutil.rmtree(staging, ignore_errors=True)
    if postgres_url:  # the indicators; the per-declaration view stays in the files
        publish_postgres({k: v for k, v in views.items() if k != "kpi_declarations"}, postgres_url)
    return Publication(
        str(folder),
        {name: t.num_rows for name, t in views.items()},
        bool(postgres_url),
        datetime.now(UTC).isoformat(),
    )


def _swap(new: Path, target: Path) -> None:
    """Move ``new`` into place of ``target`` (a file by one atomic rename; a folder by two)."""
    if new.is_file():
        os.replace(new, target)
        return
    old = target.with_name(target.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    new.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def publish_postgres(views: dict[str, pa.Table], url: str) -> None:
    """Replace the data tables of schema icrms_bi in one transaction; views keep their names."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {PG_SCHEMA}"))
            for name, table in views.items():
                _replace_table(conn, name, table)
    finally:
        engine.dispose()


_PG_TYPES = {
    "int": "BIGINT",
    "double": "DOUBLE PRECISION",
    "float": "DOUBLE PRECISION",
    "string": "TEXT",
    "large_string": "TEXT",
    "bool": "BOOLEAN",
    "date32[day]": "DATE",
}


def _pg_type(dtype: pa.DataType) -> str:
    if pa.types.is_timestamp(dtype):
        return "TIMESTAMPTZ"
    if pa.types.is_integer(dtype):
        return "BIGINT"
    return _PG_TYPES.get(str(dtype), "TEXT")


def _replace_table(conn: sa.Connection, name: str, table: pa.Table) -> None:
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise ValueError(f"view name {name!r} is not a plain identifier")
    data = f"{PG_SCHEMA}.{name}_data"
    columns = ", ".join(f'"{f.name}" {_pg_type(f.type)}' for f in table.schema) or "_empty BOOLEAN"
    conn.execute(sa.text(f"DROP VIEW IF EXISTS {PG_SCHEMA}.{name}"))
    conn.execute(sa.text(f"DROP TABLE IF EXISTS {data}"))
    conn.execute(sa.text(f"CREATE TABLE {data} ({columns})"))
    rows = table.to_pylist()
    if rows:
        names = table.column_names
        quoted = ", ".join('"' + n + '"' for n in names)
        params = ", ".join(f":p{i}" for i in range(len(names)))
        insert = sa.text(f"INSERT INTO {data} ({quoted}) VALUES ({params})")
        conn.execute(insert, [{f"p{i}": r[n] for i, n in enumerate(names)} for r in rows])
    conn.execute(sa.text(f"CREATE VIEW {PG_SCHEMA}.{name} AS SELECT * FROM {data}"))
