"""The Warehouse role: a star schema that loads idempotently and answers ibis queries."""

from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

import duckdb
import pyarrow as pa

from icrms.declarations.codes import TRANSPORT_MODES, country_name
from icrms.warehouse.reference import IRREGULARITY_DESCRIPTIONS, hs_titles
from icrms.warehouse.schema import TABLES

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from icrms.settings import Settings


@dataclass(frozen=True)
class SqlRows:
    """Rows given as a query on the warehouse's own connection, in the table's columns and types."""

    query: str


Rows: TypeAlias = pa.Table | SqlRows


@dataclass
class LoadBatch:
    """What one atomic load writes: facts, quarantined rows and the bookkeeping that goes with them."""

    items: Rows
    controls: Rows
    declarations: Rows | None = None
    quarantine: pa.Table | None = None
    assessments: Rows | None = None
    assessment_reasons: Rows | None = None
    dimensions: dict[str, pa.Table] | None = None
    ingest_batch: dict[str, object] | None = None
    etl_state: tuple[str, int] | None = None


@dataclass(frozen=True)
class LoadResult:
    """How many rows a load added (rows whose key was present add nothing)."""

    new_items: int
    new_controls: int


class Warehouse(ABC):
    """A warehouse backend: implementations are DuckDBWarehouse and SparkWarehouse."""

    backend: str

    @abstractmethod
    def _transaction(self) -> AbstractContextManager[None]:
        """Make the writes inside atomic where the backend can."""

    @abstractmethod
    def _insert_new(self, name: str, rows: Rows) -> int:
        """Append the rows of ``rows`` whose key is not in table ``name``; return how many."""

    @abstractmethod
    def table(self, name: str) -> ir.Table:
        """An ibis table expression for a warehouse table."""

    @abstractmethod
    def _set_etl_state(self, name: str, seq: int) -> None:
        """Record how far an incremental ETL got."""

    @abstractmethod
    def sql(self, query: str) -> pa.Table:
        """Run a query in the backend's SQL dialect (``self.backend``) and return Arrow."""

    @abstractmethod
    def execute(self, statement: str) -> None:
        """Run a statement that returns nothing (e.g. CREATE TEMP VIEW)."""

    @abstractmethod
    def register(self, name: str, rows: pa.Table) -> None:
        """Make Arrow rows queryable as a temporary view ``name``."""

    @abstractmethod
    def close(self) -> None:
        """Release the backend's resources."""

    def local_connection(self) -> duckdb.DuckDBPyConnection | None:
        """The in-process DuckDB connection holding the warehouse, if it is one (ingest loads through it)."""
        return None

    def load(self, batch: LoadBatch) -> LoadResult:
        """Write a batch; loading the same rows again adds nothing."""
        with self._transaction():
            items = conform(batch.items, "fact_item")
            new_items = self._insert_new("fact_item", items)
            controls = conform(batch.controls, "fact_control")
            new_controls = self._insert_new("fact_control", controls)
            if batch.declarations is not None:
                self._insert_new(
                    "fact_declaration", conform(batch.declarations, "fact_declaration")
                )
            for name, rows in dimension_rows(items, controls, self).items():
                self._insert_new(name, rows)
            for name, rows in (
                ("quarantine", batch.quarantine),
                ("fact_assessment", batch.assessments),
                ("fact_assessment_reason", batch.assessment_reasons),
                *(batch.dimensions or {}).items(),
            ):
                if rows is not None and (isinstance(rows, SqlRows) or rows.num_rows):
                    self._insert_new(name, conform(rows, name))
            if batch.ingest_batch is not None:
                row = {**batch.ingest_batch, "new": new_items}
                self._insert_new(
                    "ingest_batch", pa.Table.from_pylist([row], TABLES["ingest_batch"])
                )
            if batch.etl_state is not None:
                self._set_etl_state(*batch.etl_state)
            self._refresh_summaries([items, controls, batch.declarations, batch.assessment_reasons])
        return LoadResult(new_items, new_controls)

    def _refresh_summaries(self, touched: list[Rows | None]) -> None:
        """Recompute the summary rows of the declarations a load touched (``summaries.py``);
        nothing to do where the summaries are views."""
        return None

    def count(self, name: str) -> int:
        """Number of rows in a table."""
        return int(self.table(name).count().execute())

    def committed_batches(self, source_id: str) -> dict[int, dict[str, int]]:
        """Batches of a source already committed, with their counts."""
        t = self.table("ingest_batch")
        rows = t.filter(t.source_id == source_id).to_pyarrow().to_pylist()
        return {int(r["batch_no"]): r for r in rows}

    def etl_position(self, name: str) -> int:
        """Last store sequence number an ETL named ``name`` loaded (0 before the first run)."""
        t = self.table("etl_state")
        # to_pyarrow, not execute: on an empty selection PySpark's pandas path gives NaN, not None
        seq = t.filter(t.name == name).seq.max().to_pyarrow().as_py()
        return int(seq) if seq is not None else 0

    def quarantined(self, source_id: str) -> pa.Table:
        """Quarantined rows of one source, in file order."""
        t = self.table("quarantine")
        return t.filter(t.source_id == source_id).order_by(["row", "field"]).to_pyarrow()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def conform(rows: Rows, name: str) -> Rows:
    """Reorder and cast columns to the table's schema (missing columns become NULL)."""
    if isinstance(rows, SqlRows):
        return rows
    schema = TABLES[name]
    columns = [
        rows.column(f.name).cast(f.type)
        if f.name in rows.column_names
        else pa.nulls(rows.num_rows, f.type)
        for f in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema)


