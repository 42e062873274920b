"""Partner information in the warehouse: loaded once per key, read alike by the threat analysis."""

from __future__ import annotations

from datetime import date

from icrms.exchange.intelligence import warehouse_rows
from icrms.kpis.threats import partner_records
from icrms.warehouse.base import LoadBatch, Warehouse
from icrms.warehouse.schema import TABLES


def record(item: int, hs4: str, mode: str | None, on: str, until: str) -> dict[str, object]:
    return {"inbox_item": item, "hs4": hs4, "country_of_export": "BR", "transport_mode": mode,
            "kind": "seizure", "issuer": "XB", "on": on, "until": until,
            "reference": f"case {item}"}  # fmt: skip


def test_partner_information_loads_once_and_reads_by_period(warehouse: Warehouse) -> None:
    rows = warehouse_rows(
        [
            record(1, "0901", "1", "2025-12-01", "2025-12-01"),
            record(2, "0603", None, "2025-06-01", "2026-01-31"),  # an alert valid into the period
            record(3, "2402", "3", "2025-06-01", "2025-06-01"),  # before the period
        ]
    )
    empty = (TABLES["fact_item"].empty_table(), TABLES["fact_control"].empty_table())
    for _ in range(2):  # the ETL loads every accepted item each run: nothing is added twice
        warehouse.load(LoadBatch(*empty, dimensions={"fact_partner_information": rows}))
    assert warehouse.count("fact_partner_information") == 3
    found = partner_records(warehouse, date(2025, 9, 3), date(2025, 12, 31))
    assert [(r["inbox_item"], r["hs4"], r["transport_mode"], r["on"]) for r in found] == [
        (1, "0901", "1", "2025-12-01"),
        (2, "0603", None, "2025-06-01"),
    ]
