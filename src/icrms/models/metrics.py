"""Ranking metrics of the customs-fraud literature: precision, recall and revenue at the top n %."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score

RATES = (1, 2, 5, 10)


def _top(scores: np.ndarray, frac: float) -> np.ndarray:
    k = max(1, round(len(scores) * frac))
    return np.argsort(-scores, kind="stable")[:k]


def precision_at(
    scores: np.ndarray, y: np.ndarray, frac: float, w: np.ndarray | None = None
) -> float:
    """Share of irregular rows among the top ``frac`` (optionally weighted)."""
    if len(scores) == 0:
        return 0.0
    top = _top(scores, frac)
    if w is None:
        return float(np.mean(y[top]))
    return float(np.sum(w[top] * y[top]) / np.sum(w[top]))


def recall_at(scores: np.ndarray, y: np.ndarray, frac: float) -> float:
    """Share of all irregular rows found in the top ``frac``."""
    total = float(np.sum(y))
    return float(np.sum(y[_top(scores, frac)]) / total) if total else 0.0


def revenue_at(scores: np.ndarray, revenue: np.ndarray, frac: float) -> float:
    """Share of the recoverable revenue caught in the top ``frac``."""
    total = float(np.nansum(revenue))
    return float(np.nansum(revenue[_top(scores, frac)]) / total) if total else 0.0


def auc(scores: np.ndarray, y: np.ndarray) -> float | None:
    """ROC AUC (None with one class only)."""
    return float(roc_auc_score(y, scores)) if 0 < y.sum() < len(y) else None


def report(
    scores: np.ndarray,
    y: np.ndarray,
    revenue: np.ndarray | None = None,
    critical: np.ndarray | None = None,
) -> dict[str, float | None]:
    """Every figure for one ranking: precision@n, recall@n, revenue@n, AUC, critical recall@n."""
    out: dict[str, float | None] = {}
    for n in RATES:
        out[f"precision@{n}"] = precision_at(scores, y, n / 100)
        out[f"recall@{n}"] = recall_at(scores, y, n / 100)
        if revenue is not None and np.nansum(revenue) > 0:
            out[f"revenue@{n}"] = revenue_at(scores, revenue, n / 100)
        if critical is not None and critical.sum() > 0:
            out[f"critical_recall@{n}"] = recall_at(scores, critical.astype(float), n / 100)
    out["auc"] = auc(scores, y)
    return out
