"""Incremental, idempotent ETL from the operational store into the warehouse.

It spans the domains (declarations, controls, selectivity, profiles) and the warehouse, so it
lives above them. Each kind of store row has its own watermark in ``etl_state``; every chunk is
loaded atomically with its watermark (on Spark: written last, the key anti-join making a redone
chunk add nothing twice).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby
from typing import Any

import pyarrow as pa
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.orm import Session

from icrms.controls.schemas import ControlResultRead, ReleaseRead
from icrms.controls.service import control_results_after, releases_after
from icrms.core.db import Store
from icrms.declarations.service import Unreadable, declarations_after, get_declaration
from icrms.errors import NotFoundError
from icrms.exchange import intelligence
from icrms.profiles.service import versions_after
from icrms.selectivity.facts import assessment_facts
from icrms.selectivity.service import assessments_after, latest_assessment
from icrms.warehouse.base import LoadBatch, Warehouse, conform
from icrms.warehouse.schema import FACT_CONTROL, FACT_ITEM, QUARANTINE

DECLARATIONS = "store.declarations"
CONTROLS = "store.control_results"
ASSESSMENTS = "store.assessments"
RELEASES = "store.releases"
PROFILES = "store.profile_versions"


@dataclass
class EtlReport:
    """Rows read from the store and rows new to the warehouse."""

    declarations: int = 0
    declarations_quarantined: int = 0
    items_new: int = 0
    control_results: int = 0
    controls_new: int = 0
    assessments: int = 0
    releases: int = 0
    closed_declarations: int = 0
    profile_versions: int = 0
    partner_information: int = 0


def _empty(**parts: Any) -> LoadBatch:
    return LoadBatch(FACT_ITEM.empty_table(), FACT_CONTROL.empty_table(), **parts)


def run_etl(store: Store, warehouse: Warehouse, *, chunk: int = 5_000) -> EtlReport:
    """Copy what the store holds beyond the warehouse's watermarks, one atomic chunk at a time."""
    report = EtlReport()
    _declarations(store, warehouse, chunk, report)
    _controls(store, warehouse, chunk, report)
    _assessments(store, warehouse, chunk, report)
    _releases(store, warehouse, chunk, report)
    _profiles(store, warehouse, chunk, report)
    _partner_information(store, warehouse, report)
    return report


def _partner_information(store: Store, warehouse: Warehouse, report: EtlReport) -> None:
    """Every accepted partner seizure and alert (few; a key already loaded adds nothing, and an
    item accepted after a later one was loaded is not missed, as a watermark would miss it)."""
    with store.session() as session:
        rows = intelligence.warehouse_rows(intelligence.partner_information(session))
    if rows.num_rows:
        warehouse.load(_empty(dimensions={"fact_partner_information": rows}))
    report.partner_information = rows.num_rows


def _declarations(store: Store, warehouse: Warehouse, chunk: int, report: EtlReport) -> None:
    while True:
        with store.session() as session:
            rows = declarations_after(
                session, seq=warehouse.etl_position(DECLARATIONS), limit=chunk
            )
        if not rows:
            return
        items = [
            _item_row(row)
            for _, declaration in rows
            if not isinstance(declaration, Unreadable)
            for row in declaration.item_rows()
        ]
        refused = [(seq, d) for seq, d in rows if isinstance(d, Unreadable)]
        result = warehouse.load(
            LoadBatch(
                conform(pa.Table.from_pylist(items, schema=FACT_ITEM), "fact_item"),
                FACT_CONTROL.empty_table(),
                quarantine=_quarantine(refused),
                etl_state=(DECLARATIONS, rows[-1][0]),
            )
        )
        report.declarations += len(rows)
        report.declarations_quarantined += len(refused)
        report.items_new += result.new_items


def _controls(store: Store, warehouse: Warehouse, chunk: int, report: EtlReport) -> None:
    while True:
        with store.session() as session:
            results = control_results_after(
                session, seq=warehouse.etl_position(CONTROLS), limit=chunk
            )
            # goods seized are not released: the declaration's clearance ends with the seizure
            closed = [
                _declaration_row(session, r.declaration_id, r.version, None)
                for r in results
                if r.outcome == "seizure"
            ]
        if not results:
            return
        result = warehouse.load(
            LoadBatch(
                FACT_ITEM.empty_table(),
                conform(pa.Table.from_pylist([_control_row(r) for r in results]), "fact_control"),
                declarations=_declaration_table(closed),
                etl_state=(CONTROLS, results[-1].seq),
            )
        )
        report.control_results += len(results)
        report.controls_new += result.new_controls
        report.closed_declarations += sum(row is not None for row in closed)


