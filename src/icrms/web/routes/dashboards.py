"""KPI dashboards: the overview, a page per indicator family, CSV of every table.

Filters live in the URL (a view can be shared); a filter or value the KPI layer refuses is shown
on the page, named, instead of an empty chart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from icrms.api.deps import SettingsDep, require
from icrms.auth.schemas import Role
from icrms.errors import ValidationError
from icrms.kpis import service
from icrms.kpis.cache import WarehouseReader, warehouse_state
from icrms.kpis.catalogue import FAMILIES
from icrms.kpis.dashboards import View, page_panels, read_view
from icrms.kpis.schemas import GRAINS, KpiQuery
from icrms.kpis.warm import Warmer
from icrms.live.warehouse import reading
from icrms.settings import Settings
from icrms.warehouse.reference import SECTIONS
from icrms.web import dashboards as show
from icrms.web.render import render

router = APIRouter()
READ = [require(Role.manager, Role.analyst)]


def _reader(settings: Settings) -> WarehouseReader:
    """The warehouse, opened only if an answer is not kept from an earlier request."""
    return WarehouseReader(lambda: reading(settings), warehouse_state(settings))


@dataclass
class Drawn:
    """What a dashboard page shows for a URL's parameters."""

    choices: dict[str, list[str]]
    view: View = field(default_factory=lambda: View({}, KpiQuery(), None))
    panels: list[show.PanelView] = field(default_factory=list)
    empty: bool = False
    error: str | None = None


def _path(page: str) -> str:
    return "/dashboards" if page == "overview" else f"/dashboards/{page}"


def draw(reader: WarehouseReader, page: str, params: dict[str, str]) -> Drawn:
    """The page's filter choices and panels for the URL's parameters (answers kept)."""
    drawn = Drawn(service.filter_choices(reader))
    try:
        drawn.view = read_view(params)
        service.check_choices(reader, drawn.view)
        drawn.empty = service.in_scope(reader, drawn.view) == 0
        if not drawn.empty:
            drawn.panels = show.page_view(reader, page, drawn.view, _path(page))
    except ValidationError as exc:
        drawn.error = exc.message
    return drawn


def overview_warmer(settings: Settings) -> Warmer:
    """Draws the overview (no filters) after each change of the warehouse, in the background."""
    return Warmer(settings, lambda: reading(settings), lambda reader: draw(reader, "overview", {}))


def _page(request: Request, settings: SettingsDep, page: str) -> Response:
    panels = page_panels(page)  # an unknown page is a 404 naming the known ones
    path = _path(page)
    params = dict(request.query_params)
    with _reader(settings) as reader:
        drawn = draw(reader, page, params)
    shown, error, view = drawn.panels, drawn.error, drawn.view
    data: dict[str, Any] = {
        "page": page,
        "title": "Overview" if page == "overview" else FAMILIES[page],
        "path": path,
        "panels": shown,
        "headline": show.headline(shown) if page == "overview" else [],
        "interval": show.ci_text(shown),
        "error": error,
        "view": view,
        "params": params,
        "choices": drawn.choices,
        "sections": [(s[0], s[3]) for s in SECTIONS],
        "grains": GRAINS,
        "families": show.families(),
        "empty": drawn.empty,
        "known_panels": [p.indicator for p in panels],
    }
    return render(request, "dashboards/page.html", data, status_code=422 if error else 200)


@router.get("/dashboards", dependencies=READ)
def overview(request: Request, settings: SettingsDep) -> Response:
    """The figures a manager reads first and the shapes worth a look."""
    return _page(request, settings, "overview")


@router.get("/dashboards/csv/{name}", dependencies=READ)
def csv_export(name: str, request: Request, settings: SettingsDep) -> Response:
    """One indicator's table for the URL's filters and breakdown, as CSV."""
    params = dict(request.query_params)
    view = read_view(params)
    by = [b for b in (params.get("by") or "none").split(",") if b and b != "none"]
    query = view.query.model_copy(update={"by": tuple(by)})
    with _reader(settings) as reader:
        service.check_choices(reader, view)
        result = service.kept(reader, name, query)
    filename = "-".join([name, *(f"{k}-{v}" for k, v in result.filters.items())])
    safe_name = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in filename)[:120]
    return Response(
        show.to_csv(result),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{safe_name}.csv"'},
    )


@router.get("/dashboards/{page}", dependencies=READ)
def family(page: str, request: Request, settings: SettingsDep) -> Response:
    """One family's indicators, each as a chart and a table, with drill-down."""
    return _page(request, settings, page)
