"""Live scoring: the promoted model as a selectivity :class:`~icrms.selectivity.engine.Scorer`.

History lookups come from the tables materialised at training time, held in dictionaries, so a
declaration is scored without any warehouse query.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa

from icrms.models import features
from icrms.models.derive import feature_names
from icrms.models.registry import Artifact

TOP_FEATURES = 5
ANOMALY_Z = 3.5  # robust z-score of log unit value beyond which an item is an outlier
ANOMALY_FEATURES = ("uv_hs6_origin_z", "uv_hs6_z")
NUMERIC_KEYS = {"net_mass_kg", "customs_value"}
Row = Mapping[str, Any]


def _tables() -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    return features._tables()


def _key(values: Sequence[Any], cols: Sequence[str]) -> tuple[Any, ...] | None:
    out = []
    for v, c in zip(values, cols, strict=True):
        if v is None:
            return None
        out.append(float(v) if c in NUMERIC_KEYS else str(v))
    return tuple(out)


def _stat(v: Any) -> float:
    return np.nan if v is None else float(v)


def index_history(history: Mapping[str, pa.Table]) -> dict[str, dict[tuple[Any, ...], tuple]]:
    """Dictionaries key → stats (floats, NaN for NULL) of each materialised history table."""
    out: dict[str, dict[tuple[Any, ...], tuple]] = {}
    for name, (cols, stats) in _tables().items():
        table = history[name]
        keys = zip(*(table.column(c).to_pylist() for c in cols), strict=True)
        values = zip(*(table.column(s).to_pylist() for s in stats), strict=True)
        index: dict[tuple[Any, ...], tuple] = {}
        for k, vals in zip(keys, values, strict=True):
            key = _key(k, cols)
            if key is not None:
                index[key] = tuple(_stat(v) for v in vals)
        out[name] = index
    return out


def _item_view(row: Row) -> dict[str, Any]:
    """A live item row with the derived fields the warehouse adds (HS levels, unit value)."""
    out = dict(row)
    for key, default in features.KEY_DEFAULTS.items():
        if out.get(key) is None:
            out[key] = default
    hs = str(out.get("hs_code") or "")
    for n in (2, 4, 6):
        out.setdefault(f"hs{n}", hs[:n] or None)
    lodged = out.get("lodged_date") or out.get("lodged_at")
    out["lodged_date"] = lodged.date() if isinstance(lodged, datetime) else lodged
    value, mass = out.get("customs_value"), out.get("net_mass_kg")
    if out.get("unit_value") is None and value is not None:
        mass = mass if mass else out.get("gross_mass_kg")
        out["unit_value"] = float(value) / float(mass) if mass else None
    return out


_ENTITY_KEYS = [(f"e_{e}", cols) for e, (cols, _p) in features.ENTITIES.items()]
_REFERENCE_KEYS = [(f"g_{g}", cols) for g, (cols, _m) in features.REFERENCES.items()]


_KEY_COLUMNS = sorted({c for _n, cols in _ENTITY_KEYS + _REFERENCE_KEYS for c in cols})
_MISSING_E = (math.nan,) * len(features.ENTITY_STATS)
_MISSING_G = (math.nan,) * len(features.REFERENCE_STATS)


def _typed(item: Mapping[str, Any]) -> dict[str, Any]:
    """The item's key values as the history dictionaries hold them (float or str; None)."""
    out: dict[str, Any] = {}
    for c in _KEY_COLUMNS:
        v = item.get(c)
        out[c] = None if v is None else float(v) if c in NUMERIC_KEYS else str(v)
    return out


def _hits(
    typed: list[dict[str, Any]],
    table: Mapping[tuple, tuple],
    keys: tuple[str, ...],
    missing: tuple[float, ...],
) -> list[tuple]:
    """Each item's statistics from one history table (``missing`` where the key is unknown)."""
    out = []
    for t in typed:
        key = tuple(t[k] for k in keys)
        out.append(missing if None in key else table.get(key, missing))
    return out


