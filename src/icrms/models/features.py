"""Raw feature columns computed in the warehouse's SQL, with no leakage.

Every item gets, for each entity (importer, declarant, HS6, importer × HS6, …), the totals of
what was known *strictly before its lodgement day*: items seen, labelled items, irregularities,
revenue recovered, the same labels weighted by exp(day / 180) (so that a rate can decay with
time), and the first day seen; and, for each reference group (unit value per HS6 × origin ×
currency, effective duty rate per HS6 and HS4, …), the quartiles of the measure over earlier
items. Labels count from the day they became known (``controlled_at``, else the lodgement date).

Training rows read these from window totals (``RANGE … 1 PRECEDING`` over day numbers, the same
SQL on DuckDB and Spark); a trained model keeps the totals at its cutoff (:func:`materialise`),
and scoring joins new items with those tables, in SQL for bulk scoring or in memory for live
scoring (:mod:`icrms.models.live`). Both give the same columns, which
:mod:`icrms.models.derive` turns into model features.
"""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pyarrow.compute as pc

from icrms.warehouse.base import Warehouse

# entity name -> (key columns, parent entity): history of each is counted per key value, and
# its irregularity rate is shrunk toward its parent's (the global prior at the top)
ENTITIES: dict[str, tuple[tuple[str, ...], str | None]] = {
    "importer": (("importer_id",), None),
    "declarant": (("declarant_id",), None),
    "declarant_importer": (("declarant_id", "importer_id"), "importer"),
    "seller": (("seller_id",), None),
    "seller_importer": (("seller_id", "importer_id"), "importer"),
    "courier": (("courier_id",), None),
    "office": (("office_code",), None),
    "hs2": (("hs2",), None),
    "hs4": (("hs4",), "hs2"),
    "hs6": (("hs6",), "hs4"),
    "origin": (("country_of_origin",), None),
    "export": (("country_of_export",), None),
    "hs4_origin": (("hs4", "country_of_origin"), "hs4"),
    "hs6_origin": (("hs6", "country_of_origin"), "hs4_origin"),
    "importer_hs4": (("importer_id", "hs4"), "importer"),
    "importer_hs6": (("importer_id", "hs6"), "importer_hs4"),
    # repeat consignments: same goods and mass (and value) seen before
    "repeat_mass": (("hs6", "net_mass_kg"), "hs6"),
    "repeat_value": (("hs6", "net_mass_kg", "customs_value"), "repeat_mass"),
}
# n items, c labelled, f irregular, r revenue, dc/df decayed c/f, first day seen
ENTITY_STATS = ("n", "c", "f", "r", "dc", "df", "first")
DECAY_DAYS = 180.0  # e-folding time of the decayed counts
DECAY_EPOCH = 10957  # day number of 2000-01-01: decayed sums are kept relative to it

