"""Builders of realistic warehouse rows (fact_item, fact_control, quarantine) for the contract suite.

Rows are deterministic functions of their index, so overlapping batches carry identical keys and
the expected answers can be computed in plain Python.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pyarrow as pa

from icrms.warehouse.schema import FACT_CONTROL, FACT_ITEM, QUARANTINE

# Lodgement times chosen to catch off-by-one-day/-hour and precision bugs: the last microsecond of
# a leap day, the end of a quarter, a date in ISO week 1 of the next year (2024-12-30, a Monday).
ANCHORS = (
    datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2024, 3, 31, 22, 15, 0, 1, tzinfo=UTC),
    datetime(2024, 7, 1, 0, 0, tzinfo=UTC),
    datetime(2024, 12, 30, 8, 30, 15, 250000, tzinfo=UTC),
    datetime(2025, 1, 2, 14, 5, 7, 123456, tzinfo=UTC),
)
HS_CODES = ("8517130000", "8471300000", "6109100010", "0901210000", "9503000090", "8703239010")
ORIGINS = ("CN", "DE", "VN", "US", "ZZ")
EXPORTS = ("CN", "HK", "KR")
OFFICES = ("0042", "0204")
OUTCOMES = ("no_finding", "irregularity", "seizure", "irregularity", "no_finding")
SOURCE = "contract-test"


def declaration_id(decl: int) -> str:
    """Declaration reference of the ``decl``-th declaration."""
    return f"2024-0042-{decl:06d}"


def item_row(i: int, *, version: int = 1) -> dict[str, object]:
    """The ``i``-th item: three items per declaration, some optional fields NULL."""
    decl = i // 3
    lodged_at = ANCHORS[decl % len(ANCHORS)] + timedelta(minutes=decl // len(ANCHORS))
    lodged_date = lodged_at.date()
    hs = HS_CODES[i % len(HS_CODES)]
    value = 250.0 + 12.5 * i
    mass = None if i % 7 == 6 else 10.0 + i
    return {
        "declaration_id": declaration_id(decl),
        "version": version,
        "lodged_at": lodged_at,
        "office_code": OFFICES[decl % len(OFFICES)],
        "declaration_type": "A",
        "procedure": "4000",
        "import_use": None,
        "payment_method": "11",
        "declarant_id": f"BRK-{decl % 2}",
        "importer_id": f"TIN-{553200 + decl % 4}",
        "seller_id": f"SUP-{decl % 5}",
        "courier_id": "EXP-01" if decl % 4 == 0 else None,
        "country_of_export": EXPORTS[decl % len(EXPORTS)],
        "transport_mode": "4" if decl % 2 else "1",
        "transport_document": f"MSKU{decl:07d}-BL",
        "containers": None,
        "currency": "USD",
        "aeo": (True, False, None)[decl % 3],
        "item_no": i % 3 + 1,
        "hs_code": hs,
        "description": None if i % 4 == 3 else f"goods {hs[:4]} (lot {i})",
        "country_of_origin": ORIGINS[i % len(ORIGINS)],
        "origin_marking": None,
        "preference": "MFN",
        "quantity": float(1 + i % 9),
        "quantity_unit": "PCE",
        "net_mass_kg": mass,
        "gross_mass_kg": None if mass is None else mass + 1.5,
        "customs_value": value,
        "fob_value": value - 20.0,
        "duty_rate": 0.08,
        "duty_amount": value * 0.08,
        "lodged_date": lodged_date,
        "hs2": hs[:2],
        "hs4": hs[:4],
        "hs6": hs[:6],
        "unit_value": None if mass is None else value / mass,
        "date_key": date_key(lodged_date),
        "source": SOURCE,
    }


def date_key(day: date) -> int:
    """The yyyymmdd key of a date."""
    return day.year * 10000 + day.month * 100 + day.day


def items(start: int, n: int, *, version: int = 1) -> pa.Table:
    """Items ``start`` .. ``start + n - 1`` as a fact_item table."""
    return pa.Table.from_pylist(
        [item_row(i, version=version) for i in range(start, start + n)], FACT_ITEM
    )


def controls(item_rows: pa.Table) -> pa.Table:
    """A control result for every third item of ``item_rows``."""
    out = []
    for k, item in enumerate(item_rows.to_pylist()):
        if k % 3:
            continue
        outcome = OUTCOMES[(item["item_no"] + k) % len(OUTCOMES)]
        key = f"{item['declaration_id']}/{item['version']}/{item['item_no']}"
        out.append(
            {
                "control_key": key,
                "declaration_id": item["declaration_id"],
                "version": item["version"],
                "item_no": item["item_no"],
                "date_key": item["date_key"],
                "outcome": outcome,
                "selection": "targeted" if k % 2 else "random",
                "controlled_at": item["lodged_at"] + timedelta(days=2, microseconds=7),
                "irregularity_types": "undervaluation" if outcome == "irregularity" else None,
                "extra_revenue": 100.0 + k if outcome != "no_finding" else None,
                "critical": outcome == "seizure",
                "seizure_goods": "counterfeit toys" if outcome == "seizure" else None,
                "concealment": None,
                "modus_operandi": None,
                "source": SOURCE,
            }
        )
    return pa.Table.from_pylist(out, FACT_CONTROL)


def quarantine(source_id: str, rows: list[tuple[int, str | None]]) -> pa.Table:
    """Quarantined rows of one source, in the given (not file) order."""
    return pa.Table.from_pylist(
        [
            {
                "source_id": source_id,
                "file": "kcs-2024-03.csv",
                "format": "kcs",
                "row": row,
                "field": field,
                "value": f"bad-{row}",
                "reason": "HS code must be 6 to 10 digits" if field == "hs_code" else "invalid",
                "raw": f'{row},"Ünïcødé, quoted",{field}',
            }
            for row, field in rows
        ],
        QUARANTINE,
    )
