"""Model features from raw columns: one numpy function shared by training, bulk and live scoring."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from icrms.models.features import (
    DECAY_DAYS,
    DECAY_EPOCH,
    ENTITIES,
    ENTITY_STATS,
    REFERENCES,
)

CATEGORICAL = (
    "office_code",
    "declaration_type",
    "procedure",
    "import_use",
    "payment_method",
    "transport_mode",
    "currency",
    "hs2",
    "country_of_origin",
    "country_of_export",
    "origin_marking",
    "preference",
    "quantity_unit",
)
# Traders, couriers, HS4 and HS6 have too many values to split on: they enter the model
# through their history (counts, smoothed irregularity rates, revenue, age).
AGE_ENTITIES = ("importer", "declarant", "seller", "declarant_importer", "importer_hs6")
SMOOTHING = 5.0  # pseudo-controls at the prior rate in each smoothed irregularity rate
EPOCH = date(1970, 1, 1)
Columns = Mapping[str, Any]  # column name -> numpy array or list of values


@dataclass
class FeatureSpec:
    """What turns raw columns into the model's matrix: prior rate and category codes."""

    prior: float
    categories: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        """Feature names in matrix column order."""
        return feature_names()

    @property
    def categorical(self) -> list[str]:
        """The categorical features (integer codes, -1 unseen)."""
        return [f"cat_{c}" for c in CATEGORICAL]

    def as_dict(self) -> dict[str, Any]:
        return {"prior": self.prior, "categories": self.categories}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FeatureSpec:
        return cls(float(data["prior"]), {k: dict(v) for k, v in data["categories"].items()})


BASE = (
    "log_value",
    "log_mass",
    "log_uv",
    "log_qty",
    "log_qpk",
    "duty_rate",
    "eff_rate",
    "log_duty",
    "gross_net",
    "fob_cif",
    "tax_gap",
    "n_items",
    "item_no",
    "weekday",
    "origin_ne_export",
    "aeo",
    "no_mass",
)
ENTITY_FEATURES = ("n", "c", "rate", "drate", "lift", "rev")
_ORDER = list(ENTITIES)
_PARENT = [(_ORDER.index(p) if p else -1) for _k, p in ENTITIES.values()]
_AGE = [_ORDER.index(e) for e in AGE_ENTITIES]


def feature_names() -> list[str]:
    """Every feature, in order."""
    names = list(BASE)
    for kind in ENTITY_FEATURES:
        names += [f"{e}_{kind}" for e in ENTITIES]
    names += [f"{e}_age" for e in AGE_ENTITIES]
    for g in REFERENCES:
        names += [f"{g}_z", f"{g}_dev", f"{g}_m"]
    names += [f"cat_{c}" for c in CATEGORICAL]
    return names


def _num(values: Any) -> np.ndarray:
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        return values
    return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)


def _days(values: Any) -> np.ndarray:
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        return values
    return np.array([_day(v) for v in values], dtype=np.float64)


def _day(v: Any) -> float:
    if v is None:
        return np.nan
    if isinstance(v, int | float):
        return float(v)
    return float((v - EPOCH).days)


def columns(table: pa.Table) -> dict[str, np.ndarray]:
    """Arrow columns as numpy: numbers and booleans as float (NaN for NULL), dates as days."""
    out: dict[str, np.ndarray] = {}
    for name in table.column_names:
        col = table.column(name)
        kind = col.type
        if pa.types.is_date(kind):
            col = pc.cast(pc.cast(col, pa.date32()), pa.int32())
            kind = col.type
        if pa.types.is_boolean(kind):
            col = pc.cast(col, pa.int8())
            kind = col.type
        if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
            out[name] = pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False)
            out[name] = np.where(pc.is_null(col).to_numpy(zero_copy_only=False), np.nan, out[name])
        else:
            out[name] = np.array(col.to_pylist(), dtype=object)
    return out


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = a / b
    out[~np.isfinite(out)] = np.nan
    return out


