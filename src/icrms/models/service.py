"""Workspace operations on models: train on the warehouse, register, load the promoted scorer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from icrms.core.identity import load_identity
from icrms.models import bulk, drift, pipeline
from icrms.models.live import ModelScorer
from icrms.models.registry import Registry
from icrms.settings import Settings
from icrms.warehouse.base import Warehouse


def registry(settings: Settings) -> Registry:
    """The workspace's model registry (``<home>/models``)."""
    return Registry(settings.home / "models", identity=load_identity(settings.home / "keys"))


def train(
    warehouse: Warehouse,
    settings: Settings,
    *,
    since: date | None = None,
    until: date | None = None,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> str:
    """Train on the warehouse's controlled items lodged in [since, until]; register; return the id.

    The latest fifth of the window chooses the model and fits its calibration; the history kept
    with the model runs to ``until`` (default: the last lodgement date).
    """
    pipeline.prepare(warehouse)
    _first, last = pipeline.window(warehouse)
    until = until or last
    fitted = pipeline.train_on_warehouse(
        warehouse, train_until=until, train_since=since, seed=seed, progress=progress
    )
    return registry(settings).register(fitted, dataset={"source": str(settings.warehouse_path)})


def promoted_scorer(settings: Settings) -> ModelScorer | None:
    """The promoted model as a selectivity scorer, or None when none is promoted."""
    reg = registry(settings)
    if reg.promoted() is None:
        return None
    return ModelScorer(reg.load())


def workspace_drift(
    warehouse: Warehouse,
    settings: Settings,
    *,
    days: int = 30,
    threshold: float = drift.THRESHOLD,
    version: str | None = None,
) -> dict[str, Any]:
    """PSI of the promoted (or given) model's features and score: training rows vs the last days."""
    artifact = registry(settings).load(version)
    ref = artifact.meta.get("drift_reference")
    if ref is None:
        from icrms.errors import ValidationError

        raise ValidationError("model", artifact.version, "has no drift reference")
    last = warehouse.sql("SELECT max(lodged_date) d FROM fact_item").column("d")[0].as_py()
    if last is None:
        from icrms.errors import ValidationError

        raise ValidationError("warehouse", "fact_item", "is empty: nothing to compare")
    since = last - timedelta(days=days - 1)
    scored = bulk.score_items(
        warehouse,
        artifact,
        items_sql=f"SELECT * FROM fact_item WHERE lodged_date >= DATE '{since.isoformat()}'",
    )
    out = drift.drift_report(ref, scored["x"], scored["p"], artifact.model.spec.names, threshold)
    return {
        "version": artifact.version,
        "training_window": artifact.meta["window"],
        "recent": [since.isoformat(), last.isoformat()],
        **out,
    }
