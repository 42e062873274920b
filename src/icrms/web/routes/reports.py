"""Printable reports from the web application: the monthly report and the profile-effectiveness
report, as self-contained HTML or as PDF (the same as ``icrms report``)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response

from icrms.api.deps import SessionDep, SettingsDep, require
from icrms.auth.schemas import Role
from icrms.errors import ValidationError
from icrms.kpis import service
from icrms.kpis.cache import WarehouseReader, warehouse_state
from icrms.kpis.reports import monthly_report, profile_report
from icrms.live.warehouse import reading
from icrms.profiles.service import list_profiles
from icrms.web.dashboards import families
from icrms.web.render import render
from icrms.web.reports import html_to_pdf, render_monthly, render_profiles

router = APIRouter()
READ = [require(Role.manager, Role.analyst)]
FORMATS = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}


def _months(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:7])
    out = []
    while f"{year:04d}-{month:02d}" <= last[:7]:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


@router.get("/reports", dependencies=READ)
def reports(request: Request, settings: SettingsDep) -> Response:
    """Choose a report, its period and format."""
    with WarehouseReader(lambda: reading(settings), warehouse_state(settings)) as reader:
        choices = service.filter_choices(reader)
    dates = choices.get("dates") or []
    months = _months(dates[0], dates[1]) if len(dates) == 2 else []
    data = {"page": "reports", "view": None, "families": families(), "months": months[::-1],
            "offices": choices.get("office", []), "years": sorted({m[:4] for m in months})}  # fmt: skip
    return render(request, "dashboards/reports.html", data)


def _file(html: str, fmt: str, name: str) -> Response:
    if fmt not in FORMATS:
        raise ValidationError("format", fmt, "is not html or pdf")
    if fmt == "html":
        body = html.encode("utf-8")
    else:
        with tempfile.TemporaryDirectory(prefix="icrms-pdf-") as folder:
            body = html_to_pdf(html, Path(folder) / "report.pdf").read_bytes()
    return Response(
        body,
        media_type=FORMATS[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )


@router.get("/reports/monthly", dependencies=READ)
def monthly(
    settings: SettingsDep, period: str, office: str | None = None, format: str = "html"
) -> Response:
    """The month's report (``period`` YYYY-MM, optionally one office) as HTML or PDF."""
    office = office or None
    with reading(settings) as wh:
        html = render_monthly(monthly_report(wh, period=period, office=office))
    name = "".join(ch for ch in f"monthly-{period}-{office or 'all'}" if ch.isalnum() or ch in "-")
    return _file(html, format, name)


@router.get("/reports/profiles", dependencies=READ)
def profiles(
    settings: SettingsDep, session: SessionDep, period: str, format: str = "html"
) -> Response:
    """Every profile's record over a period (``2025``, ``2025-Q4``, ``2025-10``)."""
    current = list_profiles(session)
    with reading(settings) as wh:
        html = render_profiles(profile_report(wh, profiles=current, period=period))
    name = "".join(ch for ch in f"profiles-{period}" if ch.isalnum() or ch in "-")
    return _file(html, format, name)
