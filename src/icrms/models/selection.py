"""Selection bias: what a model learns when only the declarations the old rules selected carry labels.

In real customs data only controlled declarations have a result, and most controls were chosen
by the old rules (targeted), a few at random. On generated data every row's truth is known and
the oracle file says how the old rules selected each declaration, so evaluation can hide the
labels of every train and validation row the old rules did not select and train again:

- ``targeted_only``: labels of targeted controls only (no random-control share), unweighted;
- ``selected``: targeted and random controls, unweighted;
- ``selected_ipw``: the same with inverse-propensity weights (``train.ipw_weights``).

Each is scored on the full-label test rows, like the full-label model, so the figures sit side by
side. The history features are rebuilt from the visible labels only.
"""

from __future__ import annotations

from typing import Any

from icrms.models import features, oracle, pipeline
from icrms.models.metrics import report
from icrms.warehouse.base import Warehouse

TRUTH = "eval_truth"
VARIANTS: dict[str, tuple[tuple[str, ...], bool]] = {
    "targeted_only": (("targeted",), False),
    "selected": (("targeted", "random"), False),
    "selected_ipw": (("targeted", "random"), True),
}


def _mask(wh: Warehouse, allowed: tuple[str, ...]) -> int:
    """Hide the train and valid labels of declarations the old rules did not select."""
    keep = ", ".join(f"'{s}'" for s in allowed)
    wh.execute(
        f"""CREATE OR REPLACE TEMP TABLE {features.ITEMS} AS
        WITH s AS (SELECT declaration_id, max(selection) AS sel FROM {oracle.TABLE} GROUP BY 1)
        SELECT t.* REPLACE (
            CASE WHEN t.split = 'test' OR s.sel IN ({keep}) THEN t.fraud END AS fraud,
            CASE WHEN t.split = 'test' OR s.sel IN ({keep}) THEN t.revenue END AS revenue,
            CASE WHEN t.split = 'test' OR s.sel IN ({keep}) THEN t.unit_revenue END
                AS unit_revenue,
            coalesce(s.sel, 'none') AS selection)
        FROM {TRUTH} t LEFT JOIN s USING (declaration_id)"""
    )
    features.build_cum(wh)
    visible = wh.sql(
        f"SELECT count(*) n FROM {features.ITEMS} WHERE split <> 'test' AND fraud IS NOT NULL"
    )
    return int(visible.column("n")[0].as_py())


def compare(prep: Any, seed: int, best: dict[str, float]) -> dict[str, Any]:
    """Each variant's test figures and oracle ratios (``best``: the oracle's figures)."""
    from icrms.models.evaluate import _units

    wh = prep.warehouse
    wh.execute(f"CREATE OR REPLACE TEMP TABLE {TRUTH} AS SELECT * FROM {features.ITEMS}")
    out: dict[str, Any] = {}
    try:
        for name, (allowed, weighted) in VARIANTS.items():
            visible = _mask(wh, allowed)
            fitted = pipeline.train_on_warehouse(
                wh,
                train_until=prep.train_until,
                valid=prep.valid,
                history_until=prep.valid[1],
                seed=seed,
                propensity=weighted,
            )
            pipeline.register_history(wh, fitted.history)
            cols = pipeline.scoring_columns(
                wh, f"SELECT * FROM {features.ITEMS} WHERE split = 'test'"
            )
            p = fitted.model.probability(fitted.model.matrix(cols))
            unit = _units(cols, p)
            figures = report(unit["p"], unit["y"], unit["revenue"], unit["critical"])
            out[name] = {
                "labelled_train_rows": visible,
                **{k: v for k, v in figures.items() if k.split("@")[0] in ("precision", "revenue")},
                "auc": figures["auc"],
                "oracle_ratio": oracle.ratios(figures, best),
            }
    finally:
        wh.execute(f"CREATE OR REPLACE TEMP TABLE {features.ITEMS} AS SELECT * FROM {TRUTH}")
        features.build_cum(wh)
    return out


def all_labelled(wh: Warehouse) -> bool:
    """Whether every prepared item carries a label (DATE-shaped data)."""
    n = wh.sql(f"SELECT count(*) n FROM {features.ITEMS} WHERE fraud IS NULL")
    return int(n.column("n")[0].as_py()) == 0
