"""Raw feature columns computed in the warehouse's SQL, with no leakage.

Every item gets, for each entity (importer, declarant, HS6, importer × HS6, …), the running
totals of what was known *strictly before its lodgement date*: items seen, labelled items,
irregularities, revenue recovered and the first date seen; and, for each unit-value reference
group (HS6 × origin × currency, …), the quartiles of log unit value over earlier items. Labels
count from the date they became known (``controlled_at``, else the lodgement date).

Training rows read these from running-total tables through an ASOF join; a trained model keeps
the totals at its cutoff (:func:`materialise`), and scoring joins new items with those tables,
in SQL for bulk scoring or in memory for live scoring (:mod:`icrms.models.live`). Both give the
same columns, which :mod:`icrms.models.derive` turns into model features.
"""

from __future__ import annotations

from datetime import date

import pyarrow as pa

from icrms.warehouse.base import Warehouse

# entity name -> key columns; history of each is counted per key value
ENTITIES: dict[str, tuple[str, ...]] = {
    "importer": ("importer_id",),
    "declarant": ("declarant_id",),
    "seller": ("seller_id",),
    "courier": ("courier_id",),
    "office": ("office_code",),
    "hs6": ("hs6",),
    "hs4": ("hs4",),
    "origin": ("country_of_origin",),
    "export": ("country_of_export",),
    "importer_hs6": ("importer_id", "hs6"),
    "declarant_importer": ("declarant_id", "importer_id"),
    "seller_importer": ("seller_id", "importer_id"),
    "hs6_origin": ("hs6", "country_of_origin"),
    # repeat consignments: same goods and mass (and value) seen before
    "repeat_mass": ("hs6", "net_mass_kg"),
    "repeat_value": ("hs6", "net_mass_kg", "customs_value"),
}
ENTITY_STATS = ("n", "c", "f", "r", "first")

# reference group -> (key columns, measured expression); robust quartiles over earlier items
REFERENCES: dict[str, tuple[tuple[str, ...], str]] = {
    "uv_hs6_origin": (("hs6", "country_of_origin", "currency"), "luv"),
    "uv_hs6": (("hs6", "currency"), "luv"),
    "qpk_hs6": (("hs6", "quantity_unit"), "lqpk"),
}
REFERENCE_STATS = ("q25", "q50", "q75", "m")

ITEMS = "m_items"
ITEM_COLUMNS = (
    "declaration_id",
    "version",
    "item_no",
    "lodged_date",
    "office_code",
    "declaration_type",
    "procedure",
    "import_use",
    "payment_method",
    "declarant_id",
    "importer_id",
    "seller_id",
    "courier_id",
    "country_of_export",
    "transport_mode",
    "currency",
    "aeo",
    "hs2",
    "hs4",
    "hs6",
    "country_of_origin",
    "origin_marking",
    "preference",
    "quantity",
    "quantity_unit",
    "net_mass_kg",
    "gross_mass_kg",
    "customs_value",
    "fob_value",
    "duty_rate",
    "duty_amount",
)


def labelled_items_sql(where: str = "TRUE") -> str:
    """Item rows with their label: the item's own control, else the declaration's only control.

    Columns added: ``unit_id`` (the control the label comes from; NULL when unlabelled),
    ``fraud`` (1/0/NULL), ``revenue`` (the control's extra revenue, on its own item only),
    ``unit_revenue``, ``critical``, ``selection`` and ``label_date``.
    """
    cols = ", ".join(f"i.{c}" for c in ITEM_COLUMNS)
    return f"""
WITH c AS (
    SELECT control_key, declaration_id, version, item_no, outcome, selection, extra_revenue,
           critical, CAST(controlled_at AS DATE) AS controlled_date
    FROM fact_control),
one AS (
    SELECT declaration_id, version, any_value(control_key) AS control_key
    FROM c GROUP BY declaration_id, version HAVING count(*) = 1),
i AS (SELECT * FROM fact_item WHERE {where})
SELECT {cols},
    count(*) OVER (PARTITION BY i.declaration_id, i.version) AS n_items,
    CASE WHEN i.unit_value > 0 THEN ln(i.unit_value) END AS luv,
    CASE WHEN i.quantity > 0 AND i.net_mass_kg > 0 THEN ln(i.quantity / i.net_mass_kg) END
        AS lqpk,
    u.control_key AS unit_id,
    CASE WHEN u.outcome IS NULL THEN NULL
         WHEN u.outcome IN ('irregularity', 'seizure') THEN 1 ELSE 0 END AS fraud,
    CASE WHEN own.control_key IS NOT NULL THEN coalesce(own.extra_revenue, 0) END AS revenue,
    u.extra_revenue AS unit_revenue,
    coalesce(u.critical, FALSE) AS critical,
    u.selection AS selection,
    greatest(i.lodged_date, coalesce(u.controlled_date, i.lodged_date)) AS label_date
FROM i
LEFT JOIN c AS own ON own.declaration_id = i.declaration_id AND own.version = i.version
    AND own.item_no = i.item_no
LEFT JOIN one ON one.declaration_id = i.declaration_id AND one.version = i.version
LEFT JOIN c AS u ON u.control_key = coalesce(own.control_key, one.control_key)"""


