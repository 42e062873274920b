"""``icrms report``: the monthly report and the profile-effectiveness report, HTML or PDF."""

from __future__ import annotations

from pathlib import Path

import typer

from icrms.cli.common import (
    JSON_OPTION,
    emit,
    handle_errors,
    print_lines,
    settings,
    store,
    warehouse,
)
from icrms.errors import ValidationError
from icrms.kpis.reports import monthly_report, profile_report
from icrms.profiles.service import list_profiles
from icrms.web.reports import render_monthly, render_profiles, write_report

app = typer.Typer(
    help="Printable reports (self-contained HTML, or PDF through Chromium).", no_args_is_help=True
)
FORMAT = typer.Option("html", "--format", help="html or pdf.")
OUT = typer.Option(
    None, "--out", help="File to write (default: in the workspace's reports folder)."
)


def _target(out: Path | None, name: str, fmt: str) -> Path:
    if fmt not in ("html", "pdf"):
        raise ValidationError("format", fmt, "is not html or pdf")
    return out or settings().home / "reports" / f"{name}.{fmt}"


@app.command("monthly")
@handle_errors
def monthly(
    period: str = typer.Option(..., "--period", help="The month, YYYY-MM."),
    office: str = typer.Option(None, "--office"),
    fmt: str = FORMAT,
    out: Path = OUT,
    as_json: bool = JSON_OPTION,
) -> None:
    """The month's indicators against the month before, threats, profiles and seizures."""
    target = _target(out, f"monthly-{period}" + (f"-{office}" if office else ""), fmt)
    with warehouse() as wh:
        html = render_monthly(monthly_report(wh, period=period, office=office))
    written = write_report(html, target, fmt)
    emit({"report": "monthly", "file": str(written)}, as_json, lambda: print_lines([str(written)]))


@app.command("profiles")
@handle_errors
def profiles(
    period: str = typer.Option(..., "--period", help="2025, 2025-Q4 or 2025-10."),
    fmt: str = FORMAT,
    out: Path = OUT,
    as_json: bool = JSON_OPTION,
) -> None:
    """Every profile's hit rate, lift, revenue and flags over a period, with its monthly trend."""
    target = _target(out, f"profiles-{period}", fmt)
    with store().session() as s:
        current = list_profiles(s)
    with warehouse() as wh:
        html = render_profiles(profile_report(wh, profiles=current, period=period))
    written = write_report(html, target, fmt)
    emit({"report": "profiles", "file": str(written)}, as_json, lambda: print_lines([str(written)]))