# reference group -> (key columns, measured expression); robust quartiles over earlier items
REFERENCES: dict[str, tuple[tuple[str, ...], str]] = {
    "uv_hs6_origin": (("hs6", "country_of_origin", "currency"), "luv"),
    "uv_hs6": (("hs6", "currency"), "luv"),
    "qpk_hs6": (("hs6", "quantity_unit"), "lqpk"),
    "rate_hs6": (("hs6",), "erate"),
    "rate_hs4": (("hs4",), "erate"),
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


# Key columns some formats leave empty (DATE has no currency or unit): a placeholder value keeps
# their rows in the reference groups instead of dropping them from every join.
KEY_DEFAULTS = {"currency": "XXX", "quantity_unit": "ZZZ"}  # ISO 4217 "no currency"


def item_columns_sql(alias: str) -> str:
    """The select list of ``ITEM_COLUMNS`` from ``alias``, with the key placeholders."""
    return ", ".join(
        f"coalesce({alias}.{c}, '{KEY_DEFAULTS[c]}') AS {c}"
        if c in KEY_DEFAULTS
        else f"{alias}.{c}"
        for c in ITEM_COLUMNS
    )


def day_number(column: str, backend: str = "duckdb") -> str:
    """Days since 1970-01-01 of a DATE column, in the backend's spelling."""
    if backend == "spark":
        return f"datediff({column}, DATE '1970-01-01')"
    return f"date_diff('day', DATE '1970-01-01', {column})"


def labelled_items_sql(where: str = "TRUE", backend: str = "duckdb") -> str:
    """Item rows with their label: the item's own control, else the declaration's only control.

    Columns added: ``day`` (lodgement day number), ``unit_id`` (the control the label comes
    from; NULL when unlabelled), ``fraud`` (1/0/NULL), ``revenue`` (the control's extra revenue,
    on its own item only), ``unit_revenue``, ``critical``, ``selection``, ``label_date`` and
    ``label_day``; ``luv``, ``lqpk`` and ``erate`` are the measures of the reference groups.
    """
    cols = item_columns_sql("i")
    label_date = "greatest(i.lodged_date, coalesce(u.controlled_date, i.lodged_date))"
    return f"""
WITH c AS (
    SELECT control_key, declaration_id, version, item_no, outcome, selection, extra_revenue,
           critical, CAST(controlled_at AS DATE) AS controlled_date
    FROM fact_control),
one AS (
    SELECT declaration_id, version, min(control_key) AS control_key
    FROM c GROUP BY declaration_id, version HAVING count(*) = 1),
i AS (SELECT * FROM fact_item WHERE {where})
SELECT {cols},
    {day_number("i.lodged_date", backend)} AS day,
    count(*) OVER (PARTITION BY i.declaration_id, i.version) AS n_items,
    CASE WHEN i.unit_value > 0 THEN ln(i.unit_value) END AS luv,
    CASE WHEN i.quantity > 0 AND coalesce(i.net_mass_kg, i.gross_mass_kg) > 0
         THEN ln(i.quantity / coalesce(i.net_mass_kg, i.gross_mass_kg)) END AS lqpk,
    CASE WHEN i.customs_value > 0 AND i.duty_amount >= 0
         THEN i.duty_amount / i.customs_value ELSE i.duty_rate END AS erate,
    u.control_key AS unit_id,
    CASE WHEN u.outcome IS NULL THEN NULL
         WHEN u.outcome IN ('irregularity', 'seizure') THEN 1 ELSE 0 END AS fraud,
    CASE WHEN own.control_key IS NOT NULL THEN coalesce(own.extra_revenue, 0) END AS revenue,
    u.extra_revenue AS unit_revenue,
    coalesce(u.critical, FALSE) AS critical,
    u.selection AS selection,
    {label_date} AS label_date,
    {day_number(label_date, backend)} AS label_day
FROM i
LEFT JOIN c AS own ON own.declaration_id = i.declaration_id AND own.version = i.version
    AND own.item_no = i.item_no
LEFT JOIN one ON one.declaration_id = i.declaration_id AND one.version = i.version
LEFT JOIN c AS u ON u.control_key = coalesce(own.control_key, one.control_key)"""


def _keys(cols: tuple[str, ...], alias: str = "") -> str:
    return ", ".join(f"{alias}{c}" for c in cols)


def _not_null(cols: tuple[str, ...]) -> str:
    return " AND ".join(f"{c} IS NOT NULL" for c in cols)


def entity_day_sql(name: str, items: str = ITEMS) -> str:
    """Per key and day: items lodged, labels that became known, and their decayed weights."""
    cols = ENTITIES[name][0]
    k, nn = _keys(cols), _not_null(cols)
    # DOUBLE before dividing: Spark would otherwise divide as DECIMAL and round the exponent
    weight = f"exp(CAST(d - {DECAY_EPOCH} AS DOUBLE) / {DECAY_DAYS})"
    return f"""
WITH a AS (
    SELECT {k}, day AS d, CAST(1 AS DOUBLE) AS n, CAST(0 AS DOUBLE) AS c,
        CAST(0 AS DOUBLE) AS f, CAST(0 AS DOUBLE) AS r
    FROM {items} WHERE {nn}
    UNION ALL
    SELECT {k}, label_day AS d, CAST(0 AS DOUBLE), CAST(1 AS DOUBLE), CAST(fraud AS DOUBLE),
        CAST(coalesce(revenue, 0) AS DOUBLE)
    FROM {items} WHERE {nn} AND fraud IS NOT NULL)
SELECT {k}, d, sum(n) AS n, sum(c) AS c, sum(f) AS f, sum(r) AS r,
    sum(c * {weight}) AS dc, sum(f * {weight}) AS df
FROM a GROUP BY {k}, d"""


def entity_window_sql(name: str) -> str:
    """Per key and day: the totals of every earlier day (strictly before it)."""
    k = _keys(ENTITIES[name][0])
    sums = ", ".join(f"sum({s}) OVER w AS {s}" for s in ENTITY_STATS[:-1])
    return f"""
SELECT {k}, d, {sums}, min(CASE WHEN n > 0 THEN d END) OVER w AS first
FROM day_e_{name}
WINDOW w AS (PARTITION BY {k} ORDER BY d RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)"""


def _quantile(measure: str, q: float, backend: str) -> str:
    if backend == "spark":
        return f"percentile({measure}, {q})"
    return f"quantile_cont({measure}, {q})"


def reference_window_sql(name: str, items: str = ITEMS, backend: str = "duckdb") -> str:
    """Per key and day: quartiles of the measure over the items of every earlier day."""
    cols, measure = REFERENCES[name]
    k = _keys(cols)
    stats = ", ".join(
        f"{_quantile(measure, q, backend)} OVER w AS q{int(q * 100)}" for q in (0.25, 0.5, 0.75)
    )
    return f"""
SELECT DISTINCT {k}, day AS d, {stats}, CAST(count({measure}) OVER w AS DOUBLE) AS m
FROM (SELECT * FROM {items} WHERE {_not_null(cols)} AND {measure} IS NOT NULL
      AND NOT isnan({measure}))
WINDOW w AS (PARTITION BY {k} ORDER BY day RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)"""


def _tables() -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    out: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
        f"e_{n}": (spec[0], ENTITY_STATS) for n, spec in ENTITIES.items()
    }
    out.update({f"g_{n}": (spec[0], REFERENCE_STATS) for n, spec in REFERENCES.items()})
    return out


