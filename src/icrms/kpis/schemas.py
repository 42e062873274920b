"""What a KPI query asks for (filters, breakdown) and what it answers."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from icrms.declarations.fields import CHANNELS
from icrms.errors import ValidationError
from icrms.warehouse.reference import SECTIONS

Grain = Literal["day", "week", "month", "quarter"]
GRAINS: tuple[str, ...] = ("day", "week", "month", "quarter")
BREAKDOWNS: tuple[str, ...] = ("period", "office", "channel")
FILTERS = "period, from, to, office, hs_section, hs_chapter, origin, channel, regime"


class KpiFilters(BaseModel):
    """Which declarations an indicator counts; every field is optional."""

    model_config = ConfigDict(extra="forbid")

    date_from: date | None = None
    date_to: date | None = None
    office: str | None = None
    hs_section: str | None = None
    hs_chapter: str | None = None
    origin: str | None = None
    channel: str | None = None
    regime: str | None = None

    def as_dict(self) -> dict[str, str]:
        """The filters that are set, as text (for the URL, JSON and report headers)."""
        return {k: str(v) for k, v in self.model_dump().items() if v is not None}


class KpiQuery(BaseModel):
    """An indicator, its filters, an optional breakdown and the period grain of trends."""

    model_config = ConfigDict(extra="forbid")

    filters: KpiFilters = Field(default_factory=KpiFilters)
    by: tuple[str, ...] = ()
    grain: Grain = "month"


class KpiResult(BaseModel):
    """An indicator's answer: one row per group, columns in order."""

    name: str
    title: str
    family: str
    unit: str
    filters: dict[str, str]
    by: list[str]
    grain: str
    columns: list[str]
    rows: list[dict[str, Any]]


def period_range(spec: str) -> tuple[date, date]:
    """First and last day of a period written as ``2025``, ``2025-Q4``, ``2025-10``,
    ``2025-W42`` or ``2025-10-03``.

    Raises:
        ValidationError: the text is none of these.
    """
    text = spec.strip()
    try:
        if re.fullmatch(r"\d{4}", text):
            return date(int(text), 1, 1), date(int(text), 12, 31)
        if m := re.fullmatch(r"(\d{4})-Q([1-4])", text):
            year, quarter = int(m[1]), int(m[2])
            first = date(year, 3 * quarter - 2, 1)
            return first, _month_end(date(year, 3 * quarter, 1))
        if m := re.fullmatch(r"(\d{4})-W(\d{2})", text):
            monday = date.fromisocalendar(int(m[1]), int(m[2]), 1)
            return monday, monday + timedelta(days=6)
        if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
            first = date(int(m[1]), int(m[2]), 1)
            return first, _month_end(first)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            day = date.fromisoformat(text)
            return day, day
    except ValueError as exc:
        raise ValidationError("period", spec, f"is not a real period ({exc})") from exc
    raise ValidationError(
        "period", spec, "is not a period: write 2025, 2025-Q4, 2025-10, 2025-W42 or 2025-10-03"
    )


def _month_end(first: date) -> date:
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return following - timedelta(days=1)


def check_filters(filters: KpiFilters) -> KpiFilters:
    """Refuse filters no declaration could meet because they are malformed, naming the value."""
    if filters.date_from and filters.date_to and filters.date_to < filters.date_from:
        raise ValidationError(
            "date_to", str(filters.date_to), f"is before date_from {filters.date_from}"
        )
    if filters.channel is not None and filters.channel not in CHANNELS:
        raise ValidationError("channel", filters.channel, f"is not one of {', '.join(CHANNELS)}")
    if filters.hs_section is not None and filters.hs_section not in {s[0] for s in SECTIONS}:
        raise ValidationError(
            "hs_section", filters.hs_section, "is not an HS section (Roman numeral I to XXI)"
        )
    if filters.hs_chapter is not None and not re.fullmatch(r"\d{2}", filters.hs_chapter):
        raise ValidationError("hs_chapter", filters.hs_chapter, "is not a two-digit HS chapter")
    if filters.origin is not None and not re.fullmatch(r"[A-Z]{2}", filters.origin):
        raise ValidationError("origin", filters.origin, "is not an ISO 3166-1 alpha-2 code")
    return filters


def _date(field: str, value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError(field, value, "is not a date (YYYY-MM-DD)") from exc


def build_query(
    *,
    period: str | None,
    date_from: str | None,
    date_to: str | None,
    by: list[str],
    grain: str,
    **filters: str | None,
) -> KpiQuery:
    """A KpiQuery from command-line or URL text (empty text = not set), refusing bad values."""
    first, last = _date("from", date_from), _date("to", date_to)
    if period:
        first, last = period_range(period)
    unknown = sorted(set(filters) - set(KpiFilters.model_fields))
    if unknown:
        raise ValidationError("filter", unknown[0], f"is not a filter; known: {FILTERS}")
    if grain not in GRAINS:
        raise ValidationError("grain", grain, f"is not one of {', '.join(GRAINS)}")
    return KpiQuery(
        filters=KpiFilters(
            date_from=first, date_to=last, **{k: v or None for k, v in filters.items()}
        ),
        by=tuple(by),
        grain=grain,  # type: ignore[arg-type]
    )
