"""Customs Import Declaration Datasets (KCS synthetic data, Jeong et al. 2022) columns.

Each row is one goods item of its own declaration. Every row was inspected: Fraud and Critical
Fraud load as control results (selection basis unknown). Item Price is in KRW. Of the KCS
transport codes only 10 (sea) and 40 (air) have a known UN Rec. 19 equivalent; other codes are
kept as ``KCS:<code>``.
"""

from __future__ import annotations

from icrms.declarations.parsers.base import Adapter, q, text

_SOURCES = {
    "declaration_id": "Declaration ID",
    "lodged_at": "Date",
    "office_code": "Office ID",
    "declaration_type": "Process Type",
    "procedure": "Import Type",
    "import_use": "Import Use",
    "payment_method": "Payment Type",
    "transport_mode": "Mode of Transport",
    "declarant_id": "Declarant ID",
    "importer_id": "Importer ID",
    "seller_id": "Seller ID",
    "courier_id": "Courier ID",
    "hs_code": "HS6 Code",
    "country_of_export": "Country of Departure",
    "country_of_origin": "Country of Origin",
    "duty_rate": "Tax Rate",
    "preference": "Tax Type",
    "origin_marking": "Country of Origin Indicator",
    "net_mass_kg": "Net Mass",
    "customs_value": "Item Price",
    "control_outcome": "Fraud",
    "critical": "Critical Fraud",
}

_MODE = text("Mode of Transport")
_FIELDS = {native: text(source) for native, source in _SOURCES.items()}
_FIELDS.update(
    {
        "version": "'1'",
        "item_no": "'1'",
        "currency": "'KRW'",
        "transport_mode": f"CASE {_MODE} WHEN '10' THEN '1' WHEN '40' THEN '4' "
        f"ELSE 'KCS:' || {_MODE} END",
        "duty_rate": f"COALESCE(CAST(TRY_CAST({text('Tax Rate')} AS DOUBLE) / 100 AS VARCHAR), "
        f"{text('Tax Rate')})",
        "control_outcome": f"CASE {text('Fraud')} WHEN '1' THEN 'irregularity' "
        f"WHEN '0' THEN 'no_finding' ELSE {q('Fraud')} END",
        "control_selection": "'unknown'",
        "critical": f"CASE {text('Critical Fraud')} WHEN '2' THEN 'true' "
        f"WHEN '1' THEN 'false' WHEN '0' THEN 'false' ELSE {q('Critical Fraud')} END",
    }
)

KCS = Adapter(
    name="kcs",
    required=tuple(_SOURCES.values()),
    fields=_FIELDS,
    sources=_SOURCES,
    date_format="%Y-%m-%d",
    timezone_setting="kcs_timezone",
    notes=__doc__ or "",
)
