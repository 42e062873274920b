"""The building blocks of every indicator: scoped declarations, controls and their sources.

Indicators are SQL written once; the handful of spellings that differ between DuckDB and Spark
come from :class:`KpiDialect`. Both engines compute exact, linearly interpolated percentiles
(DuckDB ``quantile_cont``, Spark ``percentile``), so the contract suite holds them to the same
answers.
"""

from __future__ import annotations

from dataclasses import dataclass

from icrms.kpis.schemas import KpiFilters
from icrms.selectivity.sql import lit
from icrms.warehouse.reference import SECTIONS

HIT = "outcome IN ('irregularity', 'seizure')"


@dataclass(frozen=True)
class KpiDialect:
    """The few spellings that differ between DuckDB and Spark."""

    name: str

    def quantile(self, value: str, q: float) -> str:
        if self.name == "spark":
            return f"percentile({value}, {q})"
        return f"quantile_cont({value}, {q})"

    def hours_between(self, start: str, end: str) -> str:
        """Hours from ``start`` to ``end`` (timestamps), exact to the microsecond."""
        if self.name == "spark":
            return f"CAST(unix_micros({end}) - unix_micros({start}) AS DOUBLE) / 3600000000"
        return f"CAST(epoch_us({end}) - epoch_us({start}) AS DOUBLE) / 3600000000"

    def day_of(self, date_key: str) -> str:
        """The date of a yyyymmdd key."""
        if self.name == "spark":
            return f"to_date(CAST({date_key} AS STRING), 'yyyyMMdd')"
        return f"CAST(strptime(CAST({date_key} AS VARCHAR), '%Y%m%d') AS DATE)"

    def period(self, date_key: str, grain: str) -> str:
        """A sortable label of the period holding a yyyymmdd key: 2025-10-03, 2025-10-06 (the
        Monday of an ISO week), 2025-10 or 2025-Q4."""
        day = self.day_of(date_key)
        if grain == "quarter":
            return f"concat(CAST(year({day}) AS STRING), '-Q', CAST(quarter({day}) AS STRING))"
        fmt = {"day": ("yyyy-MM-dd", "%Y-%m-%d"), "month": ("yyyy-MM", "%Y-%m")}
        if grain == "week":
            monday = f"date_trunc('{'WEEK' if self.name == 'spark' else 'week'}', {day})"
            return self._format(monday, ("yyyy-MM-dd", "%Y-%m-%d"))
        return self._format(day, fmt[grain])

    def _format(self, value: str, formats: tuple[str, str]) -> str:
        if self.name == "spark":
            return f"date_format({value}, '{formats[0]}')"
        return f"strftime({value}, '{formats[1]}')"


def section_chapters(section: str) -> list[str]:
    """The two-digit chapters of an HS section."""
    for name, first, last, _ in SECTIONS:
        if name == section:
            return [f"{c:02d}" for c in range(first, last + 1)]
    return []


def declaration_scope(filters: KpiFilters, alias: str = "d") -> str:
    """SQL condition on fact_declaration (alias ``d``) for the filters."""
    parts = []
    if filters.date_from:
        parts.append(f"{alias}.date_key >= {filters.date_from:%Y%m%d}")
    if filters.date_to:
        parts.append(f"{alias}.date_key <= {filters.date_to:%Y%m%d}")
    for column, value in (
        ("office_code", filters.office),
        ("channel", filters.channel),
        ("procedure", filters.regime),
    ):
        if value is not None:
            parts.append(f"{alias}.{column} = {lit(value)}")
    item = item_scope(filters, "i")
    if item != "TRUE":
        parts.append(
            f"EXISTS (SELECT 1 FROM fact_item i WHERE i.declaration_id = {alias}.declaration_id "
            f"AND i.version = {alias}.version AND {item})"
        )
    return " AND ".join(parts) or "TRUE"


def item_scope(filters: KpiFilters, alias: str = "i") -> str:
    """SQL condition on fact_item for the item-level filters (HS, origin)."""
    parts = []
    if filters.hs_section is not None:
        chapters = ", ".join(lit(c) for c in section_chapters(filters.hs_section))
        parts.append(f"{alias}.hs2 IN ({chapters})")
    if filters.hs_chapter is not None:
        parts.append(f"{alias}.hs2 = {lit(filters.hs_chapter)}")
    if filters.origin is not None:
        parts.append(f"{alias}.country_of_origin = {lit(filters.origin)}")
    return " AND ".join(parts) or "TRUE"


def ctes(filters: KpiFilters, dialect: KpiDialect | None = None) -> str:
    """The WITH clause every indicator starts from.

    ``decl``: declarations in scope. ``ctl``: one row per controlled declaration in scope (hit,
    seizure, revenue, how it was chosen, control start and end). ``src``: one row per controlled
    declaration and selection source (random, profile, watchlist, model, manual, or targeted
    where the targeting is not recorded): a control chosen by a profile and the model counts
    under both.
    """
    inline = _inline(dialect)
    return f"""
    WITH decl AS {inline}(
        SELECT d.* FROM fact_declaration d WHERE {declaration_scope(filters)}),
    ctl AS (
        SELECT c.declaration_id, c.version, decl.date_key, decl.office_code, decl.channel,
               decl.importer_id,
               max(CASE WHEN c.{HIT} THEN 1 ELSE 0 END) AS hit,
               max(CASE WHEN c.outcome = 'seizure' THEN 1 ELSE 0 END) AS seizure,
               sum(coalesce(c.extra_revenue, 0)) AS revenue,
               max(CASE WHEN c.selection = 'random' THEN 1 ELSE 0 END) AS is_random,
               max(CASE WHEN c.selection = 'manual' THEN 1 ELSE 0 END) AS is_manual,
               max(CASE WHEN c.selection = 'targeted' THEN 1 ELSE 0 END) AS is_targeted,
               min(c.control_started_at) AS started_at, max(c.controlled_at) AS finished_at
        FROM fact_control c
        JOIN decl ON decl.declaration_id = c.declaration_id AND decl.version = c.version
        GROUP BY c.declaration_id, c.version, decl.date_key, decl.office_code, decl.channel,
                 decl.importer_id),
    cited AS (
        SELECT DISTINCT declaration_id, version, kind FROM fact_assessment_reason
        WHERE selected AND kind IN ('profile', 'watchlist', 'model')),
    src AS (
        SELECT ctl.*, 'random' AS source FROM ctl WHERE ctl.is_random = 1
        UNION ALL
        SELECT ctl.*, 'manual' AS source FROM ctl WHERE ctl.is_random = 0 AND ctl.is_manual = 1
        UNION ALL
        SELECT ctl.*, cited.kind AS source FROM ctl JOIN cited
          ON cited.declaration_id = ctl.declaration_id AND cited.version = ctl.version
        WHERE ctl.is_random = 0 AND ctl.is_manual = 0
        UNION ALL
        SELECT ctl.*, CASE WHEN ctl.is_targeted = 1 THEN 'targeted' ELSE 'manual' END AS source
        FROM ctl WHERE ctl.is_random = 0 AND ctl.is_manual = 0 AND NOT EXISTS (
            SELECT 1 FROM cited WHERE cited.declaration_id = ctl.declaration_id
               AND cited.version = ctl.version))"""


def _inline(dialect: KpiDialect | None) -> str:
    # DuckDB materialises a CTE named more than once: every column of every declaration in
    # scope copied before any indicator reads three of them. Inlined, each use reads only the
    # columns it needs. (Spark inlines CTEs itself.)
    return "NOT MATERIALIZED " if dialect is not None and dialect.name == "duckdb" else ""