def _log(a: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.log(a)
    out[~np.isfinite(out)] = np.nan
    return out


def build_spec(cols: Columns, labels: np.ndarray) -> FeatureSpec:
    """Category codes (most frequent first) and prior rate from the training rows."""
    categories = {}
    for c in CATEGORICAL:
        values, counts = np.unique(
            np.array([str(v) for v in cols[c] if v is not None], dtype=object), return_counts=True
        )
        order = np.argsort(-counts, kind="stable")
        categories[c] = {str(values[i]): n for n, i in enumerate(order)}
    return FeatureSpec(float(np.nanmean(labels)) if len(labels) else 0.0, categories)


def _stats(cols: Columns, stat: str) -> np.ndarray:
    """One history statistic of every entity: rows × entities, NaN where never seen."""
    if f"e__{stat}" in cols:  # already one matrix (live scoring)
        return np.asarray(cols[f"e__{stat}"])
    return np.column_stack([_num(cols[f"e_{e}__{stat}"]) for e in _ORDER])


def _entities(cols: Columns, spec: FeatureSpec, today: np.ndarray) -> list[np.ndarray]:
    """Counts, shrunk and decayed rates, lift over the parent, revenue per control, ages."""
    n, c, f, r, dc, df = (np.nan_to_num(_stats(cols, s)) for s in ENTITY_STATS[:-1])
    decay = np.exp(-(today - DECAY_EPOCH) / DECAY_DAYS)[:, None]
    dc, df = dc * decay, df * decay
    rate, drate, parent_rate = np.empty_like(c), np.empty_like(c), np.empty_like(c)
    for j, p in enumerate(_PARENT):
        prior = rate[:, p] if p >= 0 else spec.prior
        dprior = drate[:, p] if p >= 0 else spec.prior
        rate[:, j] = (f[:, j] + SMOOTHING * prior) / (c[:, j] + SMOOTHING)
        drate[:, j] = (df[:, j] + SMOOTHING * dprior) / (dc[:, j] + SMOOTHING)
        parent_rate[:, j] = prior
    first = _stats(cols, "first")
    return [
        np.log1p(n),
        np.log1p(c),
        rate,
        drate,
        _ratio(rate, np.maximum(parent_rate, 1e-6)),
        np.log1p(np.maximum(r, 0) / np.maximum(c, 1)),
        today[:, None] - first[:, _AGE],
    ]


def derive(cols: Columns, spec: FeatureSpec) -> np.ndarray:
    """The feature matrix (rows × :func:`feature_names`) of raw columns."""
    value, mass = _num(cols["customs_value"]), _num(cols["net_mass_kg"])
    gross, qty = _num(cols["gross_mass_kg"]), _num(cols["quantity"])
    rate, duty = _num(cols["duty_rate"]), _num(cols["duty_amount"])
    today = _days(cols["lodged_date"])
    eff = _ratio(duty, value)
    eff = np.where(np.isnan(eff), rate, eff)
    measures = {
        "luv": _log(_ratio(value, np.where(np.isnan(mass), gross, mass))),
        "lqpk": _log(_ratio(qty, np.where(np.isnan(mass), gross, mass))),
        "erate": eff,
    }
    origin = np.array(cols["country_of_origin"], dtype=object)
    export = np.array(cols["country_of_export"], dtype=object)
    out = [
        _log(value + 1),
        _log(np.where(np.isnan(mass), gross, mass) + 1),
        measures["luv"],
        _log(qty + 1),
        measures["lqpk"],
        rate,
        eff,
        _log(duty + 1),
        _ratio(gross, mass),
        _ratio(_num(cols["fob_value"]), value),
        eff - rate,
        _num(cols["n_items"]),
        _num(cols["item_no"]),
        (today + 3) % 7,
        np.where((origin == None) | (export == None), np.nan, (origin != export) * 1.0),  # noqa: E711
        _num(cols["aeo"]),
        np.isnan(mass).astype(np.float64),
    ]
    blocks = [np.column_stack(out), *_entities(cols, spec, today)]
    for g, (_keys, measure) in REFERENCES.items():
        x = measures[measure]
        q25, q50, q75 = (_num(cols[f"g_{g}__{q}"]) for q in ("q25", "q50", "q75"))
        scale = np.maximum((q75 - q25) / 1.349, 0.05 if measure != "erate" else 0.01)
        blocks.append(
            np.column_stack(
                [(x - q50) / scale, x - q50, np.log1p(np.nan_to_num(_num(cols[f"g_{g}__m"])))]
            )
        )
    codes = []
    for c in CATEGORICAL:
        known = spec.categories.get(c, {})
        codes.append([np.nan if v is None else float(known.get(str(v), -1)) for v in cols[c]])
    blocks.append(np.array(codes, dtype=np.float64).T.reshape(len(today), len(CATEGORICAL)))
    matrix = np.hstack(blocks)
    matrix[~np.isfinite(matrix)] = np.nan
    return matrix
