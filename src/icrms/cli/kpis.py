"""``icrms kpis``: the performance indicators, filtered and broken down, as tables or JSON."""

from __future__ import annotations

import typer

from icrms.cli.common import JSON_OPTION, emit, handle_errors, print_lines, warehouse
from icrms.kpis.catalogue import INDICATORS
from icrms.kpis.schemas import KpiResult, build_query
from icrms.kpis.service import compute, compute_all, indicator


@handle_errors
def kpis(
    name: str = typer.Argument(None, help=f"Indicator ({', '.join(INDICATORS)}); all if omitted."),
    period: str = typer.Option(
        None, "--period", help="2025, 2025-Q4, 2025-10, 2025-W42 or 2025-10-03."
    ),
    date_from: str = typer.Option(None, "--from", help="First lodgement date (YYYY-MM-DD)."),
    date_to: str = typer.Option(None, "--to", help="Last lodgement date (YYYY-MM-DD)."),
    office: str = typer.Option(None, "--office"),
    hs_section: str = typer.Option(None, "--hs-section", help="HS section, I to XXI."),
    hs_chapter: str = typer.Option(None, "--hs-chapter", help="Two-digit HS chapter."),
    origin: str = typer.Option(None, "--origin", help="Country of origin (ISO alpha-2)."),
    channel: str = typer.Option(None, "--channel", help="green, blue, yellow or red."),
    regime: str = typer.Option(None, "--regime", help="Customs procedure code."),
    by: list[str] = typer.Option([], "--by", help="Break down by period, office or channel."),
    grain: str = typer.Option(
        "month", "--grain", help="Period of --by period: day, week, month, quarter."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Compute one indicator, or all of them, on the warehouse."""
    query = build_query(
        period=period,
        date_from=date_from,
        date_to=date_to,
        by=by,
        grain=grain,
        office=office,
        hs_section=hs_section,
        hs_chapter=hs_chapter,
        origin=origin,
        channel=channel,
        regime=regime,
    )
    if name is not None:
        indicator(name)
    with warehouse() as wh:
        results = [compute(wh, name, query)] if name else list(compute_all(wh, query).values())
    data = [r.model_dump(mode="json") for r in results]
    emit(data[0] if name else data, as_json, lambda: print_lines(_lines(results)))


def _lines(results: list[KpiResult]) -> list[str]:
    out: list[str] = []
    for r in results:
        out.append(f"{r.title} ({r.name}, {r.unit})" + (f" {r.filters}" if r.filters else ""))
        out.append("  " + "  ".join(f"{c:>14}" for c in r.columns))
        for row in r.rows:
            out.append("  " + "  ".join(f"{_cell(row[c]):>14}" for c in r.columns))
        if not r.rows:
            out.append("  (no declarations match)")
        out.append("")
    return out


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    return "-" if value is None else str(value)[:40]
