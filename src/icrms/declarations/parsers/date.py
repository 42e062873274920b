"""The DATE / BACUDA synthetic schema: one row per item, every row labelled.

sgd.date is yy-mm-dd in the source time zone; country is the country of origin; cif.value is the
customs value and total.taxes the duty; illicit and revenue load as control results. DATE rows
carry no item number: item_no is the row's line in the file, unique within its declaration.
"""

from __future__ import annotations

from icrms.declarations.parsers.base import Adapter, text

_SOURCES = {
    "declaration_id": "sgd.id",
    "lodged_at": "sgd.date",
    "importer_id": "importer.id",
    "declarant_id": "declarant.id",
    "country_of_origin": "country",
    "office_code": "office.id",
    "hs_code": "tariff.code",
    "quantity": "quantity",
    "gross_mass_kg": "gross.weight",
    "fob_value": "fob.value",
    "customs_value": "cif.value",
    "duty_amount": "total.taxes",
    "control_outcome": "illicit",
    "extra_revenue": "revenue",
}

_FIELDS = {native: text(source) for native, source in _SOURCES.items()}
_FIELDS.update(
    {
        "version": "'1'",
        "item_no": "CAST(_row AS VARCHAR)",
        "control_outcome": f"CASE {text('illicit')} WHEN '1' THEN 'irregularity' "
        f"WHEN '0' THEN 'no_finding' ELSE {text('illicit')} END",
        "control_selection": "'unknown'",
    }
)

DATE = Adapter(
    name="date",
    required=tuple(_SOURCES.values()),
    fields=_FIELDS,
    sources=_SOURCES,
    date_format="%y-%m-%d",
    notes=__doc__ or "",
)
