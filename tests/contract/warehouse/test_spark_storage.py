"""What the Spark warehouse promises beyond the contract: its files, crash leftovers, its session."""

from __future__ import annotations

import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from icrms.errors import MissingExtraError
from icrms.warehouse.base import LoadBatch
from tests.conftest import JVM_TIME_ZONE
from tests.contract.warehouse import rows


def test_missing_pyspark_names_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from icrms.warehouse.spark import SparkWarehouse

    monkeypatch.setitem(sys.modules, "pyspark", None)
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    with pytest.raises(MissingExtraError, match=r"pip install 'icrms\[spark\]'"):
        SparkWarehouse(tmp_path / "warehouse")


@pytest.mark.spark
def test_jvm_runs_outside_utc(spark_session: object) -> None:
    """Guards the time zone round-trip tests: they only mean something if the JVM is not UTC."""
    jvm_zone = spark_session._jvm.java.util.TimeZone.getDefault().getID()  # type: ignore[attr-defined]
    assert jvm_zone == JVM_TIME_ZONE


@pytest.mark.spark
def test_tables_are_parquet_that_other_readers_understand(
    spark_session: object, tmp_path: Path
) -> None:
    from icrms.warehouse.spark import SparkWarehouse

    items = rows.items(0, 6)
    with SparkWarehouse(tmp_path / "wh", spark=spark_session) as warehouse:  # type: ignore[arg-type]
        warehouse.load(LoadBatch(items=items, controls=rows.controls(items)))
    assert not list((tmp_path / "wh" / "_staging").iterdir())
    table = pq.read_table(tmp_path / "wh" / "fact_item")
    assert table.num_rows == 6
    assert table.schema.field("lodged_at").type == pa.timestamp("us", tz="UTC")
    assert table.schema.field("lodged_date").type == pa.date32()
    assert table.schema.field("item_no").type == pa.int32()
    assert sorted(table.column("lodged_at").to_pylist()) == sorted(
        items.column("lodged_at").to_pylist()
    )


@pytest.mark.spark
def test_crash_leftovers_are_invisible_and_cleared(spark_session: object, tmp_path: Path) -> None:
    from icrms.warehouse.spark import SparkWarehouse

    path = tmp_path / "wh"
    items = rows.items(0, 6)
    with SparkWarehouse(path, spark=spark_session) as warehouse:  # type: ignore[arg-type]
        warehouse.load(LoadBatch(items=items, controls=rows.controls(items)))
    # What a crash can leave: a staged append never renamed in, a committer's _temporary dir.
    for leftover in (path / "_staging" / "dead", path / "fact_item" / "_temporary" / "0"):
        leftover.mkdir(parents=True)
        pq.write_table(rows.items(100, 3), leftover / "part-00000.parquet")
    with SparkWarehouse(path, spark=spark_session) as reopened:  # type: ignore[arg-type]
        assert reopened.count("fact_item") == 6
        assert not (path / "_staging" / "dead").exists()


@pytest.mark.spark
def test_a_shared_session_outlives_the_warehouse(spark_session: object, tmp_path: Path) -> None:
    from icrms.warehouse.spark import SparkWarehouse

    warehouse = SparkWarehouse(tmp_path / "wh", spark=spark_session)  # type: ignore[arg-type]
    assert warehouse.sql("SELECT count(*) AS n FROM dim_office").to_pylist() == [{"n": 0}]
    warehouse.close()
    warehouse.close()  # closing twice is harmless
    # The views lived in the warehouse's own child session, never in the caller's.
    assert not spark_session.catalog.tableExists("fact_item")  # type: ignore[attr-defined]
    assert spark_session.sql("SELECT 1 AS one").collect()[0].one == 1  # type: ignore[attr-defined]