def create_table(warehouse: Warehouse, name: str, query: str, *, cache: bool = False) -> None:
    """A session table of the query's rows: a DuckDB temp table, a Spark temp view.

    On Spark only ``cache`` views are computed at once and kept: caching each of the forty
    running-total views ran one job apiece, which cost far more than reading them in the
    one query that joins them.
    """
    if warehouse.backend == "spark":
        warehouse.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {query}")
        if cache:
            warehouse.execute(f"CACHE TABLE {name}")
    else:
        warehouse.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {query}")


def build_cum(warehouse: Warehouse, items: str = ITEMS) -> None:
    """Create the per-day tables ``day_e_*`` and the as-of tables ``cum_e_*``, ``cum_g_*``."""
    for name in ENTITIES:
        create_table(warehouse, f"day_e_{name}", entity_day_sql(name, items))
        create_table(warehouse, f"cum_e_{name}", entity_window_sql(name))
    for name in REFERENCES:
        create_table(
            warehouse, f"cum_g_{name}", reference_window_sql(name, items, warehouse.backend)
        )


NUMBER_KEYS = ("net_mass_kg", "customs_value")  # key columns holding numbers, not text
SLOTS = ("t0", "t1", "t2", "x0", "x1")  # text and number key slots of the stacked history


def _slots(cols: tuple[str, ...]) -> dict[str, str]:
    text = [c for c in cols if c not in NUMBER_KEYS]
    numbers = [c for c in cols if c in NUMBER_KEYS]
    return {c: f"t{i}" for i, c in enumerate(text)} | {c: f"x{i}" for i, c in enumerate(numbers)}


