"""Compute named indicators on the warehouse (DuckDB or Spark), with filters and breakdowns."""

from __future__ import annotations

import pyarrow as pa

from icrms.errors import ValidationError
from icrms.kpis.catalogue import INDICATORS, Indicator
from icrms.kpis.schemas import KpiQuery, KpiResult, check_filters
from icrms.kpis.sql import KpiDialect, ctes
from icrms.warehouse.base import Warehouse

# What the dashboard overview shows: (indicator, breakdown).
OVERVIEW: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("inspection_rate", ()),
    ("channel_share", ("period",)),
    ("hit_rate_by_source", ()),
    ("random_irregularity_rate", ()),
    ("revenue_recovered", ()),
    ("release_time", ()),
)


def indicator(name: str) -> Indicator:
    """The indicator called ``name``.

    Raises:
        ValidationError: no indicator has that name (the message lists those that exist).
    """
    found = INDICATORS.get(name)
    if found is None:
        raise ValidationError(
            "indicator", name, f"is not an indicator; known: {', '.join(INDICATORS)}"
        )
    return found


def kpi_sql(name: str, query: KpiQuery, backend: str) -> str:
    """The SQL of an indicator for a query, in the backend's dialect."""
    ind = indicator(name)
    check_filters(query.filters)
    for each in query.by:
        if each not in ind.by:
            allowed = ", ".join(ind.by) or "nothing"
            raise ValidationError("by", each, f"{name} can be broken down by {allowed}")
    d = KpiDialect(backend)
    exprs = {
        "period": d.period("date_key", query.grain),
        "office": "office_code",
        "channel": "channel",
    }
    return ctes(query.filters) + "\n" + ind.sql(d, {b: exprs[b] for b in query.by})


def compute(warehouse: Warehouse, name: str, query: KpiQuery | None = None) -> KpiResult:
    """One indicator's rows for the query (filters, breakdown, grain)."""
    query = query or KpiQuery()
    ind = indicator(name)
    table = plain_numbers(warehouse.sql(kpi_sql(name, query, warehouse.backend)))
    rows = table.to_pylist()
    if ind.post is not None:
        rows = ind.post(rows)
    columns = list(rows[0]) if rows else table.column_names
    return KpiResult(
        name=ind.name,
        title=ind.title,
        family=ind.family,
        unit=ind.unit,
        filters=query.filters.as_dict(),
        by=list(query.by),
        grain=query.grain,
        columns=columns,
        rows=rows,
    )


def plain_numbers(table: pa.Table) -> pa.Table:
    """Decimals (DuckDB sums integers into HUGEINT) as int64 or float64, the same on every engine."""
    columns = []
    for column in table.columns:
        if pa.types.is_decimal(column.type):
            column = column.cast(pa.int64() if column.type.scale == 0 else pa.float64())
        columns.append(column)
    return pa.Table.from_arrays(columns, names=table.column_names)


def compute_all(warehouse: Warehouse, query: KpiQuery | None = None) -> dict[str, KpiResult]:
    """Every indicator that accepts the query's breakdown."""
    query = query or KpiQuery()
    return {
        name: compute(warehouse, name, query)
        for name, ind in INDICATORS.items()
        if all(b in ind.by for b in query.by)
    }


def overview(warehouse: Warehouse, query: KpiQuery | None = None) -> dict[str, KpiResult]:
    """The indicators of the dashboard overview, with the query's filters and grain."""
    base = query or KpiQuery()
    return {
        name: compute(warehouse, name, base.model_copy(update={"by": by})) for name, by in OVERVIEW
    }