def _keys(cols: tuple[str, ...], alias: str = "") -> str:
    return ", ".join(f"{alias}{c}" for c in cols)


def _not_null(cols: tuple[str, ...]) -> str:
    return " AND ".join(f"{c} IS NOT NULL" for c in cols)


def entity_cum_sql(name: str, items: str = ITEMS) -> str:
    """Running totals of an entity per key and date (inclusive of that date)."""
    k = _keys(ENTITIES[name])
    nn = _not_null(ENTITIES[name])
    return f"""
WITH a AS (
    SELECT {k}, lodged_date AS d, count(*) AS n, 0 AS c, 0 AS f, 0.0 AS r
    FROM {items} WHERE {nn} GROUP BY ALL
    UNION ALL
    SELECT {k}, label_date AS d, 0, count(*), sum(fraud), sum(coalesce(revenue, 0))
    FROM {items} WHERE {nn} AND fraud IS NOT NULL GROUP BY ALL),
b AS (SELECT {k}, d, sum(n) AS n, sum(c) AS c, sum(f) AS f, sum(r) AS r FROM a GROUP BY ALL)
SELECT {k}, d,
    CAST(sum(n) OVER w AS DOUBLE) AS n, CAST(sum(c) OVER w AS DOUBLE) AS c,
    CAST(sum(f) OVER w AS DOUBLE) AS f, CAST(sum(r) OVER w AS DOUBLE) AS r,
    min(CASE WHEN n > 0 THEN d END) OVER w AS first
FROM b WINDOW w AS (PARTITION BY {k} ORDER BY d ROWS UNBOUNDED PRECEDING)"""


def reference_cum_sql(name: str, items: str = ITEMS) -> str:
    """Running quartiles of a reference group per key and date (inclusive of that date)."""
    cols, measure = REFERENCES[name]
    k = _keys(cols)
    w = f"(PARTITION BY {k} ORDER BY lodged_date RANGE UNBOUNDED PRECEDING)"
    return f"""
SELECT DISTINCT ON ({k}, lodged_date) {k}, lodged_date AS d,
    quantile_cont({measure}, 0.25) OVER {w} AS q25,
    quantile_cont({measure}, 0.5) OVER {w} AS q50,
    quantile_cont({measure}, 0.75) OVER {w} AS q75,
    CAST(count({measure}) OVER {w} AS DOUBLE) AS m
FROM {items} WHERE {_not_null(cols)} AND isfinite({measure})"""


def _tables() -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    out: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
        f"e_{n}": (cols, ENTITY_STATS) for n, cols in ENTITIES.items()
    }
    out.update({f"g_{n}": (spec[0], REFERENCE_STATS) for n, spec in REFERENCES.items()})
    return out


def build_cum(warehouse: Warehouse, items: str = ITEMS) -> None:
    """Create the running-total tables ``cum_e_*`` and ``cum_g_*`` over ``items``."""
    for name in ENTITIES:
        warehouse.execute(
            f"CREATE OR REPLACE TEMP TABLE cum_e_{name} AS {entity_cum_sql(name, items)}"
        )
    for name in REFERENCES:
        warehouse.execute(
            f"CREATE OR REPLACE TEMP TABLE cum_g_{name} AS {reference_cum_sql(name, items)}"
        )


def materialise(warehouse: Warehouse, cutoff: date) -> dict[str, pa.Table]:
    """The history a model keeps: each key's totals as of ``cutoff`` (inclusive)."""
    out = {}
    for table, (cols, _stats) in _tables().items():
        k = _keys(cols)
        out[table] = warehouse.sql(
            f"SELECT * EXCLUDE (d) FROM (SELECT *, row_number() OVER "
            f"(PARTITION BY {k} ORDER BY d DESC) AS _rn FROM cum_{table} "
            f"WHERE d <= DATE '{cutoff.isoformat()}') WHERE _rn = 1"
        ).drop(["_rn"])
    return out


def raw_columns() -> list[str]:
    """Names of the history columns every scored row carries."""
    return [f"{t}__{s}" for t, (_c, stats) in _tables().items() for s in stats]


def features_sql(rows: str, *, asof: bool) -> str:
    """Item rows of ``rows`` with every history column.

    With ``asof`` the columns come from the running totals strictly before each row's date
    (training); otherwise from the materialised history tables ``hist_*`` (scoring).
    """
    selects, joins = [], []
    for table, (cols, stats) in _tables().items():
        alias = f"j_{table}"
        on = " AND ".join(f"r.{c} = {alias}.{c}" for c in cols)
        if asof:
            joins.append(
                f"ASOF LEFT JOIN cum_{table} {alias} ON {on} AND r.lodged_date > {alias}.d"
            )
        else:
            joins.append(f"LEFT JOIN hist_{table} {alias} ON {on}")
        selects += [f"{alias}.{s} AS {table}__{s}" for s in stats]
    # a fixed row order: training and evaluation do not depend on how DuckDB parallelised the join
    order = "r.lodged_date, r.declaration_id, r.version, r.item_no"
    return f"SELECT r.*, {', '.join(selects)} FROM {rows} r {' '.join(joins)} ORDER BY {order}"