def _slot_list(cols: tuple[str, ...]) -> str:
    by_slot = {slot: col for col, slot in _slots(cols).items()}
    return ", ".join(
        f"{by_slot[slot]} AS {slot}"
        if slot in by_slot
        else f"CAST(NULL AS {'DOUBLE' if slot[0] == 'x' else 'STRING'}) AS {slot}"
        for slot in SLOTS
    )


def _stacked(
    warehouse: Warehouse, parts: dict[str, tuple[tuple[str, ...], str]], stats: tuple[str, ...]
) -> dict[str, pa.Table]:
    """Run one ``UNION ALL`` of per-table aggregates (``parts``: table -> key columns and the
    ``<stats> FROM … GROUP BY`` text) and split it back into tables sorted by their keys.

    One query instead of one per table: on Spark each query costs seconds whatever its size.
    """
    union = " UNION ALL ".join(
        f"SELECT '{table}' AS part, {_slot_list(cols)}, {body}"
        for table, (cols, body) in parts.items()
    )
    stacked = warehouse.sql(union)
    out = {}
    for table, (cols, _body) in parts.items():
        rows = stacked.filter(pc.equal(stacked.column("part"), table))
        slots = _slots(cols)
        columns = {c: rows.column(slots[c]) for c in cols} | {s: rows.column(s) for s in stats}
        out[table] = pa.table(columns).sort_by([(c, "ascending") for c in cols])
    return out


def materialise(warehouse: Warehouse, cutoff: date, items: str = ITEMS) -> dict[str, pa.Table]:
    """The history a model keeps: each key's totals as of ``cutoff`` (inclusive)."""
    last = day_number("DATE '" + cutoff.isoformat() + "'", warehouse.backend)
    sums = ", ".join(f"sum({s}) AS {s}" for s in ENTITY_STATS[:-1])
    entities = {
        f"e_{name}": (
            cols,
            f"{sums}, min(CASE WHEN n > 0 THEN d END) AS first FROM day_e_{name} "
            f"WHERE d <= {last} GROUP BY {_keys(cols)}",
        )
        for name, (cols, _parent) in ENTITIES.items()
    }
    references = {}
    for name, (cols, measure) in REFERENCES.items():
        stats = ", ".join(
            f"{_quantile(measure, q, warehouse.backend)} AS q{int(q * 100)}"
            for q in (0.25, 0.5, 0.75)
        )
        references[f"g_{name}"] = (
            cols,
            f"{stats}, CAST(count({measure}) AS DOUBLE) AS m FROM {items} "
            f"WHERE day <= {last} AND {_not_null(cols)} AND {measure} IS NOT NULL "
            f"AND NOT isnan({measure}) GROUP BY {_keys(cols)}",
        )
    return _stacked(warehouse, entities, ENTITY_STATS) | _stacked(
        warehouse, references, REFERENCE_STATS
    )


def raw_columns() -> list[str]:
    """Names of the history columns every scored row carries."""
    return [f"{t}__{s}" for t, (_c, stats) in _tables().items() for s in stats]


def features_sql(rows: str, *, asof: bool) -> str:
    """Item rows of ``rows`` with every history column.

    With ``asof`` the columns come from the totals strictly before each row's day (training);
    otherwise from the materialised history tables ``hist_*`` (scoring).
    """
    selects, joins = [], []
    for table, (cols, stats) in _tables().items():
        alias = f"j_{table}"
        on = " AND ".join(f"r.{c} = {alias}.{c}" for c in cols)
        if asof:
            joins.append(f"LEFT JOIN cum_{table} {alias} ON {on} AND r.day = {alias}.d")
        else:
            joins.append(f"LEFT JOIN hist_{table} {alias} ON {on}")
        selects += [f"{alias}.{s} AS {table}__{s}" for s in stats]
    # a fixed row order: training and evaluation do not depend on how the join was parallelised
    order = "r.lodged_date, r.declaration_id, r.version, r.item_no"
    return f"SELECT r.*, {', '.join(selects)} FROM {rows} r {' '.join(joins)} ORDER BY {order}"
