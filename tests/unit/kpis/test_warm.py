"""The overview is drawn in the background after each change of the warehouse: the first request
after an ingest finds every answer kept and does not open the warehouse."""

from __future__ import annotations

import subprocess
import sys
from contextlib import AbstractContextManager
from pathlib import Path

from icrms.generator import generate
from icrms.ingest.flows import ingest_file
from icrms.kpis.cache import WarehouseReader, clear, warehouse_state
from icrms.kpis.service import compute
from icrms.live.warehouse import reading
from icrms.settings import Settings
from icrms.warehouse.base import Warehouse
from icrms.warehouse.duckdb import DuckDBWarehouse
from icrms.web.routes.dashboards import draw, overview_warmer


def _ingest(settings: Settings, declarations: int, seed: int) -> None:
    data = settings.home / f"d-{seed}.parquet"
    generate(declarations, seed, data)
    with DuckDBWarehouse(settings.warehouse_path) as wh:
        ingest_file(wh, data, fmt="native", settings=settings)


def _request(settings: Settings, opened: list[int]) -> object:
    def opener() -> AbstractContextManager[Warehouse]:
        opened.append(1)
        return reading(settings)

    with WarehouseReader(opener, warehouse_state(settings)) as reader:
        return draw(reader, "overview", {})


def test_after_each_change_the_overview_is_ready_before_the_first_request(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    settings.ensure_home()
    _ingest(settings, 120, 1)
    clear()
    warmer = overview_warmer(settings)
    assert warmer.run_once() is False  # the first look only notes the state
    assert warmer.run_once() is True  # it held still: the overview is drawn
    assert warmer.run_once() is False  # nothing changed since
    opened: list[int] = []
    drawn = _request(settings, opened)
    assert opened == []  # every answer was kept: the warehouse was not opened
    with DuckDBWarehouse(settings.warehouse_path) as wh:
        fresh = compute(wh, "inspection_rate").rows
    assert [p.result.rows for p in drawn.panels if p.panel.indicator == "inspection_rate"] == [  # type: ignore[attr-defined]
        fresh
    ]

    _ingest(settings, 60, 2)  # a change: the kept answers no longer apply
    assert warmer.run_once() is False
    assert warmer.run_once() is True
    drawn = _request(settings, opened)
    assert opened == []
    with DuckDBWarehouse(settings.warehouse_path) as wh:
        grown = compute(wh, "inspection_rate").rows
    assert grown[0]["declarations"] > fresh[0]["declarations"]  # the new declarations count
    assert [p.result.rows for p in drawn.panels if p.panel.indicator == "inspection_rate"] == [  # type: ignore[attr-defined]
        grown
    ]


def test_a_warehouse_held_by_a_writer_is_tried_again_at_the_next_look(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    settings.ensure_home()
    _ingest(settings, 40, 3)
    clear()
    warmer = overview_warmer(settings)
    holder = subprocess.Popen(  # another process holding the file, as an ingest would
        [sys.executable, "-c", HOLD, str(settings.warehouse_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert [warmer.run_once(), warmer.run_once()] == [False, False]
        assert warmer.warmed is None  # not counted as prepared
    finally:
        holder.communicate("")
    assert [warmer.run_once(), warmer.run_once()] == [False, True]
    assert warmer.warmed == warehouse_state(settings)


HOLD = "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('held', flush=True); input()"
