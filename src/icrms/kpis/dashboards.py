"""What each dashboard page shows: its panels (indicator, breakdown, main measure), read from the
URL's filters, and drill-down from a value to the same page narrowed to it.

Pages are data here; the web package draws them (web/routes/dashboards.py) and the KPI layer
computes them (:func:`icrms.kpis.service.panels`). A filter is the same text on the command
line, in the URL and in a report header.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from icrms.errors import NotFoundError, ValidationError
from icrms.kpis.catalogue import FAMILIES, INDICATORS
from icrms.kpis.schemas import BREAKDOWNS, GRAINS, KpiQuery, build_query, check_filters

# URL parameters a dashboard understands, in the order a shared link spells them
PARAMS: tuple[str, ...] = (
    "period",
    "from",
    "to",
    "grain",
    "by",
    "office",
    "hs_section",
    "hs_chapter",
    "origin",
    "channel",
    "regime",
)
FILTER_PARAMS = ("office", "hs_section", "hs_chapter", "origin", "channel", "regime")

# The main figure of each indicator: what its chart draws.
MEASURE: dict[str, str] = {
    "channel_share": "declarations",
    "inspection_rate": "inspection_rate",
    "discretionary_share": "discretionary_share",
    "hit_rate_by_source": "hit_rate",
    "random_irregularity_rate": "irregularity_rate",
    "lift_by_source": "lift",
    "revenue_recovered": "revenue",
    "revenue_by_source": "revenue",
    "seizures": "seizures",
    "release_time": "median_hours",
    "control_time": "median_hours",
    "profile_effectiveness": "hit_rate",
    "model_precision": "precision",
    "trader_ranking": "hits",
    "top_hs_chapters": "hits",
    "top_origins": "hits",
    "top_routes": "hits",
}
assert set(MEASURE) == set(INDICATORS)


@dataclass(frozen=True)
class Panel:
    """One chart and table of a page: an indicator and its breakdown when the URL sets none."""

    indicator: str
    by: tuple[str, ...] = ()

    @property
    def measure(self) -> str:
        return MEASURE[self.indicator]


# The overview: the figures a manager reads first, and the shapes worth a look (seasonality,
# a slow office, a profile that stopped hitting).
OVERVIEW: tuple[Panel, ...] = (
    Panel("inspection_rate"),
    Panel("random_irregularity_rate"),
    Panel("revenue_recovered"),
    Panel("channel_share", ("period",)),
    Panel("hit_rate_by_source"),
    Panel("release_time", ("office",)),
    Panel("profile_effectiveness", ("period",)),
)
# Breakdown of each family page's panels when the URL sets none.
_DEFAULT_BY: dict[str, tuple[str, ...]] = {
    "channel_share": ("period",),
    "inspection_rate": ("period",),
    "discretionary_share": ("period",),
    "random_irregularity_rate": ("period",),
    "revenue_recovered": ("period",),
    "release_time": ("office",),
    "control_time": ("office",),
    "profile_effectiveness": ("period",),
    "model_precision": ("period",),
}
PAGES: dict[str, tuple[Panel, ...]] = {
    family: tuple(
        Panel(name, _DEFAULT_BY.get(name, ()))
        for name, ind in INDICATORS.items()
        if ind.family == family
    )
    for family in FAMILIES
}


def page_panels(page: str) -> tuple[Panel, ...]:
    """The panels of ``overview`` or of an indicator family.

    Raises:
        NotFoundError: no dashboard has that name (the message lists those that exist).
    """
    if page == "overview":
        return OVERVIEW
    if page not in PAGES:
        raise NotFoundError(
            f"dashboard {page!r} does not exist; dashboards: overview, {', '.join(PAGES)}"
        )
    return PAGES[page]


@dataclass(frozen=True)
class View:
    """A dashboard's state as the URL spells it: filters, period grain, breakdown override."""

    params: dict[str, str]
    query: KpiQuery
    by: str | None  # the breakdown the URL asks for, replacing each panel's own

    def panel_query(self, panel: Panel) -> KpiQuery:
        """The query of one panel: the URL's breakdown if the indicator accepts it."""
        allowed = INDICATORS[panel.indicator].by
        if self.by == "none":
            by: tuple[str, ...] = ()
        elif self.by is not None:
            by = (self.by,) if self.by in allowed else ()
        else:
            by = tuple(b for b in panel.by if b in allowed)
        return self.query.model_copy(update={"by": by})

    def url(self, path: str, **changes: str | None) -> str:
        """``path`` with this view's parameters, some changed (None removes one)."""
        params = {**self.params, **changes}
        if "period" in changes and changes["period"] is not None:
            params.pop("from", None)
            params.pop("to", None)
        if "from" in changes:
            params.pop("period", None)
        shown = {k: params[k] for k in PARAMS if params.get(k)}
        return f"{path}?{urlencode(shown)}" if shown else path

    def drill(self, path: str, key: str, value: object) -> str | None:
        """Where a click on ``value`` of column ``key`` leads: the page narrowed to it."""
        if value is None:
            return None
        text = str(value)
        if key in ("office", "channel", "hs_chapter", "origin"):
            return self.url(path, **{key: text})
        if key == "profile":
            return f"/profiles/{text}"
        if key != "period":
            return None
        grain = self.query.grain
        if grain == "quarter":
            return self.url(path, period=text, grain="month", by="period")
        if grain == "month":
            return self.url(path, period=text, grain="day", by="period")
        if grain == "week":
            monday = date.fromisoformat(text)
            last = (monday + timedelta(days=6)).isoformat()
            return self.url(path, **{"from": text, "to": last, "grain": "day", "by": "period"})
        return self.url(path, period=text, by="none")


