"""Answers are kept while the warehouse file is unchanged, and computed again after a write."""

from __future__ import annotations

from pathlib import Path

from icrms.kpis.cache import WarehouseReader, cached, clear, file_state
from icrms.warehouse.duckdb import DuckDBWarehouse


def test_a_write_changes_the_state_and_a_kept_answer_needs_no_warehouse(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with DuckDBWarehouse(path) as wh:
        wh.execute("CREATE TABLE t AS SELECT 1 AS x")
    clear()
    before = file_state(path)
    assert file_state(path) == before  # reading the state changes nothing
    opened: list[int] = []

    def opener() -> DuckDBWarehouse:
        opened.append(1)
        return DuckDBWarehouse(path)

    def count(wh: DuckDBWarehouse) -> int:
        return int(wh.sql("SELECT count(*) AS n FROM t").column("n")[0].as_py())

    with WarehouseReader(opener, before) as reader:
        assert reader.kept("n", count) == 1
    with WarehouseReader(opener, file_state(path)) as reader:
        assert reader.kept("n", count) == 1  # kept: the warehouse was not opened again
    assert opened == [1]
    with DuckDBWarehouse(path) as wh:
        wh.execute("INSERT INTO t VALUES (2)")
    after = file_state(path)
    assert after != before
    with WarehouseReader(opener, after) as reader:
        assert reader.kept("n", count) == 2
    assert opened == [1, 1]
    assert (
        cached(None, "n", lambda: 3) == 3 and cached(None, "n", lambda: 4) == 4
    )  # no state: never kept
