"""Profiles and model: per-profile effectiveness and model precision over time."""

from __future__ import annotations

from icrms.kpis.indicator import Indicator, grouping
from icrms.kpis.sql import KpiDialect


def _profile_trend(d: KpiDialect, by: dict[str, str]) -> str:
    select, group, order = grouping(by, ("profile",))
    return f"""SELECT {select}profile, count(*) AS selected, count(hit) AS controls,
        coalesce(sum(hit), 0) AS hits, avg(CAST(hit AS DOUBLE)) AS hit_rate,
        coalesce(sum(revenue), 0) AS revenue
        FROM (SELECT r.code AS profile, r.date_key, r.office_code, r.channel,
                     ctl.hit, ctl.revenue
              FROM cited r LEFT JOIN ctl ON ctl.declaration_id = r.declaration_id
               AND ctl.version = r.version
              WHERE r.kind = 'profile' AND r.selected = 1) x
        {group} {order}"""


def _model_precision(d: KpiDialect, by: dict[str, str]) -> str:
    select, group, order = grouping(by)
    return f"""SELECT {select}count(*) AS cited, avg(CAST(score AS DOUBLE)) AS mean_score,
        count(hit) AS controls, coalesce(sum(hit), 0) AS hits,
        avg(CAST(hit AS DOUBLE)) AS precision
        FROM (SELECT r.score, r.date_key, r.office_code, r.channel, ctl.hit
              FROM (SELECT declaration_id, version, date_key, office_code, channel,
                           max(score) AS score
                    FROM cited WHERE kind = 'model'
                    GROUP BY declaration_id, version, date_key, office_code, channel) r
              LEFT JOIN ctl ON ctl.declaration_id = r.declaration_id
               AND ctl.version = r.version) x
        {group} {order}"""


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "profile_effectiveness",
        "Profile effectiveness over time",
        "profiles",
        "share",
        "Per profile: declarations it selected, how many were controlled, hits, hit rate "
        "and revenue; break down by period to see a profile that stopped hitting.",
        "selected and controlled with a finding / selected and controlled",
        "fact_assessment_reason (kind = profile, selected) joined with fact_control",
        ("profile",),
        _profile_trend,
    ),
    Indicator(
        "model_precision",
        "Model precision on controlled declarations",
        "profiles",
        "share",
        "Declarations the risk model contributed to: mean model score (its drift over "
        "periods) and precision, the share of controlled ones with a finding.",
        "controlled with a finding / controlled, among declarations the model scored",
        "fact_assessment_reason (kind = model) joined with fact_control",
        (),
        _model_precision,
    ),
)
