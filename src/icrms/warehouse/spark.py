"""SparkWarehouse: the star schema as Parquet directories, loaded and queried with PySpark.

Layout: every table is a directory ``path/<table>/`` of *segments*
``seg-<n>-<id>/part-*.parquet``, read with an explicit schema (from ``schema.TABLES``) and
``recursiveFileLookup``; a new table starts with one empty segment carrying its schema. Work in
progress lives under ``path/_staging/`` (ignored by Parquet readers, like every name starting
with ``_`` or ``.``) and is removed when a warehouse is opened.

Atomicity: Spark gives none across files or tables. Each append is written by Spark's own
committer into a fresh staging directory, its rows are counted from the Parquet footers, and
only then is the directory renamed into the table: one ``rename(2)``, atomic on a local POSIX
filesystem (not on object stores). A crash therefore leaves a table either without the append
or with all of it, never half of it. There is no multi-table transaction (``_transaction`` is a
no-op): a crash in the middle of ``Warehouse.load`` leaves the earlier tables of the batch
written, but the ``ingest_batch`` bookkeeping row is written last, so the batch counts as
uncommitted and is redone, and the key anti-join adds every row exactly once. ``etl_state`` is
replaced, not appended: a new segment holding the whole (tiny) table is renamed in and readers
use only the newest segment, so older segments left by a crash are ignored.

One writer per directory; several warehouses may share one SparkSession, as each works in its
own child session (``newSession()``: separate temp views and SQL settings, one SparkContext).
"""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import ibis
import ibis.common.exceptions as com
import ibis.expr.operations as ops
import pyarrow as pa
import pyarrow.parquet as pq

from icrms.errors import MissingExtraError
from icrms.warehouse.base import Warehouse, conform
from icrms.warehouse.schema import KEYS, TABLES
from icrms.warehouse.summaries import SUMMARIES, SUMMARY_SOURCES, summary_sql

if TYPE_CHECKING:
    import ibis.expr.types as ir
    from pyspark.sql import DataFrame, SparkSession

STAGING = "_staging"

# No ${...} substitution in SQL text: a criterion's string literal such as
# '${env:ICRMS_POLICY_SECRET}' must stay text (Spark replaces it by default, before parsing).
NO_SUBSTITUTION: dict[str, str] = {
    "spark.sql.variable.substitute": "false",
}

# Settings for a session the warehouse builds (static ones only apply when the JVM starts).
SESSION_CONF: dict[str, str] = {
    **NO_SUBSTITUTION,
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "2",
    "spark.sql.session.timeZone": "UTC",
    "spark.driver.memory": "1g",
    # The default page (heap / cores / 16, up to 64 MB) is taken by every sort and aggregation
    # of a task at once: the bulk decision's plan holds dozens, and with the default they
    # filled the heap and Spark stalled in garbage collection (with 768m and with 2g alike).
    "spark.buffer.pageSize": "2m",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}

# Per-session settings the warehouse relies on, set on its own child session.
RUNTIME_CONF: dict[str, str] = {
    **NO_SUBSTITUTION,
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.execution.arrow.pyspark.fallback.enabled": "false",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
}


def _pyspark_sql() -> ModuleType:
    try:
        import pyspark.sql
    except ImportError as exc:
        raise MissingExtraError("the Spark warehouse", "spark") from exc
    return pyspark.sql


def build_session(
    warehouse_dir: Path, *, master: str = "local[2]", conf: Mapping[str, str] | None = None
) -> SparkSession:
    """Get or create a local SparkSession configured for the warehouse.

    Args:
        warehouse_dir: Directory for ``spark.sql.warehouse.dir``.
        master: Spark master URL.
        conf: Extra settings, applied after ``SESSION_CONF``; they cannot switch SQL variable
            substitution back on.

    Returns:
        The session, with logging reduced to errors.
    """
    # Python workers (the draw function of bulk queries) run this interpreter, which has icrms
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = _pyspark_sql().SparkSession.builder.master(master).appName("icrms-warehouse")
    settings = {
        **SESSION_CONF,
        "spark.sql.warehouse.dir": str(warehouse_dir.resolve()),
        **(conf or {}),
        **NO_SUBSTITUTION,
    }
    for key, value in settings.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    for key, value in NO_SUBSTITUTION.items():  # a session that existed before keeps its own
        session.conf.set(key, value)
    session.sparkContext.setLogLevel("ERROR")
    return session


def _parquet_rows(directory: Path) -> int:
    return sum(pq.ParquetFile(f).metadata.num_rows for f in directory.glob("part-*.parquet"))


