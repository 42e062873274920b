"""Rankings: importers, HS chapters, origins and routes by findings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from icrms.declarations.codes import TRANSPORT_MODES, country_name
from icrms.kpis.indicator import Builder, Indicator
from icrms.kpis.sql import KpiDialect
from icrms.warehouse.reference import CHAPTER_TITLES


def _traders(d: KpiDialect, by: dict[str, str]) -> str:
    # Only importers with findings can reach the top 50 once 50 importers have some: the rows
    # are computed for the importers with at least as many hits as the 50th (ties included),
    # and for every importer otherwise. The answer is the same; the work is a fraction.
    return """, per AS (SELECT importer_id, sum(hit) AS hits FROM ctl GROUP BY importer_id),
        cut AS (SELECT CASE WHEN count(*) = 50 THEN min(hits) ELSE 0 END AS hits
                FROM (SELECT hits FROM per ORDER BY hits DESC LIMIT 50) t),
        ranked AS (SELECT decl.declaration_id, decl.version, decl.importer_id FROM decl
                   WHERE (SELECT hits FROM cut) = 0 OR decl.importer_id IN (
                       SELECT importer_id FROM per WHERE hits >= (SELECT hits FROM cut)))
        SELECT ranked.importer_id AS importer, count(*) AS declarations,
        avg(CAST(a.score AS DOUBLE)) AS mean_risk_score, count(ctl.hit) AS controls,
        sum(coalesce(ctl.hit, 0)) AS hits, sum(coalesce(ctl.revenue, 0)) AS revenue
        FROM ranked
        LEFT JOIN (SELECT f.declaration_id, f.version, max(f.score) AS score
                   FROM fact_assessment f JOIN ranked r
                     ON r.declaration_id = f.declaration_id AND r.version = f.version
                   GROUP BY f.declaration_id, f.version) a
          ON a.declaration_id = ranked.declaration_id AND a.version = ranked.version
        LEFT JOIN ctl ON ctl.declaration_id = ranked.declaration_id
          AND ctl.version = ranked.version
        GROUP BY ranked.importer_id
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


# the HS chapters or origins of the controlled declarations (kept by the loads), once each
_ITEM_OF_CTL = """(SELECT DISTINCT declaration_id, version, {col} AS key
    FROM fact_controlled_goods) k JOIN ctl ON ctl.declaration_id = k.declaration_id
    AND ctl.version = k.version"""
_ROUTE_OF_CTL = """ctl JOIN decl ON decl.declaration_id = ctl.declaration_id
    AND decl.version = ctl.version"""


INDICATORS: tuple[Indicator, ...] = (
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
        "fact_controlled_goods.hs2, fact_controlled_declaration",
        ("hs_chapter",),
        _top("k.key", "hs_chapter", _ITEM_OF_CTL.format(col="hs2")),
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
        "fact_controlled_goods.country_of_origin, fact_controlled_declaration",
        ("origin",),
        _top("k.key", "origin", _ITEM_OF_CTL.format(col="country_of_origin")),
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
