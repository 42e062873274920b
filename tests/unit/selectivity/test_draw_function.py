"""The keyed draw function on a shared DuckDB connection: two bulk blocks never spoil each other."""

from __future__ import annotations

import threading
from pathlib import Path

from icrms.selectivity.draw import draw_function, draw_hex
from icrms.warehouse.duckdb import DuckDBWarehouse

SECRET = b"draw-function-secret"
QUERY = "SELECT icrms_draw('D-1', 1, 'random')"


def test_a_block_ending_does_not_unregister_the_draw_under_another(tmp_path: Path) -> None:
    """Before: the first block to end registered the NULL function while the second still ran,
    so the second's random draws silently became NULL (no random controls selected)."""
    warehouse = DuckDBWarehouse(tmp_path / "w.duckdb")
    con = warehouse.local_connection()
    first_inside = threading.Event()
    first_may_end = threading.Event()
    first_done = threading.Event()
    seen: list[object] = []

    def first() -> None:
        with draw_function(warehouse, SECRET):
            first_inside.set()
            first_may_end.wait(10)
        first_done.set()

    def second() -> None:
        first_inside.wait(10)
        with draw_function(warehouse, SECRET):
            first_done.wait(10)  # the first block has ended: its clean-up ran
            seen.append(con.cursor().sql(QUERY).fetchone()[0])  # type: ignore[index]

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    first_inside.wait(10)
    first_may_end.set()
    for t in threads:
        t.join(20)
    assert seen == [draw_hex(SECRET, "D-1", 1, "random")]
    # and afterwards the connection holds no keyed function
    assert con.sql(QUERY).fetchone() == (None,)
    warehouse.close()
