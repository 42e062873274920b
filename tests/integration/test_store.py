"""The operational store and the ETL into the warehouse, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError as PydanticValidationError

from icrms.controls.schemas import ControlResultCreate
from icrms.controls.service import record_control_result
from icrms.core.db import Store
from icrms.declarations.schemas import DeclarationCreate
from icrms.declarations.service import get_declaration, submit_declaration
from icrms.errors import ConflictError, NotFoundError
from icrms.kpis.etl import run_etl
from icrms.settings import Settings
from icrms.warehouse.duckdb import DuckDBWarehouse


def make_declaration(n: int, version: int = 1, value: float = 41000.0) -> DeclarationCreate:
    return DeclarationCreate.model_validate(
        {
            "declaration_id": f"2026-0042-{n:06d}",
            "version": version,
            "lodged_at": "2026-03-02T23:30:00-05:00",
            "office_code": "0042",
            "importer_id": f"TIN-{n % 3}",
            "country_of_export": "CN",
            "items": [
                {
                    "item_no": 1,
                    "hs_code": "8517130000",
                    "country_of_origin": "CN",
                    "net_mass_kg": 100.0,
                    "customs_value": value,
                },
                {
                    "item_no": 2,
                    "hs_code": "6109100010",
                    "country_of_origin": "BD",
                    "net_mass_kg": 10.0,
                    "customs_value": 200.0,
                },
            ],
        }
    )


def test_store_declaration_is_idempotent_by_id_and_version(store: Store) -> None:
    with store.session() as s:
        first = submit_declaration(s, declaration=make_declaration(1))
    with store.session() as s:
        again = submit_declaration(s, declaration=make_declaration(1))
        amended = submit_declaration(s, declaration=make_declaration(1, version=2, value=50000.0))
    assert again.received_at == first.received_at
    assert amended.version == 2
    with store.session() as s:
        assert get_declaration(s, declaration_id="2026-0042-000001").version == 2
        assert (
            get_declaration(s, declaration_id="2026-0042-000001", version=1).items[0].customs_value
            == 41000.0
        )
        assert get_declaration(s, declaration_id="2026-0042-000001").lodged_at == datetime(
            2026, 3, 3, 4, 30, tzinfo=UTC
        )


def test_same_version_with_other_content_is_a_conflict_and_changes_nothing(store: Store) -> None:
    with store.session() as s:
        submit_declaration(s, declaration=make_declaration(1))
    with pytest.raises(ConflictError, match="2026-0042-000001 version 1"), store.session() as s:
        submit_declaration(s, declaration=make_declaration(1, value=1.0))
    with store.session() as s:
        assert (
            get_declaration(s, declaration_id="2026-0042-000001").items[0].customs_value == 41000.0
        )
        with pytest.raises(NotFoundError, match="2026-0042-000009"):
            get_declaration(s, declaration_id="2026-0042-000009")


def test_control_result_rules() -> None:
    with pytest.raises(PydanticValidationError, match="seizure_goods"):
        ControlResultCreate(declaration_id="X", controlled_at=datetime.now(UTC), outcome="seizure")
    with pytest.raises(PydanticValidationError, match="'smuggling'"):
        ControlResultCreate(
            declaration_id="X",
            controlled_at=datetime.now(UTC),
            outcome="irregularity",
            irregularity_types=["smuggling"],
        )


def test_etl_is_incremental_and_idempotent(store: Store, workspace: Settings) -> None:
    with store.session() as s:
        for n in range(1, 4):
            submit_declaration(s, declaration=make_declaration(n))
        record_control_result(
            s,
            result=ControlResultCreate(
                declaration_id="2026-0042-000002",
                controlled_at=datetime(2026, 3, 4, 8, tzinfo=UTC),
                outcome="irregularity",
                selection="random",
                irregularity_types=["undervaluation"],
                extra_revenue=900.0,
            ),
        )
    with DuckDBWarehouse(workspace.warehouse_path) as wh:
        first = run_etl(store, wh, chunk=2)
        assert (first.declarations, first.items_new, first.control_results) == (3, 6, 1)
        assert run_etl(store, wh).declarations == 0
        with store.session() as s:
            submit_declaration(s, declaration=make_declaration(4))
        assert run_etl(store, wh).items_new == 2
        assert wh.count("fact_item") == 8
        item = wh.sql(
            "SELECT * FROM fact_item WHERE declaration_id = '2026-0042-000001' AND item_no = 1"
        ).to_pylist()[0]
        assert (
            item["date_key"] == 20260302
            and item["unit_value"] == 410.0
            and item["source"] == "store"
        )
        control = wh.sql("SELECT * FROM fact_control").to_pylist()[0]
        assert (control["outcome"], control["extra_revenue"], control["irregularity_types"]) == (
            "irregularity",
            900.0,
            "undervaluation",
        )
        assert wh.count("dim_country") == 2


def test_etl_copies_live_assessments_with_their_reasons(store: Store, workspace: Settings) -> None:
    from icrms.profiles import service as profiles
    from icrms.profiles.schemas import ProfileCreate
    from icrms.selectivity import service as selectivity

    with store.session() as s:
        profiles.add_profile(
            s,
            profile=ProfileCreate(
                code="PHONES",
                name="phones",
                purpose="p",
                category="revenue",
                criteria="hs4 = '8517'",
                score=70,
            ),
        )
        profiles.set_status(s, code="PHONES", status="active", approved_by="second-analyst")
        declaration = make_declaration(1)
        submit_declaration(s, declaration=declaration)
        snapshot = selectivity.build_snapshot(s, secret=b"etl-test")
        assessment = selectivity.assess(s, snapshot=snapshot, declaration=declaration)
        assert selectivity.assess(s, snapshot=snapshot, declaration=declaration).id == assessment.id
    with DuckDBWarehouse(workspace.warehouse_path) as wh:
        assert run_etl(store, wh).assessments == 1
        assert run_etl(store, wh).assessments == 0
        fact = wh.sql(
            "SELECT channel, score, engine, model_version FROM fact_assessment"
        ).to_pylist()
        assert fact == [{"channel": "red", "score": 70, "engine": "live", "model_version": ""}]
        reasons = wh.sql(
            "SELECT kind, code, code_version, selected FROM fact_assessment_reason"
        ).to_pylist()
        assert reasons == [
            {"kind": "profile", "code": "PHONES", "code_version": 2, "selected": True}
        ]


def test_etl_writes_a_live_declaration_once_its_clearance_ends(
    store: Store, workspace: Settings
) -> None:
    from icrms.controls.schemas import ReleaseCreate
    from icrms.controls.service import record_release
    from icrms.profiles import service as profiles
    from icrms.profiles.schemas import ProfileCreate
    from icrms.selectivity import service as selectivity

    released_at = datetime(2026, 3, 3, 9, 15, tzinfo=UTC)
    with store.session() as s:
        profiles.add_profile(
            s,
            profile=ProfileCreate(
                code="PHONES",
                name="phones",
                purpose="p",
                category="revenue",
                criteria="hs4 = '8517'",
                score=70,
            ),
        )
        profiles.set_status(s, code="PHONES", status="active", approved_by="second-analyst")
        for n in (1, 2, 3):
            submit_declaration(s, declaration=make_declaration(n))
        snapshot = selectivity.build_snapshot(s, secret=b"etl-test")
        assessed = selectivity.assess(s, snapshot=snapshot, declaration=make_declaration(1))
        record_control_result(
            s,
            result=ControlResultCreate(
                declaration_id="2026-0042-000001",
                started_at=datetime(2026, 3, 3, 6, tzinfo=UTC),
                controlled_at=datetime(2026, 3, 3, 8, tzinfo=UTC),
                outcome="no_finding",
            ),
        )
        record_release(
            s, release=ReleaseCreate(declaration_id="2026-0042-000001", released_at=released_at)
        )
        record_control_result(
            s,
            result=ControlResultCreate(
                declaration_id="2026-0042-000002",
                controlled_at=datetime(2026, 3, 3, 8, tzinfo=UTC),
                outcome="seizure",
                seizure_goods="cocaine",
                concealment="inside the phones",
            ),
        )
        again = record_release(
            s, release=ReleaseCreate(declaration_id="2026-0042-000001", released_at=released_at)
        )
        with pytest.raises(ConflictError, match="was released at"):
            record_release(
                s,
                release=ReleaseCreate(
                    declaration_id="2026-0042-000001", released_at=datetime(2026, 3, 4, tzinfo=UTC)
                ),
            )
    with DuckDBWarehouse(workspace.warehouse_path) as wh:
        report = run_etl(store, wh)
        assert (report.releases, report.closed_declarations, report.profile_versions) == (1, 2, 2)
        rows = wh.sql(
            "SELECT declaration_id, channel, assessed_at, released_at, date_key, office_code "
            "FROM fact_declaration ORDER BY declaration_id"
        ).to_pylist()
        assert rows == [
            {
                "declaration_id": "2026-0042-000001",
                "channel": "red",
                "assessed_at": assessed.assessed_at,
                "released_at": again.released_at,
                "date_key": 20260302,
                "office_code": "0042",
            },
            {  # seized: never released, not assessed by icrms
                "declaration_id": "2026-0042-000002",
                "channel": None,
                "assessed_at": None,
                "released_at": None,
                "date_key": 20260302,
                "office_code": "0042",
            },
        ]
        started = wh.sql("SELECT control_started_at FROM fact_control ORDER BY control_key")
        assert started.column(0).to_pylist() == [datetime(2026, 3, 3, 6, tzinfo=UTC), None]
        assert wh.sql("SELECT concealment FROM dim_concealment").to_pylist() == [
            {"concealment": "inside the phones"}
        ]
        profile = wh.sql("SELECT code, version, status FROM dim_profile ORDER BY version")
        assert profile.to_pylist() == [
            {"code": "PHONES", "version": 1, "status": "draft"},
            {"code": "PHONES", "version": 2, "status": "active"},
        ]
        assert run_etl(store, wh).closed_declarations == 0
        assert wh.count("fact_declaration") == 2
