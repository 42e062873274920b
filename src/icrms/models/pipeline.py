"""The product's model pipeline on a warehouse: label, compute features, train, materialise, score."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa

from icrms.errors import ValidationError
from icrms.models import drift, features
from icrms.models.derive import columns
from icrms.models.train import TrainedModel, fit
from icrms.warehouse.base import Warehouse


@dataclass
class Fitted:
    """A trained model with the history tables it scores with and its data window."""

    model: TrainedModel
    history: dict[str, pa.Table]
    window: dict[str, Any]
    reference: dict[str, Any] | None = None


def _day(value: date) -> str:
    return f"DATE '{value.isoformat()}'"


def prepare(warehouse: Warehouse, where: str = "TRUE") -> None:
    """Label the items in scope (``m_items``) and build their running-total tables.

    The same SQL on DuckDB and Spark (``features.py`` spells the two differences: day numbers
    and percentiles); the contract suite holds both to the same features.
    """
    if warehouse.backend == "spark":
        # adaptive execution re-plans each of the many small joins and windows of the feature
        # queries; on them it cost about twice what it saved (docs/benchmarks.md)
        warehouse.execute("SET spark.sql.adaptive.enabled = false")
    features.create_table(
        warehouse,
        features.ITEMS,
        features.labelled_items_sql(where, warehouse.backend),
        cache=True,
    )
    features.build_cum(warehouse)


def window(warehouse: Warehouse) -> tuple[date, date]:
    """First and last lodgement date of the prepared items."""
    row = warehouse.sql(f"SELECT min(lodged_date) a, max(lodged_date) b FROM {features.ITEMS}")
    a, b = row.column("a")[0].as_py(), row.column("b")[0].as_py()
    if a is None:
        raise ValidationError("data", 0, "no declaration items in the warehouse to train on")
    return a, b


def training_columns(
    warehouse: Warehouse, until: date, since: date | None = None
) -> dict[str, np.ndarray]:
    """Rows lodged in [since, until] with as-of history columns (never later information)."""
    cond = f"lodged_date <= {_day(until)}" + (f" AND lodged_date >= {_day(since)}" if since else "")
    rows = f"(SELECT * FROM {features.ITEMS} WHERE {cond})"
    return columns(warehouse.sql(features.features_sql(rows, asof=True)))


def register_history(warehouse: Warehouse, history: dict[str, pa.Table]) -> None:
    """Make the materialised history tables joinable as ``hist_*``."""
    for name, table in history.items():
        warehouse.register(f"hist_{name}", table)


def scoring_table(warehouse: Warehouse, rows_sql: str) -> pa.Table:
    """Rows of ``rows_sql`` (shaped like ``m_items``) with history from the ``hist_*`` tables."""
    return warehouse.sql(features.features_sql(f"({rows_sql})", asof=False))


def scoring_columns(warehouse: Warehouse, rows_sql: str) -> dict[str, np.ndarray]:
    """Numpy columns of :func:`scoring_table`."""
    return columns(scoring_table(warehouse, rows_sql))


def train_on_warehouse(
    warehouse: Warehouse,
    *,
    train_until: date,
    train_since: date | None = None,
    valid: tuple[date, date] | None = None,
    history_until: date | None = None,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
    propensity: bool = True,
) -> Fitted:
    """Train on the prepared items; ``valid`` (a date range after ``train_until``) chooses.

    The history kept with the model is as of ``history_until`` (default ``train_until``).
    """
    say = progress or (lambda _s: None)
    say("features")
    train = training_columns(warehouse, train_until, train_since)
    valid_cols = None
    if valid is not None:
        register_history(warehouse, features.materialise(warehouse, train_until))
        valid_cols = scoring_columns(
            warehouse,
            f"SELECT * FROM {features.ITEMS} WHERE lodged_date BETWEEN {_day(valid[0])} "
            f"AND {_day(valid[1])}",
        )
    say("train")
    model = fit(train, valid_cols, seed=seed, propensity=propensity)
    cutoff = history_until or train_until
    history = features.materialise(warehouse, cutoff)
    first = train_since or window(warehouse)[0]
    span = {
        "train_from": first.isoformat(),
        "train_until": train_until.isoformat(),
        "history_until": cutoff.isoformat(),
        "valid": [d.isoformat() for d in valid] if valid else None,
    }
    x = model.matrix(train)
    ref = drift.reference(x, model.probability(x), model.spec.names)
    return Fitted(model, history, span, ref)
