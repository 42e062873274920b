"""The DATE-style baseline: XGBoost on label-encoded raw columns (100 trees, depth 4).

As in the DATE code (Kim et al., KDD 2020): categoricals label-encoded, raw numbers as they
are, ``XGBClassifier(n_estimators=100, max_depth=4)``; for KCS the minority class is
oversampled 1:1, as in the dataset's own notebook. No history, no references.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from icrms.models.derive import Columns

CATEGORICAL = (
    "office_code",
    "declaration_type",
    "procedure",
    "import_use",
    "payment_method",
    "transport_mode",
    "declarant_id",
    "importer_id",
    "seller_id",
    "courier_id",
    "hs6",
    "country_of_export",
    "country_of_origin",
    "preference",
    "origin_marking",
)
NUMERIC = (
    "quantity",
    "net_mass_kg",
    "gross_mass_kg",
    "customs_value",
    "fob_value",
    "duty_rate",
    "duty_amount",
)


class Baseline:
    """Label encoders fitted on train and the XGBoost classifier."""

    def __init__(self, *, oversample: bool, seed: int) -> None:
        self.oversample = oversample
        self.seed = seed
        self.codes: dict[str, dict[str, int]] = {}
        self.model: Any = None

    def matrix(self, cols: Columns) -> np.ndarray:
        out = []
        for c in CATEGORICAL:
            codes = self.codes[c]
            out.append(np.array([codes.get(str(v), -1) for v in cols[c]], dtype=np.float64))
        for c in NUMERIC:
            out.append(np.array([np.nan if v is None else v for v in cols[c]], dtype=np.float64))
        return np.column_stack(out)

    def fit(self, cols: Columns, y: np.ndarray) -> Baseline:
        from xgboost import XGBClassifier

        self.codes = {
            c: {v: i for i, v in enumerate(sorted({str(x) for x in cols[c]}))} for c in CATEGORICAL
        }
        x = self.matrix(cols)
        if self.oversample:
            rng = np.random.default_rng(self.seed)
            pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
            minority, majority = (pos, neg) if len(pos) < len(neg) else (neg, pos)
            extra = rng.choice(minority, len(majority) - len(minority), replace=True)
            idx = np.concatenate([majority, minority, extra])
            x, y = x[idx], y[idx]
        self.model = XGBClassifier(
            n_estimators=100, max_depth=4, n_jobs=1, random_state=self.seed, verbosity=0
        )
        self.model.fit(x, y)
        return self

    def predict(self, cols: Columns) -> np.ndarray:
        return self.model.predict_proba(self.matrix(cols))[:, 1]