def raw_rows(rows: Sequence[Row], index: Mapping[str, Mapping[tuple, tuple]]) -> dict[str, Any]:
    """Raw columns of a declaration's items, with history from the in-memory tables.

    Entity statistics come as one rows × entities matrix per statistic (``e__n``, …), which
    :func:`~icrms.models.derive.derive` reads directly.
    """
    items = [_item_view(r) for r in rows]
    typed = [_typed(r) for r in items]
    cols: dict[str, Any] = {c: [r.get(c) for r in items] for c in features.ITEM_COLUMNS}
    cols["n_items"] = np.full(len(items), float(len(items)))
    stats = features.ENTITY_STATS
    found = [_hits(typed, index[name], keys, _MISSING_E) for name, keys in _ENTITY_KEYS]
    block = np.array(found, dtype=np.float64).reshape(len(_ENTITY_KEYS), len(items), len(stats))
    for s, stat in enumerate(stats):
        cols[f"e__{stat}"] = np.ascontiguousarray(block[:, :, s].T)
    for name, keys in _REFERENCE_KEYS:
        ref = np.array(_hits(typed, index[name], keys, _MISSING_G), dtype=np.float64).reshape(
            len(items), len(features.REFERENCE_STATS)
        )
        for s, stat in enumerate(features.REFERENCE_STATS):
            cols[f"{name}__{stat}"] = ref[:, s]
    return cols


class ModelScorer:
    """The promoted model behind the selectivity Scorer protocol."""

    def __init__(self, artifact: Artifact) -> None:
        self.artifact = artifact
        self.version = artifact.version
        self.model = artifact.model
        self.index = index_history(artifact.history)
        self.names = feature_names()
        model_names = list(self.model.forest.names)
        if model_names != self.names:
            missing = sorted(set(model_names) - set(self.names))
            from icrms.errors import ValidationError

            raise ValidationError(
                "model.features",
                ", ".join(missing[:5]) or len(model_names),
                f"model {artifact.version} needs features this version of icrms does not compute",
            )

    def probabilities(self, rows: Sequence[Row]) -> tuple[np.ndarray, np.ndarray]:
        """Calibrated probability per item and the feature matrix."""
        x = self.model.matrix(raw_rows(rows, self.index))
        return self.model.probability(x), x

    def contribution(self, rows: Sequence[Row]) -> dict[str, Any] | None:
        """The model's reason for a declaration: its riskiest item, explained."""
        if not rows:
            return None
        p, x = self.probabilities(rows)
        return explain(self.model, self.version, rows, p, x, self.names)


def explain(
    model: Any,
    version: str,
    rows: Sequence[Row],
    p: np.ndarray,
    x: np.ndarray,
    names: Sequence[str],
    contrib: np.ndarray | None = None,
) -> dict[str, Any]:
    """The reason dict for one declaration given its item probabilities and features.

    ``contrib`` are the riskiest item's feature contributions when already computed in bulk.
    A green decision carries no ``top_features``: the path attributions (one more traversal of
    the trees) are computed only for yellow and red, where the reason is shown and stored.
    """
    top = int(np.argmax(p))
    prob = float(p[top])
    thresholds = model.thresholds
    channel = (
        "red"
        if prob >= thresholds.get("red_at", 2)
        else "yellow"
        if prob >= thresholds.get("yellow_at", 2)
        else "green"
    )
    top_features = []
    if channel != "green":  # explained only where a yellow or red decision shows and stores it
        if contrib is None:
            contrib = model.forest.contributions(x[top : top + 1])[0]
        contrib = contrib[:-1]
        top_features = [
            {
                "feature": names[j],
                "value": None if math.isnan(x[top, j]) else round(float(x[top, j]), 4),
                "contribution": round(float(contrib[j]), 4),
            }
            for j in np.argsort(-np.abs(contrib))[:TOP_FEATURES]
        ]
    anomalies = []
    for i in range(len(rows)):
        for f in ANOMALY_FEATURES:
            z = x[i, names.index(f)]
            if not math.isnan(z) and abs(z) >= ANOMALY_Z:
                anomalies.append(
                    {"item_no": rows[i].get("item_no"), "feature": f, "value": round(float(z), 2)}
                )
                break
    anomalies.sort(key=lambda a: (a["item_no"] is None, a["item_no"]))
    revenue = model.expected_revenue(x[top : top + 1], p[top : top + 1])
    return {
        "code": "model",
        "model_version": version,
        "score": round(100 * prob) if channel != "green" else 0,
        "min_channel": channel,
        "probability": round(prob, 4),
        "expected_revenue": round(float(revenue[0]), 2),
        "item_no": rows[top].get("item_no"),
        "top_features": top_features,
        "anomalies": anomalies,
    }
