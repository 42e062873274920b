"""File ingest gives the same result on every warehouse backend."""

from __future__ import annotations

from pathlib import Path

from icrms.ingest.flows import ingest_file
from icrms.settings import Settings
from icrms.warehouse.base import Warehouse
from tests.factories import native_row, write_csv


def test_ingest_reconciles_and_is_idempotent(warehouse: Warehouse, tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "ws", ingest={"batch_rows": 4})
    rows = [native_row(i) for i in range(1, 10)]
    rows[3] = native_row(4, country_of_origin="XQ")
    rows[6] = native_row(
        7, control_outcome="irregularity", control_selection="random", extra_revenue="50"
    )
    path = write_csv(tmp_path / "decl.csv", rows)
    first = ingest_file(warehouse, path, fmt="native", settings=settings)
    again = ingest_file(warehouse, path, fmt="native", settings=settings)
    assert (first.rows_in, first.loaded, first.quarantined, first.new, first.batches) == (
        9,
        8,
        1,
        8,
        3,
    )
    assert (again.loaded, again.new, again.batches_resumed) == (8, 0, 3)
    assert warehouse.count("fact_item") == 8 and warehouse.count("fact_control") == 1
    record = warehouse.quarantined(first.source_id).to_pylist()
    assert [(r["row"], r["field"], r["value"]) for r in record] == [(5, "country_of_origin", "XQ")]
