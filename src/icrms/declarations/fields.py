"""The declaration's fields, one row per item: the native flat format and the warehouse's fact_item.

Names follow the WCO Data Model where it has one (see docs/formats.md). This module is the single
list that the pydantic model, the ingest validation, the warehouse schema and the generator use.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa


@dataclass(frozen=True)
class Field:
    """One column of the flat format."""

    name: str
    type: pa.DataType
    required: bool = False
    doc: str = ""


UTC_TS = pa.timestamp("us", tz="UTC")

HEADER_FIELDS: tuple[Field, ...] = (
    Field("declaration_id", pa.string(), True, "unique reference of the declaration (LRN/MRN)"),
    Field("version", pa.int32(), False, "amendment number, 1 for the original lodgement"),
    Field("lodged_at", UTC_TS, True, "lodgement time, ISO 8601 with a UTC offset"),
    Field("office_code", pa.string(), True, "customs office of lodgement"),
    Field("declaration_type", pa.string(), False, "declaration/processing type (KCS process type)"),
    Field("procedure", pa.string(), False, "customs procedure code (KCS import type)"),
    Field("import_use", pa.string(), False, "intended use of the goods (KCS import use)"),
    Field("payment_method", pa.string(), False, "method of payment of duties"),
    Field("declarant_id", pa.string(), False, "declarant or customs broker"),
    Field("importer_id", pa.string(), True, "importer (consignee) identification"),
    Field("seller_id", pa.string(), False, "seller / overseas supplier"),
    Field("courier_id", pa.string(), False, "express carrier, if any"),
    Field(
        "country_of_export", pa.string(), False, "country of export/departure, ISO 3166-1 alpha-2"
    ),
    Field(
        "transport_mode", pa.string(), False, "mode of transport at the border, UN Rec. 19 (0-9)"
    ),
    Field("transport_document", pa.string(), False, "bill of lading / air waybill reference"),
    Field("containers", pa.string(), False, "ISO 6346 container numbers separated by ';'"),
    Field("currency", pa.string(), False, "invoice currency, ISO 4217"),
    Field("aeo", pa.bool_(), False, "importer is an Authorised Economic Operator"),
)

ITEM_FIELDS: tuple[Field, ...] = (
    Field("item_no", pa.int32(), True, "goods item number within the declaration, from 1"),
    Field("hs_code", pa.string(), True, "HS commodity code, 6 to 10 digits"),
    Field("description", pa.string(), False, "description of goods"),
    Field("country_of_origin", pa.string(), False, "country of origin, ISO 3166-1 alpha-2"),
    Field("origin_marking", pa.string(), False, "how origin is indicated (KCS origin indicator)"),
    Field("preference", pa.string(), False, "tariff preference / tax type claimed"),
    Field("quantity", pa.float64(), False, "quantity in the supplementary unit"),
    Field("quantity_unit", pa.string(), False, "unit of quantity (UN/ECE Rec. 20)"),
    Field("net_mass_kg", pa.float64(), False, "net mass in kg"),
    Field("gross_mass_kg", pa.float64(), False, "gross mass in kg"),
    Field("customs_value", pa.float64(), False, "customs (CIF) value in the declaration currency"),
    Field("fob_value", pa.float64(), False, "FOB value, where declared"),
    Field("duty_rate", pa.float64(), False, "duty rate as a fraction (0.08 = 8 %)"),
    Field("duty_amount", pa.float64(), False, "duty (total taxes) declared"),
)

DERIVED_FIELDS: tuple[Field, ...] = (
    Field("lodged_date", pa.date32(), False, "local date of lodgement (as declared)"),
    Field("hs2", pa.string(), False, "HS chapter"),
    Field("hs4", pa.string(), False, "HS heading"),
    Field("hs6", pa.string(), False, "HS subheading"),
    Field("unit_value", pa.float64(), False, "customs value / net mass (NULL without mass)"),
)

# Mirror gaps per item: what a partner's export declaration (pre-arrival data) for the same
# shipment says against what we were told (docs/exchange.md, "Mirror analysis"). Not columns of
# the declaration: known from the partner data stored when the declaration is assessed, NULL
# when no export declaration matches (docs/rules.md, "Mirror fields").
MIRROR_FIELDS: tuple[Field, ...] = (
    Field(
        "mirror_value_ratio",
        pa.float64(),
        False,
        "customs value / the partner's statistical value, both in USD (CIF over FOB: ~1.0-1.25)",
    ),
    Field("mirror_mass_ratio", pa.float64(), False, "net mass / the partner's net mass"),
    Field("mirror_quantity_ratio", pa.float64(), False, "quantity / the partner's quantity"),
    Field("mirror_hs6_mismatch", pa.bool_(), False, "HS6 differs from the partner's"),
    Field("mirror_origin_mismatch", pa.bool_(), False, "origin differs from the partner's"),
)
MIRROR_COLUMNS: tuple[str, ...] = tuple(f.name for f in MIRROR_FIELDS)

CONTROL_FIELDS: tuple[Field, ...] = (
    Field("control_outcome", pa.string(), False, "no_finding | irregularity | seizure"),
    Field("control_selection", pa.string(), False, "random | targeted | manual | unknown"),
    Field("controlled_at", UTC_TS, False, "when the control result was recorded"),
    Field("control_started_at", UTC_TS, False, "when the control began (officer assigned)"),
    Field("irregularity_types", pa.string(), False, "';'-separated irregularity types"),
    Field("extra_revenue", pa.float64(), False, "additional duty and taxes recovered"),
    Field("critical", pa.bool_(), False, "critical case (threat to public safety)"),
    Field("seizure_goods", pa.string(), False, "goods seized, if any"),
    Field("concealment", pa.string(), False, "concealment method, if any"),
    Field("modus_operandi", pa.string(), False, "modus operandi, if known"),
)

# Where the declaration stands in clearance, per declaration (repeated on every item row like
# the header): the milestones of the WCO Time Release Study besides lodgement and control.
CLEARANCE_FIELDS: tuple[Field, ...] = (
    Field("channel", pa.string(), False, "channel applied: green | yellow | red | blue"),
    Field("assessed_at", UTC_TS, False, "when the risk assessment gave the channel"),
    Field("released_at", UTC_TS, False, "when the goods were released (NULL: not released)"),
)

NATIVE_FIELDS: tuple[Field, ...] = HEADER_FIELDS + ITEM_FIELDS
NATIVE_COLUMNS: tuple[str, ...] = tuple(f.name for f in NATIVE_FIELDS)
CONTROL_COLUMNS: tuple[str, ...] = tuple(f.name for f in CONTROL_FIELDS)
CLEARANCE_COLUMNS: tuple[str, ...] = tuple(f.name for f in CLEARANCE_FIELDS)
REQUIRED_COLUMNS: tuple[str, ...] = tuple(f.name for f in NATIVE_FIELDS if f.required)
ITEM_KEY: tuple[str, ...] = ("declaration_id", "version", "item_no")

OUTCOMES = ("no_finding", "irregularity", "seizure")
SELECTIONS = ("random", "targeted", "manual", "unknown")
CHANNELS = ("green", "blue", "yellow", "red")
IRREGULARITY_TYPES = (
    "undervaluation",
    "misclassification",
    "false_origin",
    "quantity_weight",
    "prohibited_restricted",
    "ipr",
    "drugs",
    "other",
)


def arrow_schema(fields: tuple[Field, ...]) -> pa.Schema:
    """Arrow schema of a field tuple."""
    return pa.schema([pa.field(f.name, f.type) for f in fields])


def mirror_schema() -> pa.Schema:
    """A table of mirror fields: the item key, then the mirror fields."""
    return arrow_schema(tuple(f for f in NATIVE_FIELDS if f.name in ITEM_KEY) + MIRROR_FIELDS)