class SparkWarehouse(Warehouse):
    """Warehouse in Parquet directories, with Spark doing the anti-joins and the queries.

    Args:
        path: Directory holding one sub-directory per table.
        master: Spark master URL, used only when no session is given.
        driver_memory: Heap of the driver JVM (``spark.driver.memory``), used only when this
            warehouse starts the JVM: a running JVM keeps its size.
        spark: A session to work in (shared, not stopped by ``close``); by default one is
            built with ``build_session`` and stopped by ``close``.

    Raises:
        MissingExtraError: PySpark is not installed.
    """

    backend = "spark"

    def __init__(
        self,
        path: Path,
        *,
        master: str = "local[2]",
        driver_memory: str = SESSION_CONF["spark.driver.memory"],
        spark: SparkSession | None = None,
    ) -> None:
        sql = _pyspark_sql()
        from pyspark.sql.pandas.types import from_arrow_schema

        path.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._owns_session = spark is None and sql.SparkSession.getActiveSession() is None
        self._parent = spark or build_session(
            path / "_spark-warehouse", master=master, conf={"spark.driver.memory": driver_memory}
        )
        self.session = self._parent.newSession()
        for key, value in RUNTIME_CONF.items():
            self.session.conf.set(key, value)
        self._ibis = ibis.pyspark.connect(self.session)
        self._spark_schemas = {name: from_arrow_schema(s) for name, s in TABLES.items()}
        self._ibis_schemas = {name: ibis.Schema.from_pyarrow(s) for name, s in TABLES.items()}
        self._frames: dict[str, DataFrame] = {}
        self._closed = False
        shutil.rmtree(path / STAGING, ignore_errors=True)
        for name, schema in TABLES.items():
            if not self._segments(name):
                self._commit(name, self._stage_arrow(schema.empty_table()))
            self._register(name)
        self._summary_views()

    def _segments(self, name: str) -> list[Path]:
        root = self.path / name
        if not root.is_dir():
            return []
        return sorted(p for p in root.iterdir() if p.is_dir() and p.name.startswith("seg-"))

    def _staging_dir(self) -> Path:
        (self.path / STAGING).mkdir(exist_ok=True)
        return self.path / STAGING / uuid.uuid4().hex

    def _stage_arrow(self, rows: pa.Table) -> Path:
        staged = self._staging_dir()
        staged.mkdir()
        pq.write_table(rows, staged / "part-00000.parquet")
        return staged

    def _commit(self, name: str, staged: Path) -> Path:
        """Make a staged segment visible in one atomic rename."""
        segments = self._segments(name)
        n = int(segments[-1].name.split("-")[1]) + 1 if segments else 0
        target = self.path / name / f"seg-{n:08d}-{staged.name[:8]}"
        target.parent.mkdir(exist_ok=True)
        staged.rename(target)
        return target

    def _register(self, name: str) -> None:
        """(Re)create the temp view over the table's current files."""
        segments = self._segments(name)
        paths = segments[-1:] if name == "etl_state" else [self.path / name]
        reader = self.session.read.schema(self._spark_schemas[name])
        frame = reader.option("recursiveFileLookup", "true").parquet(*map(str, paths))
        frame.createOrReplaceTempView(name)
        self._frames[name] = frame
        if name in SUMMARY_SOURCES and len(self._frames) == len(TABLES):
            self._summary_views()

    def _summary_views(self) -> None:
        """The summaries as views over the same SELECT the DuckDB tables hold (re-made after a
        load, so that they read the tables' current files)."""
        for summary in SUMMARIES:
            self.session.sql(f"CREATE OR REPLACE TEMP VIEW {summary} AS {summary_sql(summary)}")

    def _transaction(self) -> AbstractContextManager[None]:
        return nullcontext()

    def _insert_new(self, name: str, rows: pa.Table) -> int:
        if rows.num_rows == 0:
            return 0
        keys = list(KEYS[name])
        incoming = self.session.createDataFrame(
            conform(rows, name), schema=self._spark_schemas[name]
        )
        new = incoming.join(self._frames[name].select(*keys), on=keys, how="left_anti")
        staged = self._staging_dir()
        try:
            new.write.parquet(str(staged))
            added = _parquet_rows(staged)
            if added:
                self._commit(name, staged)
        finally:
            shutil.rmtree(staged, ignore_errors=True)
        if added:
            self._register(name)
        return added

    def _set_etl_state(self, name: str, seq: int) -> None:
        current = pq.read_table(self._segments("etl_state")[-1], schema=TABLES["etl_state"])
        rows = [r for r in current.to_pylist() if r["name"] != name]
        rows.append({"name": name, "seq": seq})
        committed = self._commit(
            "etl_state", self._stage_arrow(pa.Table.from_pylist(rows, TABLES["etl_state"]))
        )
        for old in self._segments("etl_state"):
            if old != committed:
                shutil.rmtree(old, ignore_errors=True)
        self._register("etl_state")

    def table(self, name: str) -> ir.Table:
        """An ibis table over the Parquet directory, typed exactly as in ``schema.TABLES``.

        The declared schema is used instead of the one ibis infers, since ibis reads Spark's
        TimestampType as a naive timestamp; with it, results come back as UTC-aware.

        Raises:
            TableNotFound: ``name`` is not a warehouse table.
        """
        if name not in TABLES:
            raise com.TableNotFound(name)
        return ops.DatabaseTable(
            name, schema=self._ibis_schemas[name], source=self._ibis, namespace=ops.Namespace()
        ).to_expr()

    def sql(self, query: str) -> pa.Table:
        """Run Spark SQL on the warehouse's views and return Arrow."""
        return self.session.sql(query).toArrow()

    def execute(self, statement: str) -> None:
        """Run a Spark SQL statement."""
        self.session.sql(statement)

    def register(self, name: str, rows: pa.Table) -> None:
        """Expose Arrow rows as a temp view of this warehouse's session."""
        self.session.createDataFrame(rows).createOrReplaceTempView(name)

    def close(self) -> None:
        """Drop the views; stop the session if this warehouse built it."""
        if self._closed:
            return
        self._closed = True
        for name in [*TABLES, *SUMMARIES]:
            self.session.catalog.dropTempView(name)
        if self._owns_session:
            self._parent.stop()
