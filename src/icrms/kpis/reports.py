"""What the printable reports contain: indicators for a period, the one before, and threats.

Only data here; the web package renders it as HTML (and PDF through Chromium).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from icrms.errors import ValidationError
from icrms.kpis.effectiveness import ProfileEffectiveness, profile_effectiveness
from icrms.kpis.schemas import KpiFilters, KpiQuery, KpiResult, period_range
from icrms.kpis.service import compute
from icrms.kpis.threats import Threat, find_threats
from icrms.profiles.schemas import ProfileRead
from icrms.warehouse.base import Warehouse

# The headline figures of a report: (label, indicator, column, format).
HEADLINES: tuple[tuple[str, str, str, str], ...] = (
    ("Declarations", "inspection_rate", "declarations", "count"),
    ("Inspection rate", "inspection_rate", "inspection_rate", "percent"),
    (
        "Random-control irregularity rate",
        "random_irregularity_rate",
        "irregularity_rate",
        "percent",
    ),
    ("Controls with a finding", "revenue_recovered", "hits", "count"),
    ("Revenue recovered", "revenue_recovered", "revenue", "amount"),
)


@dataclass
class Headline:
    """One key figure, this period and the one before."""

    label: str
    value: float | None
    previous: float | None
    format: str


@dataclass
class MonthlyReport:
    """The monthly report's content."""

    period: str
    date_from: date
    date_to: date
    office: str | None
    headlines: list[Headline]
    results: dict[str, KpiResult]
    threats: list[Threat]  # segments reported at the month's end (windows of 30 to 120 days)
    seizures_total: int


MONTHLY = (
    "channel_share",
    "inspection_rate",
    "hit_rate_by_source",
    "lift_by_source",
    "random_irregularity_rate",
    "revenue_recovered",
    "seizures",
    "release_time",
    "control_time",
    "profile_effectiveness",
    "top_hs_chapters",
    "top_origins",
    "top_routes",
)
DAILY = ("channel_share", "release_time")  # also drawn day by day


def _first(result: KpiResult, column: str) -> float | None:
    return result.rows[0].get(column) if result.rows else None


def monthly_report(
    warehouse: Warehouse, *, period: str, office: str | None = None
) -> MonthlyReport:
    """The indicators of one month (``2025-10``), with the month before for comparison."""
    first, last = period_range(period)
    if first.day != 1 or (last + timedelta(days=1)).day != 1 or first.month != last.month:
        raise ValidationError("period", period, "is not a month (YYYY-MM)")
    before_last = first - timedelta(days=1)
    before = KpiFilters(date_from=before_last.replace(day=1), date_to=before_last, office=office)
    now = KpiFilters(date_from=first, date_to=last, office=office)
    results = {name: compute(warehouse, name, KpiQuery(filters=now)) for name in MONTHLY}
    for name in DAILY:
        results[f"{name}_daily"] = compute(
            warehouse, name, KpiQuery(filters=now, by=("period",), grain="day")
        )
    if office is None:
        results["release_time_by_office"] = compute(
            warehouse, "release_time", KpiQuery(filters=now, by=("office",))
        )
    previous = {
        name: compute(warehouse, name, KpiQuery(filters=before))
        for name in {h[1] for h in HEADLINES}
    }
    headlines = [
        Headline(label, _first(results[name], column), _first(previous[name], column), fmt)
        for label, name, column, fmt in HEADLINES
    ]
    threats = [
        t
        for t in find_threats(warehouse, as_of=last)  # a month alone holds too few controls
        if t.significant
    ]
    return MonthlyReport(
        period=period,
        date_from=first,
        date_to=last,
        office=office,
        headlines=headlines,
        results=results,
        threats=threats,
        seizures_total=sum(int(r["seizures"]) for r in results["seizures"].rows),
    )


@dataclass
class ProfileReport:
    """The profile-effectiveness report's content."""

    date_from: date
    date_to: date
    baseline: dict[str, Any]
    profiles: list[ProfileEffectiveness]
    monthly: KpiResult


def profile_report(
    warehouse: Warehouse, *, profiles: list[ProfileRead], period: str, no_hit_days: int = 90
) -> ProfileReport:
    """Every profile's record over a period, with its month-by-month hit rate."""
    first, last = period_range(period)
    base, rows = profile_effectiveness(
        warehouse,
        profiles=profiles,
        as_of=last,
        no_hit_days=no_hit_days,
        date_from=first,
        date_to=last,
    )
    monthly = compute(
        warehouse,
        "profile_effectiveness",
        KpiQuery(filters=KpiFilters(date_from=first, date_to=last), by=("period",)),
    )
    return ProfileReport(
        first,
        last,
        {
            "source": base.source,
            "controls": base.controls,
            "hits": base.hits,
            "hit_rate": base.hit_rate,
        },
        rows,
        monthly,
    )
