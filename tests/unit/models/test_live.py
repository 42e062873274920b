"""Live scoring: the Scorer seam, explanations, agreement with bulk scoring, speed, bad models."""

from __future__ import annotations

import time

import lightgbm as lgb
import numpy as np
import pytest

from icrms.errors import ValidationError
from icrms.models import bulk, service
from icrms.models.live import ModelScorer
from icrms.selectivity.engine import Scorer
from icrms.warehouse.duckdb import DuckDBWarehouse


def _declarations(trained, n: int = 40) -> list[list[dict]]:  # type: ignore[no-untyped-def]
    with DuckDBWarehouse(trained.settings.warehouse_path) as wh:
        rows = wh.sql(
            "SELECT * FROM fact_item WHERE declaration_id IN (SELECT declaration_id FROM "
            f"fact_item GROUP BY 1 HAVING count(*) > 2 ORDER BY 1 DESC LIMIT {n}) "
            "ORDER BY declaration_id, item_no"
        ).to_pylist()
    out: dict[str, list[dict]] = {}
    for r in rows:
        out.setdefault(r["declaration_id"], []).append(r)
    return list(out.values())


def test_contribution_has_score_channel_and_explanation(trained) -> None:  # type: ignore[no-untyped-def]
    reg = service.registry(trained.settings)
    scorer = ModelScorer(reg.load(trained.version))
    seam: Scorer = scorer  # satisfies the selectivity protocol (checked by mypy)
    assert seam.version == trained.version
    c = scorer.contribution(_declarations(trained, 1)[0])
    assert c is not None
    assert c["model_version"] == trained.version
    assert isinstance(c["score"], int) and 0 <= c["score"] <= 100
    assert c["min_channel"] in ("green", "yellow", "red")
    assert 0.0 <= c["probability"] <= 1.0
    assert len(c["top_features"]) == 5
    assert all({"feature", "value", "contribution"} <= set(f) for f in c["top_features"])


def test_live_matches_bulk(trained) -> None:  # type: ignore[no-untyped-def]
    artifact = service.registry(trained.settings).load(trained.version)
    scorer = ModelScorer(artifact)
    decls = _declarations(trained)
    ids = ", ".join(f"'{d[0]['declaration_id']}'" for d in decls)
    with DuckDBWarehouse(trained.settings.warehouse_path) as wh:
        table = bulk.bulk_contributions(
            wh, artifact, items_sql=f"SELECT * FROM fact_item WHERE declaration_id IN ({ids})"
        )
    by_id = {r["declaration_id"]: r for r in table.to_pylist()}
    for d in decls:
        live = scorer.contribution(d)
        assert live is not None
        row = by_id[d[0]["declaration_id"]]
        assert row["probability"] == pytest.approx(live["probability"], abs=1e-4)
        assert row["score"] == live["score"] and row["min_channel"] == live["min_channel"]


def test_live_scoring_is_fast(trained) -> None:  # type: ignore[no-untyped-def]
    scorer = ModelScorer(service.registry(trained.settings).load(trained.version))
    decls = _declarations(trained)
    scorer.contribution(decls[0])
    started = time.perf_counter()
    for d in decls:
        scorer.contribution(d)
    per = (time.perf_counter() - started) / len(decls)
    assert per < 0.02, f"{per * 1000:.2f} ms per declaration"


def test_model_with_unknown_features_is_refused(trained) -> None:  # type: ignore[no-untyped-def]
    artifact = service.registry(trained.settings).load(trained.version)
    x = np.random.default_rng(0).normal(size=(50, 2))
    artifact.model.booster = lgb.train(
        {"objective": "binary", "verbose": -1},
        lgb.Dataset(x, (x[:, 0] > 0).astype(float), feature_name=["foo", "bar"]),
        num_boost_round=2,
    )
    with pytest.raises(ValidationError, match="foo"):
        ModelScorer(artifact)
