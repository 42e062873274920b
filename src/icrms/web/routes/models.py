"""Risk models: versions with metrics, promotion and rollback, drift with a chart."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from icrms.api.deps import CurrentUser, SessionDep, SettingsDep, require
from icrms.auth.schemas import Role
from icrms.errors import IcrmsError
from icrms.live.profiles import record_model_change
from icrms.live.warehouse import reading
from icrms.models.service import registry, workspace_drift
from icrms.web.render import redirect, render

router = APIRouter()
READ = [require(Role.analyst, Role.manager)]
WRITE = [require(Role.analyst)]


def flatten(data: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Nested metrics as (dotted name, value) rows."""
    if isinstance(data, dict):
        rows: list[tuple[str, Any]] = []
        for key, value in data.items():
            rows.extend(flatten(value, f"{prefix}{key}."))
        return rows
    if isinstance(data, float):
        data = round(data, 4)
    return [(prefix.rstrip("."), data)]


def psi_figure(report: dict[str, Any]) -> str:
    """A bar chart of each feature's population stability index (Plotly JSON)."""
    rows = report.get("features", [])[:15][::-1]
    threshold = report.get("threshold", 0.2)
    return json.dumps(
        {
            "data": [
                {
                    "type": "bar",
                    "orientation": "h",
                    "x": [r["psi"] for r in rows],
                    "y": [r["feature"] for r in rows],
                    "marker": {"color": ["#b3261e" if r["drifted"] else "#1f5f99" for r in rows]},
                }
            ],
            "layout": {
                "height": 80 + 26 * len(rows),
                "margin": {"l": 190, "r": 20, "t": 10, "b": 40},
                "xaxis": {"title": {"text": f"PSI (drift above {threshold})"}},
                "font": {"size": 12},
            },
        }
    )


@router.get("/models", dependencies=READ)
def models(request: Request, settings: SettingsDep) -> Response:
    """Every registered version, the promoted one marked."""
    versions = registry(settings).versions()
    for v in versions:
        v["headline"] = [
            (k, val) for k, val in flatten(v.get("metrics", {})) if not isinstance(val, list)
        ][:6]
    return render(request, "models.html", {"versions": versions[::-1]})


@router.get("/models/{version}", dependencies=READ)
def model(version: str, request: Request, settings: SettingsDep) -> Response:
    """One version: window, metrics, thresholds; drift on request."""
    meta = registry(settings).meta(version)
    meta.pop("drift_reference", None)
    rows = [(k, v) for k, v in flatten(meta.get("metrics", {})) if not isinstance(v, list)]
    return render(request, "model.html", {"meta": meta, "metrics": rows, "drift": None})


@router.post("/models/{version}/drift", dependencies=READ)
def drift(version: str, request: Request, settings: SettingsDep) -> Response:
    """Compute drift against the last 30 days of lodgements."""
    try:
        with reading(settings) as wh:
            report = workspace_drift(wh, settings, days=30, version=version)
        data: dict[str, Any] = {"drift": report, "figure": psi_figure(report), "error": None}
    except IcrmsError as exc:
        data = {"drift": None, "error": exc.message}
    return render(request, "model.html", data, block="drift", fragment=True)


@router.post("/models/{version}/promote", dependencies=WRITE)
def promote(
    version: str,
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    principal: CurrentUser,
) -> Response:
    """Put this version in force for live assessment."""
    promoted = registry(settings).promote(version)
    record_model_change(session, actor=principal.actor, action="model.promote", version=promoted)
    return redirect(request, "/models")


@router.post("/models/rollback", dependencies=WRITE)
def rollback(
    request: Request, settings: SettingsDep, session: SessionDep, principal: CurrentUser
) -> Response:
    """Return to the previously promoted version."""
    promoted = registry(settings).rollback()
    record_model_change(session, actor=principal.actor, action="model.rollback", version=promoted)
    return redirect(request, "/models")
