"""Bulk scoring: a model artifact applied to warehouse item rows, one contribution per declaration."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pyarrow as pa

from icrms.models import pipeline
from icrms.models.derive import feature_names
from icrms.models.features import item_columns_sql
from icrms.models.live import explain
from icrms.models.registry import Artifact
from icrms.warehouse.base import Warehouse

BATCH = 200_000


def scoring_rows_sql(items_sql: str) -> str:
    """Item rows of ``items_sql`` (fact_item shaped) in the shape the feature query reads."""
    cols = item_columns_sql("s")
    return (
        f"SELECT {cols}, count(*) OVER (PARTITION BY declaration_id, version) AS n_items "
        f"FROM ({items_sql}) s"
    )


def score_items(warehouse: Warehouse, artifact: Artifact, *, items_sql: str) -> dict[str, Any]:
    """Probabilities and features of every item ``items_sql`` selects (history from the artifact)."""
    pipeline.register_history(warehouse, artifact.history)
    cols = pipeline.scoring_columns(warehouse, scoring_rows_sql(items_sql))
    x = artifact.model.matrix(cols)
    p = (
        np.concatenate(
            [artifact.model.probability(x[i : i + BATCH]) for i in range(0, max(len(x), 1), BATCH)]
        )
        if len(x)
        else np.zeros(0)
    )
    return {"cols": cols, "x": x, "p": p}


def bulk_contributions(warehouse: Warehouse, artifact: Artifact, *, items_sql: str) -> pa.Table:
    """Per declaration: ``declaration_id``, ``version``, ``score``, ``min_channel``,
    ``probability`` and ``reason`` (the same JSON object the live scorer returns)."""
    scored = score_items(warehouse, artifact, items_sql=items_sql)
    cols, x, p = scored["cols"], scored["x"], scored["p"]
    names = feature_names()
    groups: dict[tuple[str, int], list[int]] = {}
    for i, key in enumerate(zip(cols["declaration_id"], cols["version"], strict=True)):
        groups.setdefault((str(key[0]), int(key[1])), []).append(i)
    tops = [max(idx, key=lambda i: p[i]) for idx in groups.values()]
    # explanations only where the decision is yellow or red (as live scoring does)
    explained = [i for i in tops if p[i] >= artifact.model.thresholds.get("yellow_at", 2)]
    contribs: list[np.ndarray | None] = [None] * len(tops)
    if explained:
        rows_of = {i: n for n, i in enumerate(explained)}
        values = artifact.model.forest.contributions(x[explained])
        contribs = [values[rows_of[i]] if i in rows_of else None for i in tops]
    out: dict[str, list[Any]] = {
        k: []
        for k in ("declaration_id", "version", "score", "min_channel", "probability", "reason")
    }
    for ((decl, ver), idx), top, contrib in zip(groups.items(), tops, contribs, strict=True):
        rows = [{"item_no": int(cols["item_no"][i])} for i in idx]
        order = [idx.index(top)] + [j for j in range(len(idx)) if idx[j] != top]
        ordered = [idx[j] for j in order]
        reason = explain(
            artifact.model,
            artifact.version,
            [rows[j] for j in order],
            p[ordered],
            x[ordered],
            names,
            contrib,
        )
        for k, v in (
            ("declaration_id", decl),
            ("version", ver),
            ("score", reason["score"]),
            ("min_channel", reason["min_channel"]),
            ("probability", reason["probability"]),
            ("reason", json.dumps(reason)),
        ):
            out[k].append(v)
    return pa.table(out)
