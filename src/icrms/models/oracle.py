"""The oracle ranking of generated data: how far a model is from the best possible one.

``icrms generate`` writes beside each data file an oracle file (``<name>.oracle.parquet``,
:mod:`icrms.generator.oracle`) with the probability of an irregularity and the expected evaded
duty that the generator's mechanisms used for every item. Evaluation loads it into the
temporary workspace only (never into the rows training reads), aggregates it to the labelled
units as the model's scores are (a unit is irregular when any of its items is: probability
``1 − Π(1 − p)``, expected revenue the sum), ranks the test units by it and reports the model's
precision@n and revenue@n as a ratio to the oracle's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from icrms.generator.oracle import oracle_path
from icrms.models.features import ITEMS
from icrms.models.metrics import RATES, precision_at, revenue_at
from icrms.warehouse.base import Warehouse

TABLE = "eval_oracle"


def oracle_files(data: Path | dict[str, Path]) -> list[Path] | None:
    """The oracle files of a data file or of every split file; None unless all exist."""
    files = [data] if isinstance(data, Path) else list(data.values())
    found = [oracle_path(f) for f in files]
    return found if all(f.is_file() for f in found) else None


def load(warehouse: Warehouse, files: list[Path]) -> None:
    """The oracle rows, keyed by declaration and position of the item within it."""
    tables = [pq.read_table(f) for f in files]
    for n, table in enumerate(tables):
        warehouse.register(f"{TABLE}_{n}", table)
    union = " UNION ALL ".join(f"SELECT * FROM {TABLE}_{n}" for n in range(len(tables)))
    warehouse.execute(f"CREATE OR REPLACE TEMP TABLE {TABLE} AS {union}")


def unit_scores(warehouse: Warehouse, split: str) -> dict[Any, tuple[float, float, str]]:
    """Per labelled unit of ``split``: oracle probability, expected revenue, old-rules selection."""
    rows = warehouse.sql(
        f"""WITH i AS (
            SELECT declaration_id, unit_id,
                row_number() OVER (PARTITION BY declaration_id, version ORDER BY item_no) AS pos
            FROM {ITEMS} WHERE split = '{split}' AND unit_id IS NOT NULL)
        SELECT i.unit_id, 1 - product(1 - o.p_fraud) AS p, sum(o.expected_revenue) AS r,
            max(o.selection) AS selection
        FROM i JOIN {TABLE} o ON o.declaration_id = i.declaration_id AND o.item_no = i.pos
        GROUP BY i.unit_id"""
    ).to_pylist()
    return {r["unit_id"]: (float(r["p"]), float(r["r"]), r["selection"]) for r in rows}


def unit_arrays(
    scores: dict[Any, tuple[float, float, str]], units: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Oracle probability and expected revenue aligned with ``units`` (a unit id per row)."""
    missing = [u for u in units if u not in scores]
    if missing:
        raise ValueError(f"{len(missing)} test units have no oracle row (e.g. {missing[0]!r})")
    return (
        np.array([scores[u][0] for u in units]),
        np.array([scores[u][1] for u in units]),
    )


def figures(
    p: np.ndarray, expected: np.ndarray, y: np.ndarray, revenue: np.ndarray
) -> dict[str, float]:
    """The oracle's precision@n (ranked by probability) and revenue@n (by expected revenue)."""
    out: dict[str, float] = {}
    for n in RATES:
        out[f"precision@{n}"] = precision_at(p, y, n / 100)
        if np.nansum(revenue) > 0:
            out[f"revenue@{n}"] = revenue_at(expected, revenue, n / 100)
    return out


def ratios(model: dict[str, Any], oracle: dict[str, float]) -> dict[str, float]:
    """The model's figure over the oracle's, for every figure both have."""
    return {
        k: round(float(model[k]) / v, 4)
        for k, v in oracle.items()
        if v and model.get(k) is not None
    }
