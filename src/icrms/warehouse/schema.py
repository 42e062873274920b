"""The star schema: facts and dimensions with their keys, and the ingest bookkeeping tables.

Dimensions use durable natural keys (HS6, ISO country code, office code, trader id, yyyymmdd
date key) rather than surrogates, so loads stay idempotent and the same on every backend.
"""

from __future__ import annotations

import pyarrow as pa

from icrms.declarations.fields import (
    CLEARANCE_FIELDS,
    CONTROL_FIELDS,
    DERIVED_FIELDS,
    NATIVE_FIELDS,
    UTC_TS,
    arrow_schema,
)

LINEAGE = pa.schema([pa.field("date_key", pa.int32()), pa.field("source", pa.string())])

FACT_ITEM = pa.unify_schemas([arrow_schema(NATIVE_FIELDS + DERIVED_FIELDS), LINEAGE])

FACT_CONTROL = pa.schema(
    [
        pa.field("control_key", pa.string()),
        pa.field("declaration_id", pa.string()),
        pa.field("version", pa.int32()),
        pa.field("item_no", pa.int32()),
        pa.field("date_key", pa.int32()),
        pa.field("outcome", pa.string()),
        pa.field("selection", pa.string()),
        *[
            pa.field(f.name, f.type)
            for f in CONTROL_FIELDS
            if f.name not in ("control_outcome", "control_selection")
        ],
        pa.field("source", pa.string()),
    ]
)

# One row per declaration version: the header and its passage through clearance (the WCO Time
# Release Study milestones; control start and end are in fact_control). Files load it with their
# items; the store's ETL writes a live declaration once its release (or a seizure) is recorded.
FACT_DECLARATION = pa.schema(
    [
        pa.field("declaration_id", pa.string()),
        pa.field("version", pa.int32()),
        pa.field("date_key", pa.int32()),
        pa.field("lodged_at", UTC_TS),
        pa.field("office_code", pa.string()),
        pa.field("declaration_type", pa.string()),
        pa.field("procedure", pa.string()),
        pa.field("importer_id", pa.string()),
        pa.field("declarant_id", pa.string()),
        pa.field("country_of_export", pa.string()),
        pa.field("transport_mode", pa.string()),
        pa.field("aeo", pa.bool_()),
        *[pa.field(f.name, f.type) for f in CLEARANCE_FIELDS],
        pa.field("source", pa.string()),
    ]
)

DIM_DATE = pa.schema(
    [
        pa.field("date_key", pa.int32()),
        pa.field("date", pa.date32()),
        pa.field("year", pa.int32()),
        pa.field("quarter", pa.int32()),
        pa.field("month", pa.int32()),
        pa.field("iso_week", pa.int32()),
        pa.field("day_of_week", pa.int32()),
    ]
)
DIM_TRADER = pa.schema([pa.field("trader_id", pa.string()), pa.field("role", pa.string())])
DIM_HS = pa.schema(
    [
        pa.field("hs6", pa.string()),
        pa.field("hs4", pa.string()),
        pa.field("hs2", pa.string()),
        pa.field("section", pa.string()),
        pa.field("section_title", pa.string()),
        pa.field("chapter_title", pa.string()),
        pa.field("heading_title", pa.string()),
    ]
)
DIM_COUNTRY = pa.schema([pa.field("country_code", pa.string()), pa.field("name", pa.string())])
DIM_OFFICE = pa.schema([pa.field("office_code", pa.string())])
# Route: country of departure -> office of entry, by a mode of transport (UN Rec. 19).
DIM_ROUTE = pa.schema(
    [
        pa.field("route", pa.string()),
        pa.field("country_of_export", pa.string()),
        pa.field("office_code", pa.string()),
        pa.field("transport_mode", pa.string()),
        pa.field("mode_name", pa.string()),
    ]
)
DIM_PROFILE = pa.schema(
    [
        pa.field("code", pa.string()),
        pa.field("version", pa.int32()),
        pa.field("name", pa.string()),
        pa.field("category", pa.string()),
        pa.field("status", pa.string()),
        pa.field("criteria", pa.string()),
        pa.field("min_channel", pa.string()),
        pa.field("score", pa.int32()),
        pa.field("provenance", pa.string()),
        pa.field("created_at", UTC_TS),
    ]
)
DIM_IRREGULARITY = pa.schema(
    [pa.field("irregularity_type", pa.string()), pa.field("description", pa.string())]
)
DIM_CONCEALMENT = pa.schema([pa.field("concealment", pa.string())])
DIM_MODUS_OPERANDI = pa.schema([pa.field("modus_operandi", pa.string())])

