"""One bad stored declaration never stops the ETL for good (issue 8 item 2)."""

from __future__ import annotations

from icrms.core.clock import now
from icrms.core.db import Store
from icrms.declarations.service import submit_declaration
from icrms.declarations.tables import DeclarationRow
from icrms.kpis.etl import run_etl
from icrms.settings import Settings
from icrms.warehouse.duckdb import DuckDBWarehouse
from tests.integration.test_store import make_declaration


def store_unchecked(store: Store, n: int, **item: object) -> None:
    """Store a declaration as an older icrms did, without today's bounds."""
    declaration = make_declaration(n)
    payload = declaration.model_dump(mode="json", exclude_computed_fields=True)
    payload["items"][0].update(item)
    with store.session() as s:
        s.add(
            DeclarationRow(
                declaration_id=declaration.declaration_id,
                version=1,
                lodged_at=declaration.lodged_at,
                office_code="0042",
                importer_id="TIN-1",
                payload=payload,
                received_at=now(),
            )
        )


def test_a_declaration_the_warehouse_cannot_hold_is_quarantined_and_the_rest_load(
    store: Store, workspace: Settings
) -> None:
    """Before: item_no 2**31 failed every later ETL run, so no declaration after it arrived."""
    with store.session() as s:
        submit_declaration(s, declaration=make_declaration(1))
    store_unchecked(store, 2, item_no=2**31)
    store_unchecked(store, 3, net_mass_kg=1e-310)
    with store.session() as s:
        submit_declaration(s, declaration=make_declaration(4))
    with DuckDBWarehouse(workspace.warehouse_path) as wh:
        report = run_etl(store, wh, chunk=2)
        assert (report.declarations, report.declarations_quarantined) == (4, 2)
        ids = wh.sql("SELECT DISTINCT declaration_id FROM fact_item ORDER BY 1").column(0)
        assert ids.to_pylist() == ["2026-0042-000001", "2026-0042-000004"]
        records = wh.quarantined("store.declarations").to_pylist()
        assert [(r["row"], r["field"]) for r in records] == [
            (2, "items.0.item_no"),
            (3, "items.0.net_mass_kg"),
        ]
        assert "2147483647" in records[0]["reason"] and records[0]["value"] == str(2**31)
        with store.session() as s:
            submit_declaration(s, declaration=make_declaration(5))
        again = run_etl(store, wh)
        assert (again.declarations, again.items_new) == (1, 2)
