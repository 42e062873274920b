"""Training: a gradient-boosted P(irregularity), calibrated, and an expected-revenue model.

Selection bias: control results mostly come from *targeted* controls, so the labelled set
over-represents what past targeting looked at. Each labelled item is weighted by the inverse of
its estimated probability of being controlled, π(x) = r + (1 − r)·p̂(x), where r is the random
control share (declarations drawn at random) and p̂ a small gradient-boosted model of targeted
selection fitted on every item of the window (controlled or not). Random controls are the
unbiased part: where targeting was likely they get the low weight the targeted ones get, where
it was unlikely they stand for all the similar items that were not controlled. Weights are
clipped at the 99th percentile and normalised to mean 1. When every item is labelled (KCS,
DATE) or no control is random, all weights are 1.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import average_precision_score

from icrms.errors import ValidationError
from icrms.models.derive import Columns, FeatureSpec, build_spec, derive, feature_names
from icrms.models.forest import Forest
from icrms.models.metrics import precision_at

BASE_PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 63,
    "min_data_in_leaf": 20,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "num_threads": 1,
    "verbose": -1,
}
# candidates chosen on the validation rows (never on test)
GRID: tuple[dict[str, Any], ...] = (
    {"num_leaves": 63, "min_data_in_leaf": 20},
    {"num_leaves": 15, "min_data_in_leaf": 40, "feature_fraction": 0.6},
)
MIN_RANDOM = 30


@dataclass
class TrainedModel:
    """A fitted model with everything needed to score raw columns.

    ``texts`` keeps the LightGBM text of each forest (``model.txt``, ``revenue.txt``) as the
    registry stores it; scoring uses the parsed :class:`Forest` only.
    """

    forest: Forest
    spec: FeatureSpec
    calibration: tuple[list[float], list[float]]
    revenue: Forest | None = None
    thresholds: dict[str, float] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)

    def matrix(self, cols: Columns) -> np.ndarray:
        """Feature matrix of raw columns."""
        return derive(cols, self.spec)

    def probability(self, x: np.ndarray) -> np.ndarray:
        """Calibrated P(irregularity) per row."""
        raw = self.forest.predict(x)
        xs, ys = self.calibration
        return np.interp(raw, xs, ys) if xs else raw

    def expected_revenue(self, x: np.ndarray, p: np.ndarray) -> np.ndarray:
        """P(irregularity) × expected revenue when irregular (0 without a revenue model)."""
        if self.revenue is None:
            return np.zeros(len(p))
        return p * np.expm1(np.maximum(self.revenue.predict(x), 0))


def labels_of(cols: Columns) -> np.ndarray:
    """The fraud label per row (NaN when unlabelled)."""
    return np.array([np.nan if v is None else float(v) for v in cols["fraud"]])


def ipw_weights(cols: Columns, x: np.ndarray, seed: int) -> np.ndarray:
    """Inverse-propensity weights of every row (see module docstring); 1 for unlabelled rows."""
    y = labels_of(cols)
    labelled = ~np.isnan(y)
    selection = np.array([s or "unknown" for s in cols["selection"]], dtype=object)
    is_random = labelled & (selection == "random")
    if labelled.all() or is_random.sum() < MIN_RANDOM:
        return np.ones(len(y))
    declarations = {(d, v) for d, v in zip(cols["declaration_id"], cols["version"], strict=True)}
    random_units = {u for u, r in zip(cols["unit_id"], is_random, strict=True) if r}
    share = len(random_units) / max(len(declarations), 1)
    rest = ~is_random
    target = (labelled & rest).astype(float)
    model = lgb.train(
        {**BASE_PARAMS, "num_leaves": 15, "seed": seed, "learning_rate": 0.1},
        lgb.Dataset(x[rest], target[rest], free_raw_data=False),
        num_boost_round=60,
    )
    p = np.clip(model.predict(x, num_threads=1), 1e-4, 1.0)
    w = 1.0 / (share + (1 - share) * p)
    w = np.minimum(w, np.quantile(w[labelled], 0.99))
    w[~labelled] = 1.0
    return w / w[labelled].mean()


def _fit_isotonic(raw: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[list[float], list[float]]:
    iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0)
    iso.fit(raw, y, sample_weight=w)
    return [float(v) for v in iso.X_thresholds_], [float(v) for v in iso.y_thresholds_]


def fit(
    train: Columns,
    valid: Columns | None = None,
    *,
    seed: int = 0,
    grid: Sequence[Mapping[str, Any]] = GRID,
    rounds: int = 600,
    propensity: bool = True,
) -> TrainedModel:
    """Fit on ``train`` (all rows of the window; unlabelled ones feed only the propensity).

    ``propensity=False`` weighs every labelled row 1 (to measure what the weights change).

    ``valid`` rows pick the candidate and the number of trees and fit the calibration; without
    them the latest fifth of the labelled training rows does.
    """
    started = time.perf_counter()
    y_all = labels_of(train)
    labelled = ~np.isnan(y_all)
    if labelled.sum() == 0 or np.nansum(y_all) == 0:
        raise ValidationError(
            "labels",
            int(np.nansum(y_all)),
            "training needs control results with at least one irregularity; none in the window",
        )
    spec = build_spec(train, y_all[labelled])
    x_all = derive(train, spec)
    w_all = ipw_weights(train, x_all, seed) if propensity else np.ones(len(y_all))
    x, y, w = x_all[labelled], y_all[labelled], w_all[labelled]
    dates = np.array(train["lodged_date"], dtype=object)[labelled]
    if valid is not None and (~np.isnan(labels_of(valid))).sum() > 0:
        yv_all = labels_of(valid)
        keep = ~np.isnan(yv_all)
        xv, yv, wv = derive(valid, spec)[keep], yv_all[keep], np.ones(int(keep.sum()))
        fit_rows = np.ones(len(y), dtype=bool)
    else:
        order = np.argsort(dates, kind="stable")
        fit_rows = np.zeros(len(y), dtype=bool)
        fit_rows[order[: int(len(order) * 0.8)]] = True
        xv, yv, wv = x[~fit_rows], y[~fit_rows], w[~fit_rows]
    names = feature_names()
    best: tuple[float, lgb.Booster, dict[str, Any]] | None = None
    for candidate in grid:
        params = {**BASE_PARAMS, **candidate, "seed": seed, "metric": "average_precision"}
        data = lgb.Dataset(
            x[fit_rows],
            y[fit_rows],
            weight=w[fit_rows],
            feature_name=names,
            free_raw_data=False,
        )
        vdata = lgb.Dataset(xv, yv, weight=wv, reference=data)
        booster = lgb.train(
            params,
            data,
            num_boost_round=rounds,
            valid_sets=[vdata],
            callbacks=[lgb.early_stopping(40, verbose=False)],
        )
        pv = np.asarray(booster.predict(xv, num_threads=1))
        score = precision_at(pv, yv, 0.05, wv) + average_precision_score(yv, pv, sample_weight=wv)
        if best is None or score > best[0]:
            best = (score, booster, {**params, "num_boost_round": booster.best_iteration})
    assert best is not None
    _score, booster, params = best
    text = booster.model_to_string()
    forest = Forest.parse(text)
    raw_v = forest.predict(xv)
    model = TrainedModel(forest, spec, _fit_isotonic(raw_v, yv, wv), params=params)
    model.texts["model.txt"] = text
    revenue = _fit_revenue(train, x_all, labelled, seed)
    if revenue is not None:
        model.texts["revenue.txt"] = revenue.model_to_string()
        model.revenue = Forest.parse(model.texts["revenue.txt"])
    pv = model.probability(xv)
    model.thresholds = {
        "yellow_at": float(np.quantile(pv, 0.95)),
        "red_at": float(np.quantile(pv, 0.99)),
    }
    model.metrics = {
        "valid_precision@5": round(precision_at(pv, yv, 0.05, wv), 4),
        "valid_rows": len(yv),
        "train_rows": int(labelled.sum()),
        "train_seconds": round(time.perf_counter() - started, 2),
        "trees": forest.trees,
    }
    return model


def _fit_revenue(
    train: Columns, x: np.ndarray, labelled: np.ndarray, seed: int
) -> lgb.Booster | None:
    """Regress log1p(revenue) on the irregular items whose own control records a revenue."""
    rev = np.array([np.nan if v is None else float(v) for v in train["revenue"]])
    y = labels_of(train)
    rows = labelled & (y == 1) & ~np.isnan(rev)
    if rows.sum() < 50 or np.nansum(rev[rows]) <= 0:
        return None
    params = {**BASE_PARAMS, "objective": "regression", "num_leaves": 31, "seed": seed}
    return lgb.train(params, lgb.Dataset(x[rows], np.log1p(rev[rows])), num_boost_round=200)
