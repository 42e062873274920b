"""Model features from raw columns: one numpy function shared by training, bulk and live scoring."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from icrms.models.features import ENTITIES, REFERENCES

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
AGE_ENTITIES = ("importer", "declarant", "seller", "importer_hs6", "seller_importer")
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
    "duty_rate",
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


def feature_names() -> list[str]:
    """Every feature, in order."""
    names = list(BASE)
    for e in ENTITIES:
        names += [f"{e}_n", f"{e}_c", f"{e}_rate", f"{e}_rev"]
        if e in AGE_ENTITIES:
            names.append(f"{e}_age")
    for g in REFERENCES:
        names += [f"{g}_z", f"{g}_dev", f"{g}_m"]
    names += [f"cat_{c}" for c in CATEGORICAL]
    return names


def _num(values: Sequence[Any]) -> np.ndarray:
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        return values
    return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)


def _days(values: Sequence[Any]) -> np.ndarray:
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


def derive(cols: Columns, spec: FeatureSpec) -> np.ndarray:
    """The feature matrix (rows × :func:`feature_names`) of raw columns."""
    value, mass = _num(cols["customs_value"]), _num(cols["net_mass_kg"])
    gross, qty = _num(cols["gross_mass_kg"]), _num(cols["quantity"])
    rate = _num(cols["duty_rate"])
    today = _days(cols["lodged_date"])
    out = [
        _log(value + 1),
        _log(mass + 1),
        _log(_ratio(value, np.where(np.isnan(mass), gross, mass))),
        _log(qty + 1),
        rate,
        _ratio(gross, mass),
        _ratio(_num(cols["fob_value"]), value),
        _ratio(_num(cols["duty_amount"]), value) - rate,
        _num(cols["n_items"]),
        _num(cols["item_no"]),
        (today + 3) % 7,
        np.array(
            [
                np.nan if o is None or e is None else float(o != e)
                for o, e in zip(
                    list(cols["country_of_origin"]), list(cols["country_of_export"]), strict=True
                )
            ]
        ),
        _num(cols["aeo"]),
        np.isnan(mass).astype(np.float64),
    ]
    for e in ENTITIES:
        n = np.nan_to_num(_num(cols[f"e_{e}__n"]))
        c = np.nan_to_num(_num(cols[f"e_{e}__c"]))
        f = np.nan_to_num(_num(cols[f"e_{e}__f"]))
        r = np.nan_to_num(_num(cols[f"e_{e}__r"]))
        out += [
            np.log1p(n),
            c,
            (f + SMOOTHING * spec.prior) / (c + SMOOTHING),
            np.log1p(np.maximum(r, 0) / np.maximum(c, 1)),
        ]
        if e in AGE_ENTITIES:
            out.append(today - _days(cols[f"e_{e}__first"]))
    for g, (_keys, measure) in REFERENCES.items():
        x = out[2] if measure == "luv" else _log(_ratio(qty, mass))
        q25, q50, q75 = (_num(cols[f"g_{g}__{q}"]) for q in ("q25", "q50", "q75"))
        scale = np.maximum((q75 - q25) / 1.349, 0.05)
        out += [(x - q50) / scale, x - q50, np.log1p(np.nan_to_num(_num(cols[f"g_{g}__m"])))]
    for c in CATEGORICAL:
        codes = spec.categories.get(c, {})
        out.append(
            np.array(
                [np.nan if v is None else float(codes.get(str(v), -1)) for v in cols[c]],
                dtype=np.float64,
            )
        )
    matrix = np.column_stack(out) if out else np.empty((0, 0))
    matrix[np.isinf(matrix)] = np.nan
    return matrix
