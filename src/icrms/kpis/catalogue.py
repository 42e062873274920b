"""The named indicators: what each measures (docs/kpis.md) and the SQL that measures it.

Every indicator's SQL starts from :func:`icrms.kpis.sql.ctes` and may be broken down by period,
office or channel. Rates are fractions (0.12 = 12 %); times are hours.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from icrms.declarations.codes import TRANSPORT_MODES, country_name
from icrms.kpis.sql import KpiDialect
from icrms.warehouse.reference import CHAPTER_TITLES

Builder = Callable[[KpiDialect, dict[str, str]], str]


@dataclass(frozen=True)
class Indicator:
    """A documented indicator and its SQL (given the dialect and the breakdown expressions)."""

    name: str
    title: str
    family: str
    unit: str
    definition: str
    formula: str
    source: str
    keys: tuple[str, ...]  # the indicator's own grouping columns, before any breakdown
    sql: Builder
    by: tuple[str, ...] = ("period", "office", "channel")
    post: Callable[[list[dict[str, Any]]], list[dict[str, Any]]] | None = None


def _group(by: dict[str, str], own: tuple[str, ...] = ()) -> tuple[str, str, str]:
    """SELECT list, GROUP BY and ORDER BY pieces for breakdown expressions plus own columns."""
    select = "".join(f"{expr} AS {name}, " for name, expr in by.items())
    keys = [*by.values(), *own]
    group = f"GROUP BY {', '.join(keys)}" if keys else ""
    order = f"ORDER BY {', '.join([*by.keys(), *own])}" if keys else ""
    return select, group, order


def _channel_share(d: KpiDialect, by: dict[str, str]) -> str:
    select, group, _order = _group(by)
    over = f"PARTITION BY {', '.join(by.values())}" if by else ""
    return f"""SELECT {select}channel, count(*) AS declarations,
        CAST(count(*) AS DOUBLE) / sum(count(*)) OVER ({over}) AS share
        FROM decl {group}{", " if group else "GROUP BY "}channel
        ORDER BY {", ".join([*by, "channel"])}"""


def _inspection_rate(d: KpiDialect, by: dict[str, str]) -> str:
    select, group, order = _group(by)
    return f"""SELECT {select}count(*) AS declarations,
        sum(CASE WHEN channel IN ('yellow', 'red') THEN 1 ELSE 0 END) AS controlled_channels,
        sum(CASE WHEN channel = 'red' THEN 1 ELSE 0 END) AS physical,
        avg(CASE WHEN channel IN ('yellow', 'red') THEN 1 ELSE 0 END) AS inspection_rate,
        avg(CASE WHEN channel = 'red' THEN 1 ELSE 0 END) AS physical_rate
        FROM decl {group} {order}"""


def _discretionary(d: KpiDialect, by: dict[str, str]) -> str:
    select, group, order = _group(by)
    return f"""SELECT {select}count(*) AS controls,
        sum(is_manual) AS discretionary, avg(CAST(is_manual AS DOUBLE)) AS discretionary_share
        FROM ctl {group} {order}"""


def _by_source(d: KpiDialect, by: dict[str, str]) -> str:
    select, group, order = _group(by, ("source",))
    return f"""SELECT {select}source, count(*) AS controls, sum(hit) AS hits,
        avg(CAST(hit AS DOUBLE)) AS hit_rate, sum(seizure) AS seizures, avg(CAST(seizure AS DOUBLE)) AS seizure_share,
        sum(revenue) AS revenue, avg(revenue) AS revenue_per_control
        FROM src {group} {order}"""


def _random_rate(d: KpiDialect, by: dict[str, str]) -> str:
    select, group, order = _group(by)
    return f"""SELECT {select}count(*) AS random_controls, sum(hit) AS hits,
        avg(CAST(hit AS DOUBLE)) AS irregularity_rate
        FROM src WHERE source = 'random' {group} {order}"""


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
    select, group, _order = _group(by, ("source",))
    join = " AND ".join(f"b.{name} = s.{name}" for name in by) or "TRUE"
    outer = "".join(f"s.{name}, " for name in by)
    return f"""SELECT {outer}s.source, s.controls, s.hit_rate, b.random_rate,
        s.hit_rate / nullif(b.random_rate, 0) AS lift
        FROM (SELECT {select}source, count(*) AS controls, avg(CAST(hit AS DOUBLE)) AS hit_rate
              FROM src {group}) s
        LEFT JOIN (SELECT {_group(by)[0]}avg(CAST(hit AS DOUBLE)) AS random_rate
                   FROM src WHERE source = 'random' {_group(by)[1]}) b ON {join}
        WHERE s.source <> 'random' ORDER BY {", ".join([*(f"s.{n}" for n in by), "s.source"])}"""


def _revenue(d: KpiDialect, by: dict[str, str]) -> str:
    select, group, order = _group(by)
    return f"""SELECT {select}count(*) AS controls, sum(hit) AS hits, sum(revenue) AS revenue,
        avg(revenue) AS revenue_per_control
        FROM ctl {group} {order}"""


def _seizures(d: KpiDialect, by: dict[str, str]) -> str:
    select, group, _order = _group(by, ("goods", "concealment"))
    return f"""SELECT {select}goods, concealment, count(*) AS seizures FROM (
            SELECT decl.*, coalesce(c.seizure_goods, '(not recorded)') AS goods,
                   coalesce(c.concealment, '(not recorded)') AS concealment
            FROM fact_control c JOIN decl ON decl.declaration_id = c.declaration_id
             AND decl.version = c.version WHERE c.outcome = 'seizure') s
        {group} ORDER BY {", ".join([*by, "seizures DESC", "goods", "concealment"])}"""


def _times(start: str, end: str, table: str, where: str) -> Builder:
    def build(d: KpiDialect, by: dict[str, str]) -> str:
        select, group, order = _group(by, ("channel",))
        hours = d.hours_between(start, end)
        return f"""SELECT {select}channel, count(*) AS declarations,
            {d.quantile(hours, 0.5)} AS median_hours, {d.quantile(hours, 0.9)} AS p90_hours,
            avg({hours}) AS mean_hours
            FROM {table} WHERE {where} {group} {order}"""

    return build


def _profile_trend(d: KpiDialect, by: dict[str, str]) -> str:
    select, group, order = _group(by, ("profile",))
    return f"""SELECT {select}profile, count(*) AS selected, count(hit) AS controls,
        coalesce(sum(hit), 0) AS hits, avg(CAST(hit AS DOUBLE)) AS hit_rate,
        coalesce(sum(revenue), 0) AS revenue
        FROM (SELECT r.code AS profile, decl.date_key, decl.office_code, decl.channel,
                     ctl.hit, ctl.revenue
              FROM (SELECT DISTINCT declaration_id, version, code FROM fact_assessment_reason
                    WHERE kind = 'profile' AND selected) r
              JOIN decl ON decl.declaration_id = r.declaration_id AND decl.version = r.version
              LEFT JOIN ctl ON ctl.declaration_id = r.declaration_id
               AND ctl.version = r.version) x
        {group} {order}"""


def _model_precision(d: KpiDialect, by: dict[str, str]) -> str:
    select, group, order = _group(by)
    return f"""SELECT {select}count(*) AS cited, avg(CAST(score AS DOUBLE)) AS mean_score,
        count(hit) AS controls, coalesce(sum(hit), 0) AS hits,
        avg(CAST(hit AS DOUBLE)) AS precision
        FROM (SELECT r.score, decl.date_key, decl.office_code, decl.channel, ctl.hit
              FROM (SELECT declaration_id, version, max(score) AS score
                    FROM fact_assessment_reason WHERE kind = 'model'
                    GROUP BY declaration_id, version) r
              JOIN decl ON decl.declaration_id = r.declaration_id AND decl.version = r.version
              LEFT JOIN ctl ON ctl.declaration_id = r.declaration_id
               AND ctl.version = r.version) x
        {group} {order}"""


def _traders(d: KpiDialect, by: dict[str, str]) -> str:
    return """SELECT decl.importer_id AS importer, count(*) AS declarations,
        avg(CAST(a.score AS DOUBLE)) AS mean_risk_score, count(ctl.hit) AS controls,
        sum(coalesce(ctl.hit, 0)) AS hits, sum(coalesce(ctl.revenue, 0)) AS revenue
        FROM decl
        LEFT JOIN (SELECT declaration_id, version, max(score) AS score FROM fact_assessment
                   GROUP BY declaration_id, version) a
          ON a.declaration_id = decl.declaration_id AND a.version = decl.version
        LEFT JOIN ctl ON ctl.declaration_id = decl.declaration_id AND ctl.version = decl.version
        GROUP BY decl.importer_id
        ORDER BY hits DESC, revenue DESC, mean_risk_score DESC, importer LIMIT 50"""


def _named(
    column: str, name_of: Callable[[str], str | None]
) -> Callable[[list[dict[str, Any]]], list[dict[str, Any]]]:
    """Post-processing that adds a readable ``name`` beside a code column."""

    def add(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{column: r[column], "name": name_of(r[column]), **r} for r in rows]

    return add


def _route_name(route: str) -> str:
    export, office, mode = ([*route.split("-"), "?", "?"])[:3]
    return f"{country_name(export)} to office {office} by {TRANSPORT_MODES.get(mode, mode)}"


def _top(column: str, label: str, source: str) -> Builder:
    def build(d: KpiDialect, by: dict[str, str]) -> str:
        return f"""SELECT {column} AS {label}, count(*) AS controls, sum(hit) AS hits,
            avg(CAST(hit AS DOUBLE)) AS hit_rate, sum(seizure) AS seizures, sum(revenue) AS revenue
            FROM {source} GROUP BY {column}
            ORDER BY hits DESC, seizures DESC, controls DESC, {label} LIMIT 20"""

    return build


_ITEM_OF_CTL = """(SELECT DISTINCT i.declaration_id, i.version, {col} AS key
    FROM fact_item i) k JOIN ctl ON ctl.declaration_id = k.declaration_id
    AND ctl.version = k.version"""
_ROUTE_OF_CTL = """ctl JOIN decl ON decl.declaration_id = ctl.declaration_id
    AND decl.version = ctl.version"""

RELEASE_WHERE = "released_at IS NOT NULL AND lodged_at IS NOT NULL"
CONTROL_WHERE = "finished_at IS NOT NULL AND assessed_at IS NOT NULL"
CTL_TIMES = """(SELECT ctl.*, decl.assessed_at FROM ctl JOIN decl
    ON decl.declaration_id = ctl.declaration_id AND decl.version = ctl.version) t"""

INDICATORS: dict[str, Indicator] = {
    i.name: i
    for i in (
        Indicator(
            "channel_share",
            "Declarations per channel",
            "selectivity",
            "share",
            "Share of declarations given each channel (green, blue, yellow, red).",
            "declarations in channel / declarations",
            "fact_declaration.channel",
            ("channel",),
            _channel_share,
            by=("period", "office"),
        ),
        Indicator(
            "inspection_rate",
            "Inspection rate",
            "selectivity",
            "share",
            "Share of declarations sent to a documentary check or a physical inspection "
            "(yellow or red); physical_rate counts red only.",
            "declarations in yellow or red / declarations",
            "fact_declaration.channel",
            (),
            _inspection_rate,
        ),
        Indicator(
            "discretionary_share",
            "Controls at an officer's discretion",
            "selectivity",
            "share",
            "Share of controls an officer chose (manual) rather than selectivity or a random draw.",
            "controls with selection manual / controls",
            "fact_control.selection",
            (),
            _discretionary,
        ),
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
            _by_source,
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
            _by_source,
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
            _times("assessed_at", "finished_at", CTL_TIMES, CONTROL_WHERE),
            by=("period", "office"),
        ),
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
        Indicator(
            "trader_ranking",
            "Importers by findings and risk score",
            "rankings",
            "count",
            "The 50 importers with the most findings (then revenue, then mean risk score).",
            "hits, revenue, avg(fact_assessment.score) per importer",
            "fact_declaration, fact_control, fact_assessment",
            ("importer",),
            _traders,
            by=(),
        ),
        Indicator(
            "top_hs_chapters",
            "HS chapters by irregularities",
            "rankings",
            "count",
            "The 20 HS chapters with the most controls with a finding (a declaration counts once "
            "per chapter among its items).",
            "hits per HS chapter",
            "fact_item.hs2, fact_control",
            ("hs_chapter",),
            _top("k.key", "hs_chapter", _ITEM_OF_CTL.format(col="i.hs2")),
            by=(),
            post=_named("hs_chapter", CHAPTER_TITLES.get),
        ),
        Indicator(
            "top_origins",
            "Origins by irregularities",
            "rankings",
            "count",
            "The 20 countries of origin with the most controls with a finding.",
            "hits per country of origin",
            "fact_item.country_of_origin, fact_control",
            ("origin",),
            _top("k.key", "origin", _ITEM_OF_CTL.format(col="i.country_of_origin")),
            by=(),
            post=_named("origin", country_name),
        ),
        Indicator(
            "top_routes",
            "Routes by irregularities",
            "rankings",
            "count",
            "The 20 routes (departure country, office of entry, mode) with the most controls "
            "with a finding.",
            "hits per route",
            "fact_declaration, dim_route",
            ("route",),
            _top(
                "concat_ws('-', coalesce(decl.country_of_export, '?'), decl.office_code, "
                "coalesce(decl.transport_mode, '?'))",
                "route",
                _ROUTE_OF_CTL,
            ),
            by=(),
            post=_named("route", _route_name),
        ),
    )
}

FAMILIES: dict[str, str] = {
    "selectivity": "Selectivity",
    "detection": "Detection",
    "revenue": "Revenue and seizures",
    "time": "Release and control times",
    "profiles": "Profiles and model",
    "rankings": "Rankings",
}
