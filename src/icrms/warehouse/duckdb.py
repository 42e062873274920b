"""DuckDBWarehouse: the star schema in one embedded DuckDB file."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import ibis
import pyarrow as pa

from icrms.errors import ConflictError
from icrms.warehouse.base import Rows, SqlRows, Warehouse
from icrms.warehouse.schema import KEYS, TABLES
from icrms.warehouse.summaries import SUMMARIES, definition_hash, summary_sql

if TYPE_CHECKING:
    import ibis.expr.types as ir


def _ddl(name: str, schema: pa.Schema, con: duckdb.DuckDBPyConnection) -> str:
    con.register("_empty", schema.empty_table())
    columns = con.sql("DESCRIBE _empty").fetchall()
    con.unregister("_empty")
    body = ", ".join(f'"{col}" {sqltype}' for col, sqltype, *_ in columns)
    return f"CREATE TABLE IF NOT EXISTS {name} ({body})"


def _add_missing_columns(name: str, schema: pa.Schema, con: duckdb.DuckDBPyConnection) -> None:
    """Add the columns a newer icrms gave a table to a file made by an older one (NULL there)."""
    present = {row[0] for row in con.execute(f"DESCRIBE {name}").fetchall()}
    missing = [f for f in schema if f.name not in present]
    if not missing:
        return
    con.register("_empty", pa.schema(missing).empty_table())
    for column, sqltype, *_ in con.sql("DESCRIBE _empty").fetchall():
        con.execute(f'ALTER TABLE {name} ADD COLUMN "{column}" {sqltype}')
    con.unregister("_empty")


class WarehouseBusyError(ConflictError):
    """The DuckDB file is held by another process."""


class DuckDBWarehouse(Warehouse):
    """Warehouse in a DuckDB file; every load is one transaction."""

    backend = "duckdb"

    def __init__(self, path: Path, *, threads: int | None = None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        try:
            self.con = duckdb.connect(str(path))
        except duckdb.IOException as exc:
            raise WarehouseBusyError(
                f"warehouse {path} is open in another process (DuckDB allows one writer): {exc}"
            ) from exc
        self.con.execute("SET TimeZone = 'UTC'")
        # loads need not keep their rows in arrival order (no query relies on it without an
        # ORDER BY); DuckDB then inserts in parallel and writes fewer partial row groups
        self.con.execute("SET preserve_insertion_order = false")
        if threads:
            self.con.execute(f"SET threads = {threads}")
        for name, schema in TABLES.items():
            self.con.execute(_ddl(name, schema, self.con))
            _add_missing_columns(name, schema, self.con)
        self._build_summaries()
        self._ibis = ibis.duckdb.from_connection(self.con)

    def _build_summaries(self) -> None:
        """Make each summary table that is missing or was made from another definition."""
        self.con.execute(
            "CREATE TABLE IF NOT EXISTS summary_state (name VARCHAR, definition VARCHAR)"
        )
        made = dict(self.con.execute("SELECT name, definition FROM summary_state").fetchall())
        tables = {
            row[0] for row in self.con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
        }
        for name in SUMMARIES:
            if name in tables and made.get(name) == definition_hash(name):
                continue
            with self._transaction():
                self.con.execute(f"CREATE OR REPLACE TABLE {name} AS {summary_sql(name)}")
                self.con.execute("DELETE FROM summary_state WHERE name = ?", [name])
                self.con.execute(
                    "INSERT INTO summary_state VALUES (?, ?)", [name, definition_hash(name)]
                )

    def _refresh_summaries(self, touched: list[Rows | None]) -> None:
        parts, registered = [], []
        for n, rows in enumerate(touched):
            if isinstance(rows, SqlRows):
                parts.append(f"SELECT declaration_id, version FROM ({rows.query}) _t{n}")
            elif rows is not None and rows.num_rows:
                registered.append(f"_touched{n}")
                self.con.register(registered[-1], rows.select(["declaration_id", "version"]))
                parts.append(f"SELECT declaration_id, version FROM {registered[-1]}")
        if not parts:
            return
        try:
            self.con.execute(
                "CREATE OR REPLACE TEMP TABLE _touched AS "
                f"SELECT DISTINCT * FROM ({' UNION ALL '.join(parts)}) _all"
            )
        finally:
            for name in registered:
                self.con.unregister(name)
        keys = "(declaration_id, version) IN (SELECT declaration_id, version FROM _touched)"
        for name in SUMMARIES:
            self.con.execute(f"DELETE FROM {name} WHERE {keys}")
            self.con.execute(f"INSERT INTO {name} {summary_sql(name, keys)}")
        self.con.execute("DROP TABLE _touched")

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    def _insert_new(self, name: str, rows: Rows) -> int:
        keys = ", ".join(KEYS[name])
        if isinstance(rows, SqlRows):
            source = f"({rows.query}) _incoming"
        elif rows.num_rows == 0:
            return 0
        else:
            self.con.register("_incoming", rows)
            source = "_incoming"
        columns = ", ".join(f'"{c}"' for c in TABLES[name].names)
        try:
            inserted = self.con.execute(
                f"INSERT INTO {name} ({columns}) SELECT {columns} FROM {source} "
                f"ANTI JOIN {name} USING ({keys})"
            ).fetchone()
        finally:
            if not isinstance(rows, SqlRows):
                self.con.unregister("_incoming")
        return int(inserted[0]) if inserted else 0

    def local_connection(self) -> duckdb.DuckDBPyConnection:
        """The connection holding the warehouse: ingest validates and loads in it."""
        return self.con

    def _set_etl_state(self, name: str, seq: int) -> None:
        self.con.execute("DELETE FROM etl_state WHERE name = ?", [name])
        self.con.execute("INSERT INTO etl_state VALUES (?, ?)", [name, seq])

    def table(self, name: str) -> ir.Table:
        """An ibis table over the DuckDB file."""
        return self._ibis.table(name)

    def sql(self, query: str) -> pa.Table:
        """Run SQL on the warehouse and return Arrow."""
        return self.con.sql(query).to_arrow_table()

    def execute(self, statement: str) -> None:
        """Run a statement."""
        self.con.execute(statement)

    def register(self, name: str, rows: pa.Table) -> None:
        """Expose Arrow rows as a view for this connection."""
        self.con.register(name, rows)

    def close(self) -> None:
        """Checkpoint and close the file."""
        self.con.close()