def _assessments(store: Store, warehouse: Warehouse, chunk: int, report: EtlReport) -> None:
    while True:
        with store.session() as session:
            found = assessments_after(
                session, assessment_id=warehouse.etl_position(ASSESSMENTS), limit=chunk
            )
        if not found:
            return
        for (policy, profile_set, model), group in groupby(
            found, key=lambda a: (a.policy_version, a.profile_set_version, a.model_version)
        ):
            facts, bridge = assessment_facts(
                [a.model_dump() for a in group],
                policy_version=policy,
                profile_set_version=profile_set,
                model_version=model,
                engine="live",
            )
            warehouse.load(_empty(assessments=facts, assessment_reasons=bridge))
        warehouse.load(_empty(etl_state=(ASSESSMENTS, found[-1].id)))
        report.assessments += len(found)


def _releases(store: Store, warehouse: Warehouse, chunk: int, report: EtlReport) -> None:
    while True:
        with store.session() as session:
            released = releases_after(session, seq=warehouse.etl_position(RELEASES), limit=chunk)
            closed = [_declaration_row(session, r.declaration_id, r.version, r) for r in released]
        if not released:
            return
        warehouse.load(
            _empty(declarations=_declaration_table(closed), etl_state=(RELEASES, released[-1].seq))
        )
        report.releases += len(released)
        report.closed_declarations += sum(row is not None for row in closed)


def _profiles(store: Store, warehouse: Warehouse, chunk: int, report: EtlReport) -> None:
    while True:
        with store.session() as session:
            versions = versions_after(session, row_id=warehouse.etl_position(PROFILES), limit=chunk)
        if not versions:
            return
        rows = [p.model_dump() for _, p in versions]
        warehouse.load(
            _empty(
                dimensions={"dim_profile": conform(pa.Table.from_pylist(rows), "dim_profile")},
                etl_state=(PROFILES, versions[-1][0]),
            )
        )
        report.profile_versions += len(versions)


def _quarantine(refused: list[tuple[int, Unreadable]]) -> pa.Table:
    """Quarantine records of stored declarations the model refuses (row = the store's seq)."""
    records = [
        {
            "source_id": DECLARATIONS,
            "file": f"store: declaration {d.declaration_id} version {d.version}",
            "format": "live",
            "row": seq,
            "field": d.field,
            "value": d.value,
            "reason": d.reason,
            "raw": d.payload,
        }
        for seq, d in refused
    ]
    return pa.Table.from_pylist(records, schema=QUARANTINE)


def _item_row(row: dict[str, object]) -> dict[str, object]:
    lodged_date = row["lodged_date"]
    return {**row, "date_key": int(lodged_date.strftime("%Y%m%d")), "source": "store"}  # type: ignore[attr-defined]


def _control_row(r: ControlResultRead) -> dict[str, object]:
    return {
        **r.model_dump(exclude={"seq", "recorded_at", "officer_id", "started_at"}),
        "control_key": f"store/{r.seq}",
        "control_started_at": r.started_at,
        "irregularity_types": ";".join(r.irregularity_types) or None,
        "date_key": int(r.controlled_at.strftime("%Y%m%d")),
        "source": "store",
    }


def _declaration_row(
    session: Session, declaration_id: str, version: int, release: ReleaseRead | None
) -> dict[str, object] | None:
    """A live declaration's fact_declaration row once its clearance has ended."""
    try:
        declaration = get_declaration(session, declaration_id=declaration_id, version=version)
    except (NotFoundError, PydanticValidationError):
        return None  # never received, or quarantined by the ETL as unreadable
    assessment = latest_assessment(session, declaration_id=declaration_id, version=version)
    day = declaration.lodged_at.date()  # the local date as declared, as in item_rows
    return {
        **declaration.model_dump(include=set(FACT_DECLARATION_HEADER)),
        "date_key": day.year * 10000 + day.month * 100 + day.day,
        "channel": assessment.channel if assessment else None,
        "assessed_at": assessment.assessed_at if assessment else None,
        "released_at": release.released_at if release else None,
        "source": "store",
    }


FACT_DECLARATION_HEADER = (
    "declaration_id",
    "version",
    "lodged_at",
    "office_code",
    "declaration_type",
    "procedure",
    "importer_id",
    "declarant_id",
    "country_of_export",
    "transport_mode",
    "aeo",
)


def _declaration_table(rows: list[dict[str, object] | None]) -> pa.Table | None:
    present = [r for r in rows if r is not None]
    return conform(pa.Table.from_pylist(present), "fact_declaration") if present else None  # type: ignore[return-value]
