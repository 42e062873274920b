"""KPI dashboards: the overview, a page per indicator family, CSV of every table.

Filters live in the URL (a view can be shared); a filter or value the KPI layer refuses is shown
on the page, named, instead of an empty chart.
"""

from __future__ import annotations

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


def _page(request: Request, settings: SettingsDep, page: str) -> Response:
    panels = page_panels(page)  # an unknown page is a 404 naming the known ones
    path = "/dashboards" if page == "overview" else f"/dashboards/{page}"
    params = dict(request.query_params)
    error, shown, choices, empty = None, [], {}, False
    view = View({}, KpiQuery(), None)
    with _reader(settings) as reader:
        choices = service.filter_choices(reader)
        try:
            view = read_view(params)
            service.check_choices(reader, view)
            empty = service.in_scope(reader, view) == 0
            shown = [] if empty else show.page_view(reader, page, view, path)
        except ValidationError as exc:
            error = exc.message
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
        "choices": choices,
        "sections": [(s[0], s[3]) for s in SECTIONS],
        "grains": GRAINS,
        "families": show.families(),
        "empty": empty,
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
