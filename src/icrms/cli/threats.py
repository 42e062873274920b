"""``icrms threats``: segments whose finding rate rose against their own history."""

from __future__ import annotations

from datetime import date

import typer

from icrms.cli.common import JSON_OPTION, emit, handle_errors, print_lines, store, warehouse
from icrms.errors import ValidationError
from icrms.kpis.flows import draft_profile, segment_of
from icrms.kpis.threats import Threat, find_threats

app = typer.Typer(
    help="Threat and trend analysis: emerging segments, and profiles drafted from them.",
    invoke_without_command=True,
)


def _as_of(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError("as_of", value, "is not a date (YYYY-MM-DD)") from exc


AS_OF = typer.Option(
    None, "--as-of", help="Last day of the recent window (default: the last day with controls)."
)
WINDOW = typer.Option(
    None,
    "--window-days",
    help="Length of the recent window in days (default: 30, 60, 90 or 120, the strongest).",
)
MEASURE = typer.Option(
    "both",
    "--measure",
    help="finding (any irregularity), seizure, or both (each rate tested, one false discovery rate).",
)
ALPHA = typer.Option(0.05, "--alpha", help="False discovery rate (Benjamini-Hochberg).")


@app.callback()
@handle_errors
def threats(
    ctx: typer.Context,
    as_of: str = AS_OF,
    window_days: int | None = WINDOW,
    measure: str = MEASURE,
    alpha: float = ALPHA,
    all_segments: bool = typer.Option(False, "--all", help="List every segment tested."),
    as_json: bool = JSON_OPTION,
) -> None:
    """List segments (HS heading x departure x mode) whose rate rose significantly."""
    if ctx.invoked_subcommand is not None:
        return
    with warehouse() as wh:
        found = find_threats(
            wh,
            as_of=_as_of(as_of),
            window_days=window_days,
            measure=measure,  # type: ignore[arg-type]
            alpha=alpha,
        )
    shown = found if all_segments else [t for t in found if t.significant or t.partner]
    data = {
        "tested": len(found),
        "testable": sum(t.testable for t in found),
        "reported": sum(t.significant for t in found),
        "raised_by_partner": sum(t.raised_by_partner for t in found),
    }
    data["threats"] = [t.as_dict() for t in shown]  # type: ignore[assignment]
    emit(data, as_json, lambda: print_lines(_lines(found, shown)))


@app.command("draft")
@handle_errors
def draft(
    segment: str = typer.Argument(..., help="Segment as listed, e.g. 0901-BR-1."),
    as_of: str = AS_OF,
    window_days: int | None = WINDOW,
    measure: str = MEASURE,
    category: str = typer.Option("drugs", "--category"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Draft a profile from a segment (then backtest it and activate it as usual)."""
    with warehouse() as wh:
        found = find_threats(wh, as_of=_as_of(as_of), window_days=window_days, measure=measure)  # type: ignore[arg-type]
    threat = segment_of(found, segment)
    with store().session() as s:
        profile = draft_profile(s, threat=threat, category=category)
    emit(
        profile.model_dump(mode="json"),
        as_json,
        lambda: print_lines([f"draft profile {profile.code}: {profile.criteria}"]),
    )


def _lines(found: list[Threat], shown: list[Threat]) -> list[str]:
    testable = sum(t.testable for t in found)
    out = [
        f"{len(found)} tests (segment x measure), {testable} could reach significance, "
        f"{sum(t.significant for t in found)} reported, "
        f"{sum(t.raised_by_partner for t in found)} more raised by partner information"
    ]
    for t in shown:
        out.append(
            f"{t.segment:<14} {t.measure:<8} recent {t.recent_hits}/{t.recent_controls} "
            f"({t.recent_rate:.0%}) "
            f"vs {t.history_hits}/{t.history_controls} ({t.history_rate:.0%})  "
            f"p={t.p_value:.2g} q={t.q_value:.2g}"
        )
        out += [
            f"  partner information: {p['kind']} reported by {p['issuer']} on {p['on']}, "
            f"{p['reference']}"
            for p in t.partner
        ]
    return out