INGEST_BATCH = pa.schema(
    [
        pa.field("source_id", pa.string()),
        pa.field("batch_no", pa.int32()),
        pa.field("file", pa.string()),
        pa.field("format", pa.string()),
        pa.field("rows_in", pa.int64()),
        pa.field("valid", pa.int64()),
        pa.field("new", pa.int64()),
        pa.field("quarantined", pa.int64()),
        pa.field("committed_at", UTC_TS),
    ]
)
QUARANTINE = pa.schema(
    [
        pa.field("source_id", pa.string()),
        pa.field("file", pa.string()),
        pa.field("format", pa.string()),
        pa.field("row", pa.int64()),
        pa.field("field", pa.string()),
        pa.field("value", pa.string()),
        pa.field("reason", pa.string()),
        pa.field("raw", pa.string()),
    ]
)
ASSESSMENT_KEY = [
    pa.field("declaration_id", pa.string()),
    pa.field("version", pa.int32()),
    pa.field("policy_version", pa.int32()),
    pa.field("profile_set_version", pa.int32()),
    pa.field("model_version", pa.string()),
]
FACT_ASSESSMENT = pa.schema(
    [
        *ASSESSMENT_KEY,
        pa.field("engine", pa.string()),
        pa.field("date_key", pa.int32()),
        pa.field("office_code", pa.string()),
        pa.field("channel", pa.string()),
        pa.field("score", pa.int32()),
        pa.field("random_selected", pa.bool_()),
        pa.field("reasons", pa.string()),
    ]
)
# One row per profile, watchlist, model or random draw that an assessment cites.
FACT_ASSESSMENT_REASON = pa.schema(
    [
        *ASSESSMENT_KEY,
        pa.field("date_key", pa.int32()),
        pa.field("kind", pa.string()),
        pa.field("code", pa.string()),
        pa.field("code_version", pa.int32()),
        pa.field("selected", pa.bool_()),
        pa.field("score", pa.int32()),
    ]
)
# Partner information accepted from the exchange inbox (a partner's seizure or alert): one row
# per threat segment it names (HS heading x country of departure x mode, '*' for any mode).
FACT_PARTNER_INFORMATION = pa.schema(
    [
        pa.field("inbox_item", pa.int64()),
        pa.field("hs4", pa.string()),
        pa.field("country_of_export", pa.string()),
        pa.field("transport_mode", pa.string()),
        pa.field("kind", pa.string()),
        pa.field("issuer", pa.string()),
        pa.field("reported_on", pa.date32()),  # seized on, or the alert's issue date
        pa.field("valid_until", pa.date32()),  # an alert's end of validity; seized on otherwise
        pa.field("reference", pa.string()),
    ]
)
ETL_STATE = pa.schema([pa.field("name", pa.string()), pa.field("seq", pa.int64())])

TABLES: dict[str, pa.Schema] = {
    "fact_item": FACT_ITEM,
    "fact_control": FACT_CONTROL,
    "dim_date": DIM_DATE,
    "dim_trader": DIM_TRADER,
    "dim_hs": DIM_HS,
    "dim_country": DIM_COUNTRY,
    "dim_office": DIM_OFFICE,
    "fact_declaration": FACT_DECLARATION,
    "dim_route": DIM_ROUTE,
    "dim_profile": DIM_PROFILE,
    "dim_irregularity": DIM_IRREGULARITY,
    "dim_concealment": DIM_CONCEALMENT,
    "dim_modus_operandi": DIM_MODUS_OPERANDI,
    "fact_assessment": FACT_ASSESSMENT,
    "fact_assessment_reason": FACT_ASSESSMENT_REASON,
    "fact_partner_information": FACT_PARTNER_INFORMATION,
    "ingest_batch": INGEST_BATCH,
    "quarantine": QUARANTINE,
    "etl_state": ETL_STATE,
}

# Columns that identify a row: loading a row whose key is present adds nothing.
KEYS: dict[str, tuple[str, ...]] = {
    "fact_item": ("declaration_id", "version", "item_no"),
    "fact_control": ("control_key",),
    "dim_date": ("date_key",),
    "dim_trader": ("trader_id", "role"),
    "dim_hs": ("hs6",),
    "dim_country": ("country_code",),
    "dim_office": ("office_code",),
    "fact_declaration": ("declaration_id", "version"),
    "dim_route": ("route",),
    "dim_profile": ("code", "version"),
    "dim_irregularity": ("irregularity_type",),
    "dim_concealment": ("concealment",),
    "dim_modus_operandi": ("modus_operandi",),
    "fact_assessment": (
        "declaration_id",
        "version",
        "policy_version",
        "profile_set_version",
        "model_version",
    ),
    "fact_assessment_reason": (
        "declaration_id",
        "version",
        "policy_version",
        "profile_set_version",
        "model_version",
        "kind",
        "code",
    ),
    "fact_partner_information": ("inbox_item", "hs4", "country_of_export", "transport_mode"),
    "quarantine": ("source_id", "row", "field", "reason"),
    "ingest_batch": ("source_id", "batch_no"),
}
