"""Detection: hit rates by selection source, the random-control baseline and the lift over it."""

from __future__ import annotations

import math
from typing import Any

from icrms.kpis.indicator import Indicator, grouping
from icrms.kpis.sql import KpiDialect


def by_source(d: KpiDialect, by: dict[str, str]) -> str:
    select, group, order = grouping(by, ("source",))
    return f"""SELECT {select}source, count(*) AS controls, sum(hit) AS hits,
        avg(CAST(hit AS DOUBLE)) AS hit_rate, sum(seizure) AS seizures, avg(CAST(seizure AS DOUBLE)) AS seizure_share,
        sum(revenue) AS revenue, avg(revenue) AS revenue_per_control
        FROM src {group} {order}"""


# A control's row with source 'random' in ``src`` is its row in ``ctl`` with is_random = 1 (no
# other branch of src gives that source): reading ctl spares the join with the cited sources.
def _random_rate(d: KpiDialect, by: dict[str, str]) -> str:
    select, group, order = grouping(by)
    return f"""SELECT {select}count(*) AS random_controls, sum(hit) AS hits,
        avg(CAST(hit AS DOUBLE)) AS irregularity_rate
        FROM ctl WHERE is_random = 1 {group} {order}"""


def wilson(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add the 95 % Wilson score interval of each row's irregularity rate."""
    z = 1.959963984540054
    for row in rows:
        n, hits = int(row["random_controls"] or 0), int(row["hits"] or 0)
        if not n:
            row["ci_low"] = row["ci_high"] = None
            continue
        p = hits / n
        centre = p + z * z / (2 * n)
        half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        row["ci_low"], row["ci_high"] = (
            (centre - half) / (1 + z * z / n),
            (centre + half) / (1 + z * z / n),
        )
    return rows


def _lift(d: KpiDialect, by: dict[str, str]) -> str:
    select, group, _order = grouping(by, ("source",))
    join = " AND ".join(f"b.{name} = s.{name}" for name in by) or "TRUE"
    outer = "".join(f"s.{name}, " for name in by)
    return f"""SELECT {outer}s.source, s.controls, s.hit_rate, b.random_rate,
        s.hit_rate / nullif(b.random_rate, 0) AS lift
        FROM (SELECT {select}source, count(*) AS controls, avg(CAST(hit AS DOUBLE)) AS hit_rate
              FROM src {group}) s
        LEFT JOIN (SELECT {grouping(by)[0]}avg(CAST(hit AS DOUBLE)) AS random_rate
                   FROM ctl WHERE is_random = 1 {grouping(by)[1]}) b ON {join}
        WHERE s.source <> 'random' ORDER BY {", ".join([*(f"s.{n}" for n in by), "s.source"])}"""


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "hit_rate_by_source",
        "Hit rate and seizures by selection source",
        "detection",
        "share",
        "Per selection source (random, profile, watchlist, model, manual, or targeted where "
        "the source is not recorded): controls, hits, hit rate, seizures and the share of "
        "controls ending in a seizure. A control chosen by several sources counts under each.",
        "controls with an irregularity or seizure / controls",
        "fact_control joined with the selected reasons in fact_assessment_reason",
        ("source",),
        by_source,
    ),
    Indicator(
        "random_irregularity_rate",
        "Irregularity rate of random controls",
        "detection",
        "share",
        "Hit rate of controls chosen at random: the unbiased estimate of overall "
        "non-compliance, with a 95 % Wilson score interval.",
        "random controls with a finding / random controls",
        "fact_control (selection = random)",
        (),
        _random_rate,
        post=wilson,
    ),
    Indicator(
        "lift_by_source",
        "Lift over random controls",
        "detection",
        "ratio",
        "Hit rate of each targeted source divided by the random-control hit rate of the same "
        "group (period, office or channel).",
        "hit rate of source / hit rate of random controls",
        "fact_control, fact_assessment_reason",
        ("source",),
        _lift,
    ),
)
