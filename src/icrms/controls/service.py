"""Record and list control results."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from icrms.controls.schemas import ControlResultCreate, ControlResultRead
from icrms.controls.tables import ControlResultRow
from icrms.core.clock import now


def record_control_result(session: Session, *, result: ControlResultCreate) -> ControlResultRead:
    """Store a control result."""
    row = ControlResultRow(**result.model_dump(), recorded_at=now())
    session.add(row)
    session.flush()
    return _read(row)


def control_results_after(session: Session, *, seq: int, limit: int) -> list[ControlResultRead]:
    """Control results stored after ``seq``, oldest first (for the incremental ETL)."""
    rows = session.scalars(
        select(ControlResultRow)
        .where(ControlResultRow.seq > seq)
        .order_by(ControlResultRow.seq)
        .limit(limit)
    )
    return [_read(row) for row in rows]


def _read(row: ControlResultRow) -> ControlResultRead:
    return ControlResultRead.model_validate(row, from_attributes=True)