def read_view(params: dict[str, str]) -> View:
    """The view a URL asks for.

    Raises:
        ValidationError: a parameter is unknown (named, with the known ones), or its value is
            not valid (named, with what is expected).
    """
    unknown = sorted(set(params) - set(PARAMS))
    if unknown:
        raise ValidationError(
            "filter", unknown[0], f"is not a dashboard filter; known: {', '.join(PARAMS)}"
        )
    by = params.get("by") or None
    if by is not None and by not in (*BREAKDOWNS, "none"):
        raise ValidationError("by", by, f"is not one of {', '.join(BREAKDOWNS)}, none")
    grain = params.get("grain") or "month"
    if grain not in GRAINS:
        raise ValidationError("grain", grain, f"is not one of {', '.join(GRAINS)}")
    query = build_query(
        period=params.get("period"),
        date_from=params.get("from"),
        date_to=params.get("to"),
        by=[],
        grain=grain,
        **{k: params.get(k) or None for k in FILTER_PARAMS},
    )
    check_filters(query.filters)
    return View({k: v for k, v in params.items() if v}, query, by)


@dataclass(frozen=True)
class Quiet:
    """A profile that found something before and nothing in the latest periods."""

    profile: str
    last_hit: str
    hits_before: int
    controls_since: int


def stopped_hitting(rows: list[dict[str, object]], *, periods: int = 3) -> list[Quiet]:
    """Profiles (rows of ``profile_effectiveness`` by period) whose controls in the last
    ``periods`` periods found nothing although they had found something before."""
    ordered = sorted({str(r["period"]) for r in rows})
    recent = set(ordered[-periods:])
    if len(ordered) <= periods:
        return []
    seen: dict[str, list[int]] = {}  # hits before, controls since, hits since
    last: dict[str, str] = {}
    for r in rows:
        profile, period = str(r["profile"]), str(r["period"])
        hits, controls = int(r["hits"] or 0), int(r["controls"] or 0)  # type: ignore[call-overload]
        counts = seen.setdefault(profile, [0, 0, 0])
        if period in recent:
            counts[1] += controls
            counts[2] += hits
        else:
            counts[0] += hits
        if hits:
            last[profile] = max(last.get(profile, ""), period)
    return sorted(
        (
            Quiet(p, last[p], before, since)
            for p, (before, since, since_hits) in seen.items()
            if before and since and not since_hits
        ),
        key=lambda q: (-q.hits_before, q.profile),
    )
