"""``icrms simulate``: selection with feedback, week by week, as the BACUDA framework does.

The train split is known history (every label revealed). Each later week: train on the labels
revealed so far, score the week's units, inspect ``inspection_rate`` of them — an
``exploration`` share drawn at random, the rest the top scores — reveal only the inspected
labels, and move on. Precision and revenue per week are reported as they are and normalised
by the oracle's (an inspector who knows every label: precision min(frauds, k)/k, revenue the k
largest revenues).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from icrms.models import features, pipeline
from icrms.models.derive import columns
from icrms.models.evaluate import prepare, riskiest_per_unit
from icrms.models.features import ITEMS

TRUTH = "sim_truth"


def _mask(wh: Any, revealed: set[str]) -> int:
    """Hide every label not in ``revealed``; the number of labelled units left visible."""
    wh.register("sim_revealed", pa.table({"unit_id": pa.array(sorted(revealed), pa.string())}))
    wh.execute(
        f"""CREATE OR REPLACE TEMP TABLE {ITEMS} AS
        SELECT * REPLACE (
            CASE WHEN r.unit_id IS NOT NULL THEN t.fraud END AS fraud,
            CASE WHEN r.unit_id IS NOT NULL THEN t.revenue END AS revenue)
        FROM {TRUTH} t LEFT JOIN sim_revealed r ON r.unit_id = t.unit_id"""
    )
    features.build_cum(wh)
    visible = wh.sql(f"SELECT count(DISTINCT unit_id) n FROM {ITEMS} WHERE fraud IS NOT NULL")
    return int(visible.column("n")[0].as_py())


def _week_units(cols: dict[str, np.ndarray], p: np.ndarray) -> dict[str, np.ndarray]:
    idx = riskiest_per_unit(cols, p)
    return {
        "unit": cols["unit_id"][idx],
        "p": p[idx],
        "y": cols["fraud"][idx],
        "revenue": np.nan_to_num(cols["unit_revenue"][idx]),
    }


def simulate(
    data: Path,
    *,
    dataset: str,
    inspection_rate: float = 0.1,
    exploration: float = 0.1,
    seed: int = 0,
    max_weeks: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run the simulation over the weeks after the train split; per-week and mean figures."""
    say = progress or (lambda _s: None)
    rng = np.random.default_rng(seed)
    weeks: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="icrms-sim-") as tmp:
        prep = prepare(Path(tmp), data, dataset)
        wh = prep.warehouse
        try:
            wh.execute(f"CREATE OR REPLACE TEMP TABLE {TRUTH} AS SELECT * FROM {ITEMS}")
            known = wh.sql(
                f"SELECT DISTINCT unit_id FROM {TRUTH} WHERE split = 'train' AND unit_id IS NOT NULL"
            )
            revealed = set(known.column("unit_id").to_pylist())
            end = wh.sql(f"SELECT max(lodged_date) d FROM {TRUTH}").column("d")[0].as_py()
            start = prep.train_until + timedelta(days=1)
            while start <= end and (max_weeks is None or len(weeks) < max_weeks):
                stop = start + timedelta(days=6)
                say(f"week {start}")
                visible = _mask(wh, revealed)
                fitted = pipeline.train_on_warehouse(
                    wh, train_until=start - timedelta(days=1), seed=seed
                )
                pipeline.register_history(wh, fitted.history)
                cols = columns(
                    wh.sql(
                        features.features_sql(
                            f"(SELECT * FROM {TRUTH} "
                            f"WHERE lodged_date BETWEEN DATE '{start}' AND DATE '{stop}')",
                            asof=False,
                        )
                    )
                )
                if len(cols.get("unit_id", [])):
                    p = fitted.model.probability(fitted.model.matrix(cols))
                    weeks.append(_select(_week_units(cols, p), inspection_rate, exploration, rng))
                    weeks[-1]["week"] = start.isoformat()
                    weeks[-1]["labels_visible"] = visible
                    revealed.update(weeks[-1].pop("selected"))
                start = stop + timedelta(days=1)
        finally:
            wh.close()
    keys = ("precision", "norm_precision", "norm_revenue")
    mean = {
        k: round(float(np.mean([w[k] for w in weeks if w[k] is not None])), 4)
        for k in keys
        if any(w[k] is not None for w in weeks)
    }
    return {
        "dataset": dataset,
        "inspection_rate": inspection_rate,
        "exploration": exploration,
        "weeks": weeks,
        "mean": mean,
    }


def _select(
    units: dict[str, np.ndarray], rate: float, exploration: float, rng: np.random.Generator
) -> dict[str, Any]:
    n = len(units["p"])
    k = max(1, round(n * rate))
    explore = min(round(k * exploration), k)
    order = np.argsort(-units["p"], kind="stable")
    exploit = order[: k - explore]
    rest = order[k - explore :]
    chosen = np.concatenate([exploit, rng.choice(rest, explore, replace=False)]).astype(int)
    y, rev = units["y"], units["revenue"]
    hits = float(np.nansum(y[chosen]))
    oracle_p = min(float(np.nansum(y)), k) / k
    oracle_rev = float(np.sum(np.sort(rev)[::-1][:k]))
    caught = float(np.sum(rev[chosen]))
    return {
        "units": n,
        "inspected": k,
        "explored": explore,
        "precision": round(hits / k, 4),
        "norm_precision": round(hits / k / oracle_p, 4) if oracle_p else None,
        "revenue": round(caught, 2),
        "norm_revenue": round(caught / oracle_rev, 4) if oracle_rev else None,
        "selected": [str(u) for u in units["unit"][chosen]],
    }
