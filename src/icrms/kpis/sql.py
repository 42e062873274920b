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
from icrms.warehouse.summaries import CITED_KINDS


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
        return f"make_date({self._part(date_key, 10000)}, {self._part(date_key, 100)} % 100, {date_key} % 100)"

    def _part(self, date_key: str, by: int) -> str:
        return f"CAST(floor({date_key} / {by}) AS INT)"

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

    def period_key(self, date_key: str, grain: str) -> str:
        """A number that orders and groups periods as :meth:`period` does and is cheap to
        compute on every row: yyyymmdd (day, and the Monday of a week), yyyymm, yyyyq.
        :func:`period_label` turns it into the label."""
        if grain == "day":
            return date_key
        if grain == "month":
            return self._part(date_key, 100)
        if grain == "quarter":
            month = f"{self._part(date_key, 100)} % 100"
            return f"{self._part(date_key, 10000)} * 10 + CAST(floor(({month} + 2) / 3) AS INT)"
        monday = (
            f"date_trunc('{'WEEK' if self.name == 'spark' else 'week'}', {self.day_of(date_key)})"
        )
        return f"year({monday}) * 10000 + month({monday}) * 100 + day({monday})"

    def _format(self, value: str, formats: tuple[str, str]) -> str:
        if self.name == "spark":
            return f"date_format({value}, '{formats[0]}')"
        return f"strftime({value}, '{formats[1]}')"


def period_label(key: int | None, grain: str) -> str | None:
    """The label of a :meth:`KpiDialect.period_key`: 2025-10-03, 2025-10 or 2025-Q4."""
    if key is None:
        return None
    if grain in ("day", "week"):
        return f"{key // 10000:04d}-{key // 100 % 100:02d}-{key % 100:02d}"
    if grain == "month":
        return f"{key // 100:04d}-{key % 100:02d}"
    return f"{key // 10:04d}-Q{key % 10}"


def section_chapters(section: str) -> list[str]:
    """The two-digit chapters of an HS section."""
    for name, first, last, _ in SECTIONS:
        if name == section:
            return [f"{c:02d}" for c in range(first, last + 1)]
    return []


def declaration_scope(filters: KpiFilters, alias: str = "d", goods: str = "fact_item") -> str:
    """SQL condition on a table with the declaration's header columns (alias ``alias``) for the
    filters; the HS and origin filters keep a declaration with at least one such item, read
    from ``goods`` (``fact_item``, or the controlled declarations' ``fact_controlled_goods``)."""
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
            f"({alias}.declaration_id, {alias}.version) IN "
            f"(SELECT i.declaration_id, i.version FROM {goods} i WHERE {item})"
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
    seizure, revenue, how it was chosen, control start and end, the sources that cited it),
    from the summary the loads keep (``warehouse/summaries.py``). ``cited``: one row per
    declaration in scope and profile or model its assessments cited (kind, code, selected,
    score), also a summary. ``src``: one row per controlled declaration and selection source
    (random, profile, watchlist, model, manual, or targeted where the targeting is not
    recorded): a control chosen by a profile and the model counts under both.
    """
    inline = _inline(dialect)
    chosen = "ctl.is_random = 0 AND ctl.is_manual = 0"
    cited = "".join(
        f"""
        UNION ALL
        SELECT ctl.*, '{kind}' AS source FROM ctl WHERE {chosen} AND ctl.cited_{kind} = 1"""
        for kind in CITED_KINDS
    )
    none_cited = " AND ".join(f"ctl.cited_{kind} = 0" for kind in CITED_KINDS)
    return f"""
    WITH decl AS {inline}(
        SELECT d.* FROM fact_declaration d WHERE {declaration_scope(filters)}),
    ctl AS {inline}(
        SELECT c.* FROM fact_controlled_declaration c
        WHERE {declaration_scope(filters, "c", "fact_controlled_goods")}),
    cited AS {inline}(
        SELECT c.* FROM fact_cited_declaration c WHERE {declaration_scope(filters, "c")}),
    src AS (
        SELECT ctl.*, 'random' AS source FROM ctl WHERE ctl.is_random = 1
        UNION ALL
        SELECT ctl.*, 'manual' AS source FROM ctl WHERE ctl.is_random = 0 AND ctl.is_manual = 1
        {cited}
        UNION ALL
        SELECT ctl.*, CASE WHEN ctl.is_targeted = 1 THEN 'targeted' ELSE 'manual' END AS source
        FROM ctl WHERE {chosen} AND {none_cited})"""


def _inline(dialect: KpiDialect | None) -> str:
    # DuckDB materialises a CTE named more than once: every column of every declaration in
    # scope copied before any indicator reads three of them. Inlined, each use reads only the
    # columns it needs. (Spark inlines CTEs itself.)
    return "NOT MATERIALIZED " if dialect is not None and dialect.name == "duckdb" else ""
