"""Release time from lodgement (WCO Time Release Study) and time from channel to control result."""

from __future__ import annotations

from icrms.kpis.indicator import Builder, Indicator, grouping
from icrms.kpis.sql import KpiDialect

RELEASE_WHERE = "released_at IS NOT NULL AND lodged_at IS NOT NULL"
CONTROL_WHERE = "finished_at IS NOT NULL AND assessed_at IS NOT NULL"


def _times(start: str, end: str, table: str, where: str) -> Builder:
    def build(d: KpiDialect, by: dict[str, str]) -> str:
        select, group, order = grouping(by, ("channel",))
        hours = d.hours_between(start, end)
        return f"""SELECT {select}channel, count(*) AS declarations,
            {d.quantile(hours, 0.5)} AS median_hours, {d.quantile(hours, 0.9)} AS p90_hours,
            avg({hours}) AS mean_hours
            FROM {table} WHERE {where} {group} {order}"""

    return build


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "release_time",
        "Release time from lodgement",
        "time",
        "hours",
        "Hours from lodgement to release of the goods (WCO Time Release Study), median, 90th "
        "percentile and mean, per channel; released declarations only.",
        "released_at - lodged_at",
        "fact_declaration.lodged_at, released_at",
        ("channel",),
        _times("lodged_at", "released_at", "decl", RELEASE_WHERE),
        by=("period", "office"),
    ),
    Indicator(
        "control_time",
        "Time from channel to control result",
        "time",
        "hours",
        "Hours from the channel decision to the control result, median, 90th percentile "
        "and mean, per channel; controlled declarations only.",
        "controlled_at (last result) - assessed_at",
        "fact_declaration.assessed_at, fact_control.controlled_at",
        ("channel",),
        _times("assessed_at", "finished_at", "ctl", CONTROL_WHERE),
        by=("period", "office"),
    ),
)
