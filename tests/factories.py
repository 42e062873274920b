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


def declaration_json(n: int = 1, items: int = 1, **header: object) -> dict[str, object]:
    """A live declaration as the clearance system sends it (JSON-ready)."""
    body: dict[str, object] = {
        "declaration_id": f"2026-0042-{n:06d}",
        "version": 1,
        "lodged_at": "2026-03-02T09:14:00+09:00",
        "office_code": "0042",
        "procedure": "4000",
        "declarant_id": "BRK-77",
        "importer_id": f"TIN-{553200 + n % 7}",
        "seller_id": "SUP-1190",
        "country_of_export": "CN",
        "transport_mode": "1",
        "transport_document": "MSKU1234565-BL",
        "containers": ["CSQU3054383"],
        "currency": "USD",
        "aeo": False,
        "items": [
            {
                "item_no": i + 1,
                "hs_code": "8517130000",
                "description": "smartphones",
                "country_of_origin": "CN",
                "preference": "MFN",
                "quantity": 500,
                "quantity_unit": "PCE",
                "net_mass_kg": 110.0,
                "customs_value": 41000.0 + n,
                "duty_rate": 0.0,
                "duty_amount": 0.0,
            }
            for i in range(items)
        ],
    }
    body.update(header)
    return body


def seed_rules(store: object) -> None:
    """An active phones profile (revenue, score 40) and a red trader watchlist with TIN-553201."""
    from icrms.profiles import service as profiles
    from icrms.profiles import watchlists
    from icrms.profiles.schemas import EntryCreate, ProfileCreate, WatchlistCreate

    with store.session() as s:  # type: ignore[attr-defined]
        profiles.add_profile(
            s,
            profile=ProfileCreate(
                code="REV-PHONES",
                name="Cheap phones",
                purpose="Smartphones far below the usual unit value",
                category="revenue",
                criteria="hs6 = '851713' AND unit_value < 400",
                score=40,
            ),
            actor="seed",
        )
        profiles.set_status(s, code="REV-PHONES", status="active", approved_by="seed-2")
        watchlists.create_watchlist(
            s,
            watchlist=WatchlistCreate(
                name="seizures", kind="trader", purpose="seized before", min_channel="red"
            ),
        )
        watchlists.add_entry(
            s, list_name="seizures", entry=EntryCreate(value="TIN-553201", reason="seizure 2025")
        )
