"""Revenue recovered and seizures."""

from __future__ import annotations

from icrms.kpis.indicator import Indicator, grouping
from icrms.kpis.indicators.detection import by_source
from icrms.kpis.sql import KpiDialect


def _revenue(d: KpiDialect, by: dict[str, str]) -> str:
    select, group, order = grouping(by)
    return f"""SELECT {select}count(*) AS controls, sum(hit) AS hits, sum(revenue) AS revenue,
        avg(revenue) AS revenue_per_control
        FROM ctl {group} {order}"""


def _seizures(d: KpiDialect, by: dict[str, str]) -> str:
    select, group, _order = grouping(by, ("goods", "concealment"))
    return f"""SELECT {select}goods, concealment, count(*) AS seizures FROM (
            SELECT decl.*, coalesce(c.seizure_goods, '(not recorded)') AS goods,
                   coalesce(c.concealment, '(not recorded)') AS concealment
            FROM fact_control c JOIN decl ON decl.declaration_id = c.declaration_id
             AND decl.version = c.version WHERE c.outcome = 'seizure') s
        {group} ORDER BY {", ".join([*by, "seizures DESC", "goods", "concealment"])}"""


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "revenue_recovered",
        "Revenue recovered",
        "revenue",
        "amount",
        "Extra duty and taxes assessed after controls, in total and per control (amounts as "
        "recorded by the officers).",
        "sum(extra_revenue); sum(extra_revenue) / controls",
        "fact_control.extra_revenue",
        (),
        _revenue,
    ),
    Indicator(
        "revenue_by_source",
        "Revenue recovered by selection source",
        "revenue",
        "amount",
        "Revenue recovered per selection source, in total and per control.",
        "sum(extra_revenue) per source",
        "fact_control, fact_assessment_reason",
        ("source",),
        by_source,
    ),
    Indicator(
        "seizures",
        "Seizures by goods and concealment",
        "revenue",
        "count",
        "Controls ending in a seizure, by goods seized and concealment method.",
        "count of seizures",
        "fact_control (outcome = seizure)",
        ("goods", "concealment"),
        _seizures,
    ),
)
