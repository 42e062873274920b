"""``icrms simulate``: selection with feedback, period by period, as the BACUDA framework does.

The train split is known history: every label revealed (``history="all"``), or — on generated
data with its oracle file — only the labels of the declarations the old rules selected
(``"selected"``: targeted and random controls; ``"targeted"``: targeted only). Each later week
or month: train on the labels revealed so far (with inverse-propensity weights unless
``propensity`` is false), score the period's units, inspect ``inspection_rate`` of them — an
``exploration`` share drawn at random, the rest the top scores — reveal only the inspected
labels, and move on. Precision and revenue per period are reported as they are and normalised
by the perfect inspector's (who knows every label: precision min(frauds, k)/k, revenue the k
largest revenues).

With ``adaptive`` the exploration share changes after each period: when the random picks found
irregularities at half the rate of the top-scored ones or more, the model is missing much of
what is there and the share grows by half; otherwise it shrinks by a quarter (within
``ADAPTIVE_RANGE``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from icrms.errors import ValidationError
from icrms.models import features, oracle, pipeline
from icrms.models.derive import columns
from icrms.models.evaluate import prepare, riskiest_per_unit
from icrms.models.features import ITEMS

TRUTH = "sim_truth"
HISTORIES = {"all": None, "selected": ("targeted", "random"), "targeted": ("targeted",)}
ADAPTIVE_RANGE = (0.02, 0.5)


def _mask(wh: Any, revealed: dict[str, str | None]) -> int:
    """Hide every label not in ``revealed`` (unit → how it was selected); units left visible."""
    units = sorted(revealed)
    wh.register(
        "sim_revealed",
        pa.table(
            {
                "unit_id": pa.array(units, pa.string()),
                "how": pa.array([revealed[u] for u in units], pa.string()),
            }
        ),
    )
    wh.execute(
        f"""CREATE OR REPLACE TEMP TABLE {ITEMS} AS
        SELECT t.* REPLACE (
            CASE WHEN r.unit_id IS NOT NULL THEN t.fraud END AS fraud,
            CASE WHEN r.unit_id IS NOT NULL THEN t.revenue END AS revenue,
            CASE WHEN r.unit_id IS NULL THEN 'none' ELSE coalesce(r.how, t.selection) END
                AS selection)
        FROM {TRUTH} t LEFT JOIN sim_revealed r ON r.unit_id = CAST(t.unit_id AS VARCHAR)"""
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


def _period_end(start: date, period: str) -> date:
    if period == "week":
        return start + timedelta(days=6)
    following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return following - timedelta(days=1)


def _initial(wh: Any, history: str) -> dict[str, str | None]:
    """The train split's units whose labels are known at the start, and how each was selected."""
    allowed = HISTORIES[history]
    if allowed is None:
        rows = wh.sql(
            f"SELECT DISTINCT unit_id FROM {TRUTH} WHERE split = 'train' AND unit_id IS NOT NULL"
        ).column("unit_id")
        return {str(u): None for u in rows.to_pylist()}  # selected as the data says
    keep = ", ".join(f"'{a}'" for a in allowed)
    rows = wh.sql(
        f"""WITH s AS (SELECT declaration_id, max(selection) AS sel FROM {oracle.TABLE} GROUP BY 1)
        SELECT DISTINCT t.unit_id, s.sel FROM {TRUTH} t JOIN s USING (declaration_id)
        WHERE t.split = 'train' AND t.unit_id IS NOT NULL AND s.sel IN ({keep})"""
    ).to_pylist()
    return {str(r["unit_id"]): r["sel"] for r in rows}


def simulate(
    data: Path,
    *,
    dataset: str,
    inspection_rate: float = 0.1,
    exploration: float = 0.1,
    seed: int = 0,
    period: str = "week",
    adaptive: bool = False,
    history: str = "all",
    propensity: bool = True,
    max_periods: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run the simulation over the periods after the train split; per-period and mean figures."""
    if period not in ("week", "month"):
        raise ValidationError("--period", period, "is not one of week, month")
    if history not in HISTORIES:
        raise ValidationError("--history", history, f"is not one of {', '.join(HISTORIES)}")
    say = progress or (lambda _s: None)
    rng = np.random.default_rng(seed)
    periods: list[dict[str, Any]] = []
    share = exploration
    with tempfile.TemporaryDirectory(prefix="icrms-sim-") as tmp:
        prep = prepare(Path(tmp), data, dataset)
        wh = prep.warehouse
        try:
            if history != "all" and not prep.oracle:
                raise ValidationError(
                    "--history", history, "needs generated data with its oracle file"
                )
            wh.execute(f"CREATE OR REPLACE TEMP TABLE {TRUTH} AS SELECT * FROM {ITEMS}")
            revealed = _initial(wh, history)
            end = wh.sql(f"SELECT max(lodged_date) d FROM {TRUTH}").column("d")[0].as_py()
            start = prep.train_until + timedelta(days=1)
            while start <= end and (max_periods is None or len(periods) < max_periods):
                stop = _period_end(start, period)
                say(f"{period} {start}")
                visible = _mask(wh, revealed)
                fitted = pipeline.train_on_warehouse(
                    wh, train_until=start - timedelta(days=1), seed=seed, propensity=propensity
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
                    row = _select(_week_units(cols, p), inspection_rate, share, rng)
                    row.update(start=start.isoformat(), exploration=round(share, 4))
                    row["labels_visible"] = visible
                    for how in ("targeted", "random"):
                        revealed.update(dict.fromkeys(row.pop(f"selected_{how}"), how))
                    periods.append(row)
                    if adaptive:
                        share = _adapt(share, row)
                start = stop + timedelta(days=1)
        finally:
            wh.close()
    keys = ("precision", "norm_precision", "norm_revenue", "revenue")
    mean = {
        k: round(float(np.mean([w[k] for w in periods if w[k] is not None])), 4)
        for k in keys
        if any(w[k] is not None for w in periods)
    }
    return {
        "dataset": dataset,
        "inspection_rate": inspection_rate,
        "exploration": exploration,
        "adaptive": adaptive,
        "period": period,
        "history": history,
        "propensity": propensity,
        "periods": periods,
        "mean": mean,
    }


def _adapt(share: float, row: dict[str, Any]) -> float:
    """The next period's exploration share (see the module docstring)."""
    if not row["explored"] or row["exploit_hit_rate"] is None:
        return share
    grow = row["explore_hit_rate"] >= 0.5 * row["exploit_hit_rate"]
    low, high = ADAPTIVE_RANGE
    return float(np.clip(share * (1.5 if grow else 0.75), low, high))


def _select(
    units: dict[str, np.ndarray], rate: float, exploration: float, rng: np.random.Generator
) -> dict[str, Any]:
    n = len(units["p"])
    k = max(1, round(n * rate))
    explore = min(round(k * exploration), k)
    order = np.argsort(-units["p"], kind="stable")
    exploit = order[: k - explore]
    rest = order[k - explore :]
    explored = rng.choice(rest, explore, replace=False).astype(int)
    chosen = np.concatenate([exploit, explored]).astype(int)
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
        "explore_hit_rate": round(float(np.nanmean(y[explored])), 4) if explore else None,
        "exploit_hit_rate": round(float(np.nanmean(y[exploit])), 4) if len(exploit) else None,
        "selected_targeted": [str(u) for u in units["unit"][exploit]],
        "selected_random": [str(u) for u in units["unit"][explored]],
    }
