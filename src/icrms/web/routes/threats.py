"""Emerging threats: segments whose finding or seizure rate rose, with their evidence, and a
profile drafted from one of them (then backtested and approved on its page, as every profile)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError as PydanticValidationError

from icrms.api.deps import CurrentUser, SessionDep, SettingsDep, require
from icrms.api.errors import pydantic_errors
from icrms.auth.schemas import Role
from icrms.errors import ConflictError, NotFoundError, ValidationError
from icrms.kpis import flows
from icrms.kpis.cache import WarehouseReader, warehouse_state
from icrms.kpis.threats import WINDOWS, Threat
from icrms.live.warehouse import reading
from icrms.settings import Settings
from icrms.web import charts
from icrms.web.dashboards import families
from icrms.web.render import redirect, render

router = APIRouter()
READ = [require(Role.analyst, Role.manager)]
WRITE = [require(Role.analyst)]


def _analyse(settings: Settings, params: dict[str, str]) -> tuple[flows.ThreatQuery, list[Threat]]:
    query = flows.read_threat_query(params)
    with WarehouseReader(lambda: reading(settings), warehouse_state(settings)) as reader:
        return query, flows.threats(reader, query)


def _page(
    request: Request, settings: Settings, params: dict[str, str], notice: str | None = None
) -> Response:
    error, query = notice, flows.ThreatQuery()
    found: list[Threat] = []
    try:
        query, found = _analyse(settings, params)
    except ValidationError as exc:
        error = exc.message
    reported = [t for t in found if t.significant]
    shown = found if params.get("all") else [t for t in found if t.significant or t.partner]
    data: dict[str, Any] = {
        "page": "threats",
        "view": None,
        "families": families(),
        "params": params,
        "query": query,
        "windows": WINDOWS,
        "error": error,
        "tested": len(found),
        "testable": sum(t.testable for t in found),
        "reported": len(reported),
        "raised_by_partner": sum(t.raised_by_partner for t in found),
        "as_of": found[0].as_of if found else query.as_of,
        "threats": [
            (t, charts.threat_figure(t).to_json() if t.significant else None) for t in shown[:100]
        ],
    }
    return render(request, "dashboards/threats.html", data, status_code=422 if error else 200)


def _params(form: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in form.items() if k in flows.THREAT_PARAMS}


@router.get("/threats", dependencies=READ)
def threats(request: Request, settings: SettingsDep) -> Response:
    """Segments whose rate rose against their own history, with counts, rates, p and q."""
    return _page(request, settings, dict(request.query_params))


@router.post("/threats/draft", dependencies=WRITE)
async def draft(
    request: Request, session: SessionDep, settings: SettingsDep, principal: CurrentUser
) -> Response:
    """Draft a profile from a segment; its page offers the backtest and the approval request."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    segment = form.get("segment", "")
    try:
        _, found = _analyse(settings, form)
        threat = flows.segment_of(found, segment)
        profile = flows.draft_profile(
            session, threat=threat, category=form.get("category") or "drugs", actor=principal.actor
        )
    except ConflictError:
        return redirect(request, f"/profiles/THREAT-{segment}")
    except (ValidationError, NotFoundError) as exc:
        return _page(request, settings, _params(form), notice=exc.message)
    except PydanticValidationError as exc:
        reason = "; ".join(f"{e['field']}={e['value']!r}: {e['reason']}"
                           for e in pydantic_errors(list(exc.errors())))  # fmt: skip
        return _page(request, settings, _params(form), notice=reason)
    return redirect(request, f"/profiles/{profile.code}")
