"""Record and list control results."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from icrms.controls.schemas import (
    ControlResultCreate,
    ControlResultRead,
    ReleaseCreate,
    ReleaseRead,
)
from icrms.controls.tables import ControlResultRow, ReleaseRow
from icrms.core.clock import now
from icrms.errors import ConflictError
from icrms.selectivity.tables import AssessmentRow


def record_control_result(session: Session, *, result: ControlResultCreate) -> ControlResultRead:
    """Store a control result, linked to the newest assessment of the declaration version.

    Where the officer did not say how the declaration was chosen, the assessment tells: a random
    draw, a selected profile, watchlist or model (targeted), or neither (manual).
    """
    assessment = session.scalar(
        select(AssessmentRow)
        .where(
            AssessmentRow.declaration_id == result.declaration_id,
            AssessmentRow.version == result.version,
        )
        .order_by(AssessmentRow.id.desc())
        .limit(1)
    )
    data = result.model_dump()
    if assessment is not None and result.selection == "unknown":
        data["selection"] = _selection(assessment.reasons)
    row = ControlResultRow(
        **data, recorded_at=now(), assessment_id=assessment.id if assessment else None
    )
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


def record_release(session: Session, *, release: ReleaseCreate) -> ReleaseRead:
    """Store the release of a declaration version; the same release again changes nothing."""
    found = session.scalar(
        select(ReleaseRow).where(
            ReleaseRow.declaration_id == release.declaration_id,
            ReleaseRow.version == release.version,
        )
    )
    if found is not None:
        if found.released_at != release.released_at:
            raise ConflictError(
                f"declaration {release.declaration_id} version {release.version} was released "
                f"at {found.released_at.isoformat()}, not {release.released_at.isoformat()}"
            )
        return ReleaseRead.model_validate(found, from_attributes=True)
    row = ReleaseRow(**release.model_dump(), recorded_at=now())
    session.add(row)
    session.flush()
    return ReleaseRead.model_validate(row, from_attributes=True)


def releases_after(session: Session, *, seq: int, limit: int) -> list[ReleaseRead]:
    """Releases stored after ``seq``, oldest first (for the incremental ETL)."""
    rows = session.scalars(
        select(ReleaseRow).where(ReleaseRow.seq > seq).order_by(ReleaseRow.seq).limit(limit)
    )
    return [ReleaseRead.model_validate(row, from_attributes=True) for row in rows]


def _selection(reasons: list[dict[str, object]]) -> str:
    if any(r["kind"] == "random" for r in reasons):
        return "random"
    if any(r["kind"] in ("watchlist", "model") or r.get("selected") for r in reasons):
        return "targeted"
    return "manual"


def _read(row: ControlResultRow) -> ControlResultRead:
    return ControlResultRead.model_validate(row, from_attributes=True)
