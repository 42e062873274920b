"""Declaration search and detail: items, the assessment with every reason, the model's chart."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from icrms.api.deps import MAX_ID, CurrentUser, IdPath, SessionDep, require
from icrms.auth.schemas import Role
from icrms.live import flows, queries
from icrms.web.render import render

router = APIRouter(dependencies=[require(Role.analyst, Role.officer, Role.manager)])


def contribution_figure(reason: dict[str, Any]) -> str:
    """A horizontal bar chart of the model's feature contributions (Plotly JSON)."""
    features = list(reversed(reason.get("top_features", [])))
    values = [f["contribution"] for f in features]
    figure = {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "x": values,
                "y": [f["feature"] for f in features],
                "text": [f"value {f['value']}" for f in features],
                "marker": {"color": ["#b3261e" if v > 0 else "#2e7d32" for v in values]},
                "hovertemplate": "%{y}: %{x:.3f} (%{text})<extra></extra>",
            }
        ],
        "layout": {
            "height": 60 + 34 * max(len(features), 1),
            "margin": {"l": 170, "r": 20, "t": 10, "b": 30},
            "xaxis": {
                "title": {"text": "contribution to the log-odds of a finding"},
                "zeroline": True,
            },
            "font": {"size": 12},
        },
    }
    return json.dumps(figure)


@router.get("/declarations")
def search(
    request: Request,
    session: SessionDep,
    principal: CurrentUser,
    q: Annotated[str | None, Query(max_length=64)] = None,
    channel: Annotated[str | None, Query(max_length=8)] = None,
    office: Annotated[str | None, Query(max_length=16)] = None,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    """Search by declaration or importer id prefix, channel and office."""
    if principal.role == Role.officer:
        office = principal.office_code
    channel = channel if channel in ("red", "yellow", "blue", "green") else None
    items, cursor = queries.search_declarations(
        session, text=q, office=office or None, channel=channel, before=before, limit=50
    )
    data = {
        "items": items,
        "next": cursor,
        "q": q or "",
        "channel": channel or "",
        "office": office or "",
    }
    return render(request, "declarations.html", data, block="results")


@router.get("/declarations/{declaration_id}")
def detail(
    declaration_id: str,
    request: Request,
    session: SessionDep,
    principal: CurrentUser,
    version: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    """One declaration with its items, assessments, reasons and control results."""
    flows.check_office(session, principal, declaration_id)
    found = queries.declaration_detail(session, declaration_id=declaration_id, version=version)
    charts = {
        a.id: contribution_figure(r)
        for a in found.assessments
        for r in a.reasons
        if r.get("kind") == "model" and r.get("top_features")
    }
    return render(request, "declaration.html", {"d": found, "charts": charts})


@router.post(
    "/assessments/{assessment_id}/replay", dependencies=[require(Role.analyst, Role.manager)]
)
def replay(assessment_id: IdPath, request: Request, session: SessionDep) -> Response:
    """Decide the assessment again and show whether the result is identical."""
    result = flows.replay(
        session, snapshots=request.app.state.snapshots, assessment_id=assessment_id
    )
    return render(request, "declaration.html", {"replay": result}, block="replay", fragment=True)
