"""The demo's model step: train on the demo warehouse, promote, and hand the scorer to assessments."""

from __future__ import annotations

from typing import Any

from icrms.models import service
from icrms.models.live import ModelScorer


def step_model(ctx: Any) -> None:
    """Train a risk model on the demo's control results and promote it."""
    from icrms.cli.common import warehouse

    with warehouse(ctx.settings) as wh:
        version = service.train(wh, ctx.settings, seed=ctx.seed)
    reg = service.registry(ctx.settings)
    reg.promote(version)
    meta = reg.meta(version)
    ctx.summary["model"] = {
        "version": version,
        "window": meta["window"],
        "metrics": meta["metrics"],
    }


def demo_scorer(ctx: Any) -> ModelScorer | None:
    """The promoted model's scorer for the demo's snapshot (None before ``step_model``)."""
    return service.promoted_scorer(ctx.settings)