# A route's key in every dialect: departure country, office of entry, mode ('?' when unknown).
ROUTE_KEY = (
    "concat_ws('-', coalesce(country_of_export, '?'), office_code, coalesce(transport_mode, '?'))"
)

_DIMENSIONS_SQL = {
    "dim_date": """
        SELECT DISTINCT date_key, lodged_date AS date, year(lodged_date) AS year,
               quarter(lodged_date) AS quarter, month(lodged_date) AS month,
               weekofyear(lodged_date) AS iso_week, isodow(lodged_date) AS day_of_week
        FROM items WHERE date_key IS NOT NULL""",
    "dim_trader": """
        SELECT DISTINCT trader_id, role FROM (
            SELECT importer_id AS trader_id, 'importer' AS role FROM items UNION ALL
            SELECT declarant_id, 'declarant' FROM items UNION ALL
            SELECT seller_id, 'seller' FROM items UNION ALL
            SELECT courier_id, 'courier' FROM items) WHERE trader_id IS NOT NULL""",
    "dim_hs": "SELECT DISTINCT hs6, hs4, hs2 FROM items WHERE hs6 IS NOT NULL",
    "dim_route": f"""
        SELECT DISTINCT {ROUTE_KEY} AS route, country_of_export, office_code, transport_mode
        FROM items WHERE office_code IS NOT NULL""",
    "dim_country": """
        SELECT DISTINCT country_code FROM (
            SELECT country_of_origin AS country_code FROM items UNION ALL
            SELECT country_of_export FROM items) WHERE country_code IS NOT NULL""",
    "dim_office": "SELECT DISTINCT office_code FROM items WHERE office_code IS NOT NULL",
}


_CONTROL_DIMENSIONS_SQL = {
    "dim_irregularity": """
        SELECT DISTINCT unnest(string_split(irregularity_types, ';')) AS irregularity_type
        FROM controls WHERE irregularity_types IS NOT NULL""",
    "dim_concealment": "SELECT DISTINCT concealment FROM controls WHERE concealment IS NOT NULL",
    "dim_modus_operandi": """
        SELECT DISTINCT modus_operandi FROM controls WHERE modus_operandi IS NOT NULL""",
}


def _run(
    queries: dict[str, str], name: str, rows: Rows, warehouse: Warehouse
) -> dict[str, pa.Table]:
    if isinstance(rows, SqlRows):
        return {
            table: warehouse.sql(f"WITH {name} AS ({rows.query}) {sql}")
            for table, sql in queries.items()
        }
    con = duckdb.connect()
    try:
        con.register(name, rows)
        return {table: con.sql(sql).to_arrow_table() for table, sql in queries.items()}
    finally:
        con.close()


def dimension_rows(items: Rows, controls: Rows, warehouse: Warehouse) -> dict[str, pa.Table]:
    """The dimension members that a batch of items and control results refers to."""
    out = _run(_DIMENSIONS_SQL, "items", items, warehouse)
    out |= _run(_CONTROL_DIMENSIONS_SQL, "controls", controls, warehouse)
    codes = out["dim_country"].column("country_code").to_pylist()
    out["dim_country"] = pa.table({"country_code": codes, "name": [country_name(c) for c in codes]})
    hs = out["dim_hs"].to_pylist()
    out["dim_hs"] = pa.Table.from_pylist(
        [{**row, **hs_titles(row["hs6"])} for row in hs], TABLES["dim_hs"]
    )
    route = out["dim_route"].to_pylist()
    out["dim_route"] = pa.Table.from_pylist(
        [{**r, "mode_name": TRANSPORT_MODES.get(r["transport_mode"] or "")} for r in route],
        TABLES["dim_route"],
    )
    types = out["dim_irregularity"].column("irregularity_type").to_pylist()
    out["dim_irregularity"] = pa.table(
        {
            "irregularity_type": types,
            "description": [IRREGULARITY_DESCRIPTIONS.get(t) for t in types],
        }
    )
    return {name: conform(rows, name) for name, rows in out.items()}  # type: ignore[misc]


def open_warehouse(settings: Settings) -> Warehouse:
    """Open the configured backend; Spark is imported only when asked for."""
    if settings.warehouse.type == "spark":
        from icrms.warehouse.spark import SparkWarehouse

        return SparkWarehouse(
            settings.warehouse_path,
            master=settings.warehouse.spark_master,
            driver_memory=settings.warehouse.spark_driver_memory,
        )
    from icrms.warehouse.duckdb import DuckDBWarehouse

    return DuckDBWarehouse(settings.warehouse_path)
