"""History features use only what was known strictly before each item's lodgement date."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from icrms.models import features, pipeline
from icrms.warehouse.base import LoadBatch
from icrms.warehouse.duckdb import DuckDBWarehouse


def _load(wh: DuckDBWarehouse) -> None:
    days = [date(2025, 1, 1), date(2025, 1, 1), date(2025, 1, 2), date(2025, 1, 5)]
    items = pa.table(
        {
            "declaration_id": [f"D{i}" for i in range(4)],
            "version": [1] * 4,
            "item_no": [1] * 4,
            "lodged_date": days,
            "office_code": ["0010"] * 4,
            "importer_id": ["IMP"] * 4,
            "hs_code": ["6109100000"] * 4,
            "hs2": ["61"] * 4,
            "hs4": ["6109"] * 4,
            "hs6": ["610910"] * 4,
            "country_of_origin": ["VN"] * 4,
            "currency": ["USD"] * 4,
            "net_mass_kg": [100.0, 100.0, 100.0, 100.0],
            "customs_value": [1000.0, 400.0, 1000.0, 1000.0],
            "unit_value": [10.0, 4.0, 10.0, 10.0],
        }
    )
    controls = pa.table(
        {
            "control_key": ["D0", "D1"],
            "declaration_id": ["D0", "D1"],
            "version": [1, 1],
            "item_no": [1, 1],
            "outcome": ["irregularity", "no_finding"],
            "selection": ["targeted", "random"],
            "extra_revenue": [50.0, 0.0],
        }
    )
    wh.load(LoadBatch(items, controls))


def test_history_counts_only_earlier_days(tmp_path: Path) -> None:
    with DuckDBWarehouse(tmp_path / "w.duckdb") as wh:
        _load(wh)
        pipeline.prepare(wh)
        cols = pipeline.training_columns(wh, date(2025, 12, 31))
        order = list(cols["declaration_id"])
        n = cols["e_importer__n"]
        f = cols["e_importer__f"]
        c = cols["e_importer__c"]
        r = cols["e_importer__r"]
        # same-day items do not see each other; the next day sees both
        assert all(np.isnan(n[order.index(d)]) for d in ("D0", "D1"))
        assert n[order.index("D2")] == 2 and c[order.index("D2")] == 2
        assert f[order.index("D2")] == 1 and r[order.index("D2")] == 50.0
        assert n[order.index("D3")] == 3
        q50 = cols["g_uv_hs6_origin__q50"]
        assert q50[order.index("D2")] == pytest.approx(math.log(7.0), abs=0.7)


def test_materialised_history_is_the_state_at_the_cutoff(tmp_path: Path) -> None:
    with DuckDBWarehouse(tmp_path / "w.duckdb") as wh:
        _load(wh)
        pipeline.prepare(wh)
        hist = features.materialise(wh, date(2025, 1, 2))["e_importer"].to_pylist()
        day = (date(2025, 1, 1) - date(1970, 1, 1)).days
        weight = math.exp((day - features.DECAY_EPOCH) / features.DECAY_DAYS)
        assert len(hist) == 1
        row = hist[0]
        assert {k: row[k] for k in ("importer_id", "n", "c", "f", "r", "first")} == {
            "importer_id": "IMP",
            "n": 3.0,
            "c": 2.0,
            "f": 1.0,
            "r": 50.0,
            "first": day,
        }
        # both labels became known on day 1: each weighs exp((day - epoch) / 180)
        assert row["dc"] == pytest.approx(2 * weight) and row["df"] == pytest.approx(weight)
