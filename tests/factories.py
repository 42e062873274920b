"""Builders of realistic test rows in the native flat format."""

from __future__ import annotations

import csv
from pathlib import Path

from icrms.declarations.fields import CONTROL_COLUMNS, NATIVE_COLUMNS

COLUMNS = list(NATIVE_COLUMNS + CONTROL_COLUMNS)


def native_row(n: int = 1, **overrides: str) -> dict[str, str]:
    """One item row as text, the way a CSV file carries it."""
    row = {c: "" for c in COLUMNS}
    row.update(
        declaration_id=f"2026-0042-{n:06d}",
        version="1",
        lodged_at="2026-03-02T09:14:00+09:00",
        office_code="0042",
        procedure="4000",
        declarant_id="BRK-77",
        importer_id=f"TIN-{553200 + n % 7}",
        seller_id="SUP-1190",
        country_of_export="CN",
        transport_mode="1",
        transport_document="MSKU1234565-BL",
        containers="CSQU3054383",
        currency="USD",
        aeo="false",
        item_no="1",
        hs_code="8517130000",
        description="smartphones",
        country_of_origin="CN",
        preference="MFN",
        quantity="500",
        quantity_unit="PCE",
        net_mass_kg="110.0",
        gross_mass_kg="120.0",
        customs_value=str(41000.0 + n),
        duty_rate="0.0",
        duty_amount="0.0",
    )
    row.update(overrides)
    return row


def write_csv(path: Path, rows: list[dict[str, str]], columns: list[str] | None = None) -> Path:
    """Write rows with a header line."""
    columns = columns or COLUMNS
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path
