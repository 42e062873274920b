"""Live scoring: the Scorer seam, explanations, agreement with LightGBM, the warehouse and bulk.

Latency is a benchmark matter (``bench/selectivity.py``), not asserted here.
"""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pytest

from icrms.errors import ValidationError
from icrms.models import bulk, service
from icrms.models.derive import feature_names
from icrms.models.forest import Forest
from icrms.models.live import ModelScorer, raw_rows
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


def test_forest_scores_exactly_as_lightgbm(trained) -> None:  # type: ignore[no-untyped-def]
    artifact = service.registry(trained.settings).load(trained.version)
    booster = lgb.Booster(model_str=artifact.model.texts["model.txt"])
    scorer = ModelScorer(artifact)
    x = np.vstack([scorer.probabilities(d)[1] for d in _declarations(trained)])
    x[::3, 5] = np.nan  # missing values take each split's learned default way
    assert np.array_equal(artifact.model.forest.raw(x), booster.predict(x, raw_score=True))


def test_contribution_is_the_riskiest_item_explained(trained) -> None:  # type: ignore[no-untyped-def]
    artifact = service.registry(trained.settings).load(trained.version)
    scorer = ModelScorer(artifact)
    seam: Scorer = scorer  # satisfies the selectivity protocol (checked by mypy)
    assert seam.version == trained.version
    booster = lgb.Booster(model_str=artifact.model.texts["model.txt"])
    xs, ys = artifact.model.calibration
    thresholds = artifact.model.thresholds
    names = feature_names()
    channels = set()
    for rows in _declarations(trained, 400):
        c = scorer.contribution(rows)
        assert c is not None
        x = artifact.model.matrix(raw_rows(rows, scorer.index))
        # LightGBM's own trees, then the logistic link and the calibration
        p = np.interp(1 / (1 + np.exp(-booster.predict(x, raw_score=True))), xs, ys)
        top = int(np.argmax(p))
        expected = (
            "red"
            if p[top] >= thresholds["red_at"]
            else "yellow"
            if p[top] >= thresholds["yellow_at"]
            else "green"
        )
        channels.add(expected)
        assert c["model_version"] == trained.version
        assert c["item_no"] == rows[top]["item_no"]
        assert c["probability"] == round(float(p[top]), 4)
        assert c["min_channel"] == expected
        assert c["score"] == (round(100 * float(p[top])) if expected != "green" else 0)
        # path attributions add up to the raw score; the five largest are reported, for a
        # yellow or red decision only (a green one is neither shown nor stored with reasons)
        contrib = artifact.model.forest.contributions(x[top : top + 1])[0]
        assert contrib.sum() == pytest.approx(booster.predict(x[top : top + 1], raw_score=True)[0])
        largest = [names[j] for j in np.argsort(-np.abs(contrib[:-1]))[:5]]
        shown = [f["feature"] for f in c["top_features"]]
        assert shown == ([] if expected == "green" else largest)
    assert "green" in channels and len(channels) >= 2  # both branches were exercised


def test_live_matches_bulk_exactly(trained) -> None:  # type: ignore[no-untyped-def]
    artifact = service.registry(trained.settings).load(trained.version)
    scorer = ModelScorer(artifact)
    decls = _declarations(trained)
    ids = ", ".join(f"'{d[0]['declaration_id']}'" for d in decls)
    with DuckDBWarehouse(trained.settings.warehouse_path) as wh:
        table = bulk.bulk_contributions(
            wh, artifact, items_sql=f"SELECT * FROM fact_item WHERE declaration_id IN ({ids})"
        )
    by_id = {r["declaration_id"]: r for r in table.to_pylist()}
    assert len(by_id) == len(decls)
    import json

    for d in decls:
        live = scorer.contribution(d)
        row = by_id[d[0]["declaration_id"]]
        assert json.loads(row["reason"]) == live
        assert (row["probability"], row["score"], row["min_channel"]) == (
            live["probability"],  # type: ignore[index]
            live["score"],  # type: ignore[index]
            live["min_channel"],  # type: ignore[index]
        )


def test_history_features_match_the_warehouse_counted_independently(trained) -> None:  # type: ignore[no-untyped-def]
    """Importer history features against plain counts over the stored facts (not feature code)."""
    artifact = service.registry(trained.settings).load(trained.version)
    scorer = ModelScorer(artifact)
    cutoff = artifact.meta["window"]["history_until"]
    names = feature_names()
    col = {k: names.index(f"importer_{k}") for k in ("n", "c", "rate")}
    prior = artifact.model.spec.prior
    checked = 0
    with DuckDBWarehouse(trained.settings.warehouse_path) as wh:
        for rows in _declarations(trained, 60):
            importer = rows[0]["importer_id"]
            counts = wh.sql(
                f"""SELECT
                    (SELECT count(*) FROM fact_item WHERE importer_id = '{importer}'
                     AND lodged_date <= DATE '{cutoff}') AS n,
                    count(*) FILTER (WHERE c.outcome IS NOT NULL) AS c,
                    count(*) FILTER (WHERE c.outcome IN ('irregularity', 'seizure')) AS f
                FROM fact_item i JOIN fact_control c USING (declaration_id, version)
                WHERE i.importer_id = '{importer}'
                  AND greatest(i.lodged_date, CAST(c.controlled_at AS DATE)) <= DATE '{cutoff}'"""
            ).to_pylist()[0]
            x = scorer.probabilities(rows)[1][0]
            assert x[col["n"]] == pytest.approx(np.log1p(counts["n"]))
            assert x[col["c"]] == pytest.approx(np.log1p(counts["c"]))
            expected_rate = (counts["f"] + 5.0 * prior) / (counts["c"] + 5.0)
            assert x[col["rate"]] == pytest.approx(expected_rate)
            checked += counts["c"] > 0
    assert checked >= 5  # importers with labelled history were among those checked


def test_model_with_unknown_features_is_refused(trained) -> None:  # type: ignore[no-untyped-def]
    artifact = service.registry(trained.settings).load(trained.version)
    x = np.random.default_rng(0).normal(size=(50, 2))
    booster = lgb.train(
        {"objective": "binary", "verbose": -1},
        lgb.Dataset(x, (x[:, 0] > 0).astype(float), feature_name=["foo", "bar"]),
        num_boost_round=2,
    )
    artifact.model.forest = Forest.parse(booster.model_to_string())
    with pytest.raises(ValidationError, match="foo"):
        ModelScorer(artifact)
