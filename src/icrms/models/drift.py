"""Drift: population stability index (PSI) of features and score, training window vs recent data.

PSI = Σ (a − e) · ln(a / e) over bins, e the training share and a the recent share of a bin
(shares floored at 1e-4). Bins: the values themselves when a feature has at most 20 distinct
values, else the training deciles; missing values are a bin of their own. Rule of thumb:
< 0.1 stable, 0.1–0.25 moderate, > 0.25 a shift worth acting on (default threshold 0.2).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

FLOOR = 1e-4
THRESHOLD = 0.2


def _bins(values: np.ndarray) -> dict[str, Any]:
    finite = values[~np.isnan(values)]
    distinct = np.unique(finite)
    if len(distinct) <= 20:
        return {"values": [float(v) for v in distinct]}
    edges = np.unique(np.quantile(finite, np.linspace(0.1, 0.9, 9)))
    return {"edges": [float(e) for e in edges]}


def _shares(values: np.ndarray, bins: dict[str, Any]) -> list[float]:
    n = max(len(values), 1)
    missing = np.isnan(values)
    v = values[~missing]
    if "values" in bins:
        known = np.array(bins["values"])
        counts = [int(np.sum(v == k)) for k in known]
        counts.append(int(np.sum(~np.isin(v, known))))
    else:
        counts = list(
            np.bincount(
                np.searchsorted(bins["edges"], v, side="right"), minlength=len(bins["edges"]) + 1
            )
        )
    counts.append(int(missing.sum()))
    return [c / n for c in counts]


def reference(x: np.ndarray, p: np.ndarray, names: Sequence[str]) -> dict[str, Any]:
    """Bins and shares of every feature and of the score on the training rows."""
    out: dict[str, Any] = {}
    for j, name in enumerate([*names, "score"]):
        col = p if name == "score" else x[:, j]
        bins = _bins(col)
        out[name] = {**bins, "shares": _shares(col, bins)}
    return out


def psi(expected: Sequence[float], actual: Sequence[float]) -> float:
    """Population stability index of two share vectors."""
    e = np.maximum(np.asarray(expected, dtype=float), FLOOR)
    a = np.maximum(np.asarray(actual, dtype=float), FLOOR)
    return float(np.sum((a - e) * np.log(a / e)))


def drift_report(
    ref: dict[str, Any],
    x: np.ndarray,
    p: np.ndarray,
    names: Sequence[str],
    threshold: float = THRESHOLD,
) -> dict[str, Any]:
    """PSI of each feature and the score on recent rows; flags those beyond ``threshold``."""
    rows: list[dict[str, Any]] = []
    for j, name in enumerate([*names, "score"]):
        if name not in ref:
            continue
        col = p if name == "score" else x[:, j]
        value = psi(ref[name]["shares"], _shares(col, ref[name]))
        rows.append({"feature": name, "psi": round(value, 4), "drifted": value > threshold})
    rows.sort(key=lambda r: -r["psi"])
    score = next(r for r in rows if r["feature"] == "score")
    return {
        "threshold": threshold,
        "rows": len(p),
        "score_psi": score["psi"],
        "drifted": [r["feature"] for r in rows if r["drifted"]],
        "features": rows,
    }
