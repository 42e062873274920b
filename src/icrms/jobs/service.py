"""Jobs in the store: submit, claim, report progress, finish, cancel, recover after a restart."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from icrms.audit import service as audit
from icrms.core.clock import now
from icrms.errors import ConflictError, NotFoundError
from icrms.jobs.schemas import JobRead, JobStatus
from icrms.jobs.tables import JobRow

FINAL = {"succeeded", "failed", "cancelled"}
RESUMABLE = {"ingest"}  # an interrupted ingest resumes where it stopped; others start over or fail


def submit(session: Session, *, kind: str, params: dict[str, Any], actor: str) -> JobRead:
    """Queue a job."""
    row = JobRow(
        kind=kind,
        params=params,
        status="queued",
        done=0,
        message="queued",
        created_by=actor,
        created_at=now(),
        cancel_requested=False,
        attempts=0,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="job.submit",
        object=f"job:{row.id}",
        detail={"kind": kind, "params": params},
    )
    return _read(row)


def get_job(session: Session, *, job_id: int) -> JobRead:
    """A job by id."""
    return _read(_row(session, job_id))


def list_jobs(
    session: Session, *, status: JobStatus | None = None, before: int | None = None, limit: int = 50
) -> list[JobRead]:
    """Jobs newest first."""
    query = select(JobRow).order_by(JobRow.id.desc()).limit(limit)
    if status is not None:
        query = query.where(JobRow.status == status)
    if before is not None:
        query = query.where(JobRow.id < before)
    return [_read(r) for r in session.scalars(query)]


def cancel(session: Session, *, job_id: int, actor: str) -> JobRead:
    """Cancel a queued job at once; ask a running one to stop at its next step."""
    row = _row(session, job_id)
    if row.status in FINAL:
        raise ConflictError(f"job {job_id} is already {row.status}")
    if row.status == "queued":
        row.status, row.finished_at, row.message = "cancelled", now(), f"cancelled by {actor}"
    else:
        row.cancel_requested = True
        row.message = f"cancelling (asked by {actor})"
    audit.record(session, actor=actor, action="job.cancel", object=f"job:{job_id}")
    return _read(row)


def claim_next(session: Session) -> JobRead | None:
    """Take the oldest queued job and mark it running (row-locked on PostgreSQL)."""
    query = select(JobRow).where(JobRow.status == "queued").order_by(JobRow.id).limit(1)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    row = session.scalar(query)
    if row is None:
        return None
    row.status, row.started_at, row.heartbeat_at = "running", now(), now()
    row.attempts += 1
    row.message = "started"
    session.flush()
    return _read(row)


def progress(session: Session, *, job_id: int, done: int, total: int | None, message: str) -> bool:
    """Record progress; returns True when a cancel was asked for."""
    row = _row(session, job_id)
    row.done, row.total, row.message, row.heartbeat_at = done, total, message[:500], now()
    return row.cancel_requested


def finish(
    session: Session,
    *,
    job_id: int,
    status: JobStatus,
    result: dict[str, Any] | None = None,
    error: str | None = None,
) -> JobRead:
    """Record how a job ended, and audit it."""
    row = _row(session, job_id)
    row.status, row.finished_at, row.result, row.error = status, now(), result, error
    row.message = {"succeeded": "done", "failed": "failed", "cancelled": "cancelled"}[status]
    if status == "succeeded" and row.total:
        row.done = row.total
    audit.record(
        session,
        actor=row.created_by,
        action=f"job.{status}",
        object=f"job:{job_id}",
        detail={"kind": row.kind, "error": error} if error else {"kind": row.kind},
    )
    return _read(row)


def recover(session: Session) -> list[JobRead]:
    """After a restart: resumable jobs that were running are queued again, the others failed."""
    out = []
    for row in session.scalars(select(JobRow).where(JobRow.status == "running")):
        if row.kind in RESUMABLE and row.attempts < 3:
            row.status, row.message = "queued", "interrupted by a server restart; resumes"
            out.append(_read(row))
        else:
            out.append(
                finish(
                    session,
                    job_id=row.id,
                    status="failed",
                    error="interrupted by a server restart; submit it again",
                )
            )
    return out


def _row(session: Session, job_id: int) -> JobRow:
    row = session.get(JobRow, job_id)
    if row is None:
        raise NotFoundError(f"job {job_id} not found")
    return row


def _read(row: JobRow) -> JobRead:
    return JobRead.model_validate(row, from_attributes=True)
