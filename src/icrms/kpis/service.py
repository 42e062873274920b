"""Compute named indicators on the warehouse (DuckDB or Spark), with filters and breakdowns."""

from __future__ import annotations

import pyarrow as pa

from icrms.errors import ValidationError
from icrms.kpis.cache import WarehouseReader
from icrms.kpis.catalogue import INDICATORS, Indicator
from icrms.kpis.dashboards import OVERVIEW, Panel, View, page_panels
from icrms.kpis.schemas import KpiQuery, KpiResult, check_filters
from icrms.kpis.sql import KpiDialect, ctes, period_label
from icrms.warehouse.base import Warehouse


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
        "period": d.period_key("date_key", query.grain),  # labelled in compute()
        "office": "office_code",
        "channel": "channel",
    }
    return ctes(query.filters, d) + "\n" + ind.sql(d, {b: exprs[b] for b in query.by})


def compute(warehouse: Warehouse, name: str, query: KpiQuery | None = None) -> KpiResult:
    """One indicator's rows for the query (filters, breakdown, grain)."""
    query = query or KpiQuery()
    ind = indicator(name)
    table = plain_numbers(warehouse.sql(kpi_sql(name, query, warehouse.backend)))
    rows = table.to_pylist()
    if "period" in query.by:
        for row in rows:
            row["period"] = period_label(row["period"], query.grain)
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
    view = View({}, query or KpiQuery(), None)
    return {p.indicator: compute(warehouse, p.indicator, view.panel_query(p)) for p in OVERVIEW}


def kept(reader: WarehouseReader, name: str, query: KpiQuery) -> KpiResult:
    """:func:`compute`, answered from memory while the warehouse has not changed."""
    return reader.kept(("kpi", name, query.model_dump_json()), lambda wh: compute(wh, name, query))


def dashboard(reader: WarehouseReader, page: str, view: View) -> list[tuple[Panel, KpiResult]]:
    """The panels of a dashboard page (``overview`` or a family) for the URL's view."""
    panels = page_panels(page)
    check_choices(reader, view)
    return [(p, kept(reader, p.indicator, view.panel_query(p))) for p in panels]


def in_scope(reader: WarehouseReader, view: View) -> int:
    """How many declarations the view's filters keep."""
    rows = kept(reader, "inspection_rate", view.query.model_copy(update={"by": ()})).rows
    return int(rows[0]["declarations"]) if rows else 0


def filter_choices(reader: WarehouseReader) -> dict[str, list[str]]:
    """The offices, regimes and lodgement dates the warehouse holds (for the filter form)."""
    return reader.kept(("choices",), _choices)


def _choices(warehouse: Warehouse) -> dict[str, list[str]]:
    def values(column: str) -> list[str]:
        rows = warehouse.sql(
            f"SELECT DISTINCT {column} AS v FROM fact_declaration "
            f"WHERE {column} IS NOT NULL ORDER BY v"
        )
        return [str(v) for v in rows.column("v").to_pylist()]

    span = warehouse.sql(
        "SELECT min(date_key) AS first, max(date_key) AS last FROM fact_declaration"
    ).to_pylist()[0]
    days = [str(span[k]) for k in ("first", "last") if span[k] is not None]
    return {
        "office": values("office_code"),
        "regime": values("procedure"),
        "dates": [f"{d[:4]}-{d[4:6]}-{d[6:]}" for d in days],
    }


def check_choices(reader: WarehouseReader, view: View) -> None:
    """Refuse an office or regime the warehouse has never seen, naming it.

    Raises:
        ValidationError: the office or regime is not in the warehouse (known ones listed).
    """
    choices = filter_choices(reader)
    filters = view.query.filters
    for field, value in (("office", filters.office), ("regime", filters.regime)):
        if value is not None and choices[field] and value not in choices[field]:
            known = ", ".join(choices[field][:30])
            raise ValidationError(
                field, value, f"has no declarations in the warehouse; known: {known}"
            )
