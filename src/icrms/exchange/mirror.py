"""Mirror analysis: partners' export declarations matched to our imports, and the gaps between them.

Matching, per import declaration, first of: the same transport document from the same country of
export; else the same first container, exported 0-60 days before lodgement; else the same parties
(our importer is their consignee, our seller their exporter), item count and gross mass (within
5 %), exported 0-45 days before (only where the agreement shares trader identities); the nearest
in time first, then by export declaration id and issuer. Items pair by item number (an item
number the export declaration repeats pairs with nothing). Gaps per item, in USD at the
customs rate of each side's date: ``mirror_value_ratio`` (our customs value / their statistical
value: CIF over FOB, so about 1.0-1.25 when honest), ``mirror_mass_ratio``,
``mirror_quantity_ratio``, ``mirror_hs6_mismatch``, ``mirror_origin_mismatch`` (the fields of
``declarations.fields.MIRROR_FIELDS``, usable in profile criteria). Runs on DuckDB: in the
warehouse's own connection, or in memory over given item rows (:func:`item_fields`) for a Spark
warehouse, with the same SQL; a live declaration gets them from :mod:`icrms.exchange.mirror_one`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import duckdb
import pyarrow as pa

from icrms.declarations.fields import ITEM_KEY, MIRROR_COLUMNS, mirror_schema
from icrms.exchange import stix
from icrms.generator.partner_exports import SCHEMA as EXPORT_SCHEMA
from icrms.warehouse.base import Warehouse

EXPORTS = pa.unify_schemas([pa.schema([("issuer", pa.string())]), EXPORT_SCHEMA])
MATCH_METHODS = ("document", "container", "parties")
# the item columns that matching and the gaps read
ITEM_COLUMNS = (
    *ITEM_KEY,
    "lodged_at",
    "lodged_date",
    "country_of_export",
    "transport_document",
    "containers",
    "importer_id",
    "seller_id",
    "currency",
    "hs6",
    "country_of_origin",
    "quantity",
    "net_mass_kg",
    "gross_mass_kg",
    "customs_value",
)


def exports_from_objects(issuer_objects: Iterable[tuple[str, dict[str, Any]]]) -> pa.Table:
    """Flat export item rows from received pre-arrival objects ((issuer, object) pairs)."""
    rows: list[dict[str, Any]] = []
    for issuer, obj in issuer_objects:
        head = {
            "issuer": issuer,
            "export_declaration_id": obj["export_declaration_id"],
            "exported_at": obj["exported_at"],
            "country_of_export": obj["country_of_export"],
            "country_of_destination": obj["country_of_destination"],
            "transport_mode": obj.get("transport_mode"),
            "transport_document": obj.get("transport_document"),
            "containers": ";".join(obj.get("containers", [])) or None,
            "currency": obj["currency"],
            "exporter_id": obj.get("exporter_id"),
            "consignee_id": obj.get("consignee_id"),
        }
        for item in obj["items"]:
            rows.append({**head, **{k: item.get(k) for k in EXPORT_SCHEMA.names if k in item}})
    return pa.Table.from_pylist(rows, schema=EXPORTS)


def export_objects(table: pa.Table) -> list[dict[str, Any]]:
    """Group flat export item rows (the generator's file) into pre-arrival bodies."""
    heads: dict[str, dict[str, Any]] = {}
    for row in table.to_pylist():
        key = row["export_declaration_id"]
        head = heads.get(key)
        if head is None:
            head = {
                k: row[k]
                for k in (
                    "export_declaration_id",
                    "exported_at",
                    "country_of_export",
                    "country_of_destination",
                    "transport_mode",
                    "transport_document",
                    "currency",
                    "exporter_id",
                    "consignee_id",
                )
                if row.get(k) is not None
            }
            head["exported_at"] = stix.parse_timestamp(str(row["exported_at"]))
            if row.get("containers"):
                head["containers"] = str(row["containers"]).split(";")
            head["items"] = []
            heads[key] = head
        head["items"].append(
            {
                k: row[k]
                for k in (
                    "item_no",
                    "hs_code",
                    "description",
                    "country_of_origin",
                    "quantity",
                    "quantity_unit",
                    "net_mass_kg",
                    "gross_mass_kg",
                    "statistical_value",
                )
                if row.get(k) is not None
            }
        )
    return list(heads.values())


def register(warehouse: Warehouse, exports: pa.Table, rates: pa.Table) -> None:
    """Make partner exports and rates queryable as ``mirror_exports`` and ``mirror_rates``."""
    prepare(warehouse.register, warehouse.execute, exports, rates)


def prepare(register: Any, execute: Any, exports: pa.Table, rates: pa.Table) -> None:
    """:func:`register` for any DuckDB-like pair of ``register`` and ``execute`` callables."""
    if "issuer" not in exports.column_names:
        exports = exports.append_column("issuer", pa.array(["?"] * exports.num_rows, pa.string()))
    register("mirror_exports_raw", exports)
    register("mirror_rates", rates)
    execute(
        """CREATE OR REPLACE TEMP TABLE mirror_exports AS
        SELECT *, CAST(exported_at AS TIMESTAMPTZ) AS exported_ts, substr(hs_code, 1, 6) AS hs6,
               split_part(containers, ';', 1) AS first_container
        FROM mirror_exports_raw"""
    )


def match_sql(items: str = "fact_item") -> str:
    """One partner export declaration per import declaration (the best match), as SQL."""
    return f"""
WITH ih AS (
    SELECT declaration_id, version, any_value(country_of_export) AS country_of_export,
           any_value(transport_document) AS transport_document,
           split_part(any_value(containers), ';', 1) AS first_container,
           any_value(importer_id) AS importer_id, any_value(seller_id) AS seller_id,
           any_value(lodged_at) AS lodged_at, count(*) AS n_items, sum(gross_mass_kg) AS gross
    FROM {items} GROUP BY declaration_id, version),
eh AS (
    SELECT issuer, export_declaration_id, any_value(country_of_export) AS country_of_export,
           any_value(transport_document) AS transport_document,
           any_value(first_container) AS first_container, any_value(consignee_id) AS consignee_id,
           any_value(exporter_id) AS exporter_id, any_value(exported_ts) AS exported_ts,
           count(*) AS n_items, sum(gross_mass_kg) AS gross
    FROM mirror_exports GROUP BY issuer, export_declaration_id),
c AS (
    SELECT ih.declaration_id, ih.version, eh.issuer, eh.export_declaration_id, 1 AS rank,
           abs(epoch_us(ih.lodged_at) - epoch_us(eh.exported_ts)) AS apart
    FROM ih JOIN eh ON ih.transport_document = eh.transport_document
        AND ih.country_of_export = eh.country_of_export
    UNION ALL
    SELECT ih.declaration_id, ih.version, eh.issuer, eh.export_declaration_id, 2,
           abs(epoch_us(ih.lodged_at) - epoch_us(eh.exported_ts))
    FROM ih JOIN eh ON ih.first_container = eh.first_container
        AND eh.exported_ts BETWEEN ih.lodged_at - INTERVAL 60 DAY AND ih.lodged_at
    UNION ALL
    SELECT ih.declaration_id, ih.version, eh.issuer, eh.export_declaration_id, 3,
           abs(epoch_us(ih.lodged_at) - epoch_us(eh.exported_ts))
    FROM ih JOIN eh ON ih.importer_id = eh.consignee_id AND ih.seller_id = eh.exporter_id
        AND ih.country_of_export = eh.country_of_export AND ih.n_items = eh.n_items
        AND abs(ih.gross / eh.gross - 1) <= 0.05
        AND eh.exported_ts BETWEEN ih.lodged_at - INTERVAL 45 DAY AND ih.lodged_at)
SELECT declaration_id, version, issuer, export_declaration_id,
       ['document', 'container', 'parties'][rank] AS match_method
FROM (SELECT *, row_number() OVER (PARTITION BY declaration_id, version
                                   ORDER BY rank, apart, export_declaration_id, issuer) AS n
      FROM c)
WHERE n = 1"""


def gaps_sql(items: str = "fact_item") -> str:
    """Item-level mirror gaps of every matched import item, as SQL."""
    return f"""
WITH m AS ({match_sql(items)}),
i AS (SELECT i.declaration_id, i.version, i.item_no, i.lodged_date, i.currency, i.customs_value,
             i.net_mass_kg, i.quantity, i.hs6, i.country_of_origin, m.issuer,
             m.export_declaration_id, m.match_method
      FROM {items} i JOIN m USING (declaration_id, version)),
p AS (SELECT i.*, e.hs6 AS export_hs6, e.country_of_origin AS export_origin,
             e.net_mass_kg AS export_mass, e.quantity AS export_quantity,
             e.statistical_value, e.currency AS export_currency,
             CAST(e.exported_ts AS DATE) AS exported_date
      FROM i JOIN (SELECT * FROM mirror_exports QUALIFY count(*) OVER (
                       PARTITION BY issuer, export_declaration_id, item_no) = 1) e
          ON e.issuer = i.issuer
          AND e.export_declaration_id = i.export_declaration_id AND e.item_no = i.item_no),
ri AS (SELECT p.*, r.usd_per_unit AS import_rate FROM p
       ASOF LEFT JOIN mirror_rates r ON r.currency = p.currency AND p.lodged_date >= r.valid_from),
re AS (SELECT ri.*, r.usd_per_unit AS export_rate FROM ri
       ASOF LEFT JOIN mirror_rates r ON r.currency = ri.export_currency
           AND ri.exported_date >= r.valid_from)
SELECT declaration_id, version, item_no, issuer, export_declaration_id, match_method,
       customs_value * import_rate AS import_value_usd,
       statistical_value * export_rate AS export_value_usd,
       CASE WHEN statistical_value * export_rate > 0
            THEN customs_value * import_rate / (statistical_value * export_rate) END
           AS mirror_value_ratio,
       CASE WHEN export_mass > 0 THEN net_mass_kg / export_mass END AS mirror_mass_ratio,
       CASE WHEN export_quantity > 0 THEN quantity / export_quantity END AS mirror_quantity_ratio,
       hs6 <> export_hs6 AS mirror_hs6_mismatch,
       country_of_origin <> export_origin AS mirror_origin_mismatch,
       hs6, export_hs6, country_of_origin, export_origin
FROM re"""


def item_fields_sql(items: str = "fact_item") -> str:
    """The mirror fields of every matched item (key and fields only), as SQL."""
    return f"SELECT {', '.join(ITEM_KEY + MIRROR_COLUMNS)} FROM ({gaps_sql(items)}) g"


def item_fields(items: pa.Table, exports: pa.Table, rates: pa.Table) -> pa.Table:
    """The mirror fields of the given item rows (:data:`ITEM_COLUMNS`), computed by DuckDB in memory.

    Only matched items have a row; the same SQL as :func:`compute`, so a live declaration and a
    Spark warehouse get the fields the DuckDB warehouse gets.
    """
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.register("mirror_items", items.select(list(ITEM_COLUMNS)))
        prepare(con.register, con.execute, exports, rates)
        found = con.execute(item_fields_sql("mirror_items")).fetch_arrow_table()
    finally:
        con.close()
    return found.cast(mirror_schema())


def compute(
    warehouse: Warehouse, exports: pa.Table, rates: pa.Table, items: str = "fact_item"
) -> None:
    """Match and compute gaps into the temporary table ``mirror_item``."""
    register(warehouse, exports, rates)
    warehouse.execute(f"CREATE OR REPLACE TEMP TABLE mirror_item AS {gaps_sql(items)}")


def summary(warehouse: Warehouse, items: str = "fact_item") -> dict[str, Any]:
    """How many imports and partner exports were matched, and how."""
    total = warehouse.sql(
        f"SELECT count(*) AS n FROM (SELECT DISTINCT declaration_id, version FROM {items}) d"
    ).to_pylist()[0]["n"]
    by_method = warehouse.sql(
        "SELECT match_method, count(DISTINCT declaration_id) AS n FROM mirror_item GROUP BY ALL ORDER BY ALL"
    ).to_pylist()
    exports = warehouse.sql(
        "SELECT count(DISTINCT export_declaration_id) AS n FROM mirror_exports"
    ).to_pylist()[0]["n"]
    return {
        "import_declarations": int(total),
        "partner_export_declarations": int(exports),
        "matched": {r["match_method"]: int(r["n"]) for r in by_method},
        "items_compared": int(
            warehouse.sql("SELECT count(*) AS n FROM mirror_item").to_pylist()[0]["n"]
        ),
    }


def largest_gaps(warehouse: Warehouse, *, top: int = 20) -> list[dict[str, Any]]:
    """The items whose declared value falls furthest below the partner's, in USD, with their other gaps."""
    return warehouse.sql(
        f"""SELECT declaration_id, item_no, issuer, export_declaration_id, match_method,
                   round(import_value_usd, 2) AS import_value_usd,
                   round(export_value_usd, 2) AS export_value_usd,
                   round(export_value_usd - import_value_usd, 2) AS shortfall_usd,
                   round(mirror_value_ratio, 3) AS mirror_value_ratio,
                   round(mirror_mass_ratio, 3) AS mirror_mass_ratio,
                   round(mirror_quantity_ratio, 3) AS mirror_quantity_ratio,
                   mirror_hs6_mismatch, hs6, export_hs6, mirror_origin_mismatch
            FROM mirror_item WHERE export_value_usd IS NOT NULL AND import_value_usd IS NOT NULL
            ORDER BY export_value_usd - import_value_usd DESC, declaration_id, item_no
            LIMIT {int(top)}"""
    ).to_pylist()
