"""Incremental, idempotent ETL from the operational store into the warehouse."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby

import pyarrow as pa

from icrms.controls.service import control_results_after
from icrms.core.db import Store
from icrms.declarations.service import Unreadable, declarations_after
from icrms.selectivity.facts import assessment_facts
from icrms.selectivity.service import assessments_after
from icrms.warehouse.base import LoadBatch, Warehouse, conform
from icrms.warehouse.schema import FACT_CONTROL, FACT_ITEM, QUARANTINE

DECLARATIONS = "store.declarations"
CONTROLS = "store.control_results"
ASSESSMENTS = "store.assessments"


@dataclass
class EtlReport:
    """Rows read from the store and rows new to the warehouse."""

    declarations: int = 0
    declarations_quarantined: int = 0
    items_new: int = 0
    control_results: int = 0
    controls_new: int = 0
    assessments: int = 0


def run_etl(store: Store, warehouse: Warehouse, *, chunk: int = 5_000) -> EtlReport:
    """Copy what the store holds beyond the warehouse's watermarks, one atomic chunk at a time."""
    report = EtlReport()
    while True:
        with store.session() as session:
            rows = declarations_after(
                session, seq=warehouse.etl_position(DECLARATIONS), limit=chunk
            )
        if not rows:
            break
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
    while True:
        with store.session() as session:
            results = control_results_after(
                session, seq=warehouse.etl_position(CONTROLS), limit=chunk
            )
        if not results:
            break
        controls = [
            {
                **r.model_dump(exclude={"seq", "recorded_at", "officer_id"}),
                "control_key": f"store/{r.seq}",
                "irregularity_types": ";".join(r.irregularity_types) or None,
                "date_key": int(r.controlled_at.strftime("%Y%m%d")),
                "source": "store",
            }
            for r in results
        ]
        result = warehouse.load(
            LoadBatch(
                FACT_ITEM.empty_table(),
                conform(pa.Table.from_pylist(controls), "fact_control"),
                etl_state=(CONTROLS, results[-1].seq),
            )
        )
        report.control_results += len(results)
        report.controls_new += result.new_controls
    while True:
        with store.session() as session:
            found = assessments_after(
                session, assessment_id=warehouse.etl_position(ASSESSMENTS), limit=chunk
            )
        if not found:
            break
        for (policy, profile_set, model), group in groupby(
            found, key=lambda a: (a.policy_version, a.profile_set_version, a.model_version)
        ):
            decisions = [a.model_dump() for a in group]
            facts, bridge = assessment_facts(
                decisions,
                policy_version=policy,
                profile_set_version=profile_set,
                model_version=model,
                engine="live",
            )
            warehouse.load(
                LoadBatch(
                    FACT_ITEM.empty_table(),
                    FACT_CONTROL.empty_table(),
                    assessments=facts,
                    assessment_reasons=bridge,
                )
            )
        warehouse.load(
            LoadBatch(
                FACT_ITEM.empty_table(),
                FACT_CONTROL.empty_table(),
                etl_state=(ASSESSMENTS, found[-1].id),
            )
        )
        report.assessments += len(found)
    return report


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
