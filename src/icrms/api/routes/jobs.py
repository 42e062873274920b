"""Jobs: list, get (progress, result, error), cancel; submit ingest and bulk assessment."""

from __future__ import annotations

import hashlib
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request, UploadFile, status

from icrms.api.deps import MAX_ID, CurrentUser, IdPath, SessionDep, SettingsDep, require
from icrms.auth.schemas import Role
from icrms.errors import ValidationError
from icrms.jobs import service
from icrms.jobs.schemas import AssessParams, IngestParams, JobRead, JobStatus

router = APIRouter(prefix="/jobs", tags=["jobs"])
READ = [require(Role.analyst, Role.manager)]
WRITE = [require(Role.analyst)]
CHUNK = 1024 * 1024


@router.get("", response_model=list[JobRead], dependencies=READ)
def list_jobs(
    session: SessionDep,
    status: JobStatus | None = None,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[JobRead]:
    """Jobs newest first."""
    return service.list_jobs(session, status=status, before=before, limit=limit)


@router.get("/{job_id}", response_model=JobRead, dependencies=READ)
def get(job_id: IdPath, session: SessionDep) -> JobRead:
    """A job's status, progress, result or error."""
    return service.get_job(session, job_id=job_id)


@router.post("/{job_id}/cancel", response_model=JobRead, dependencies=WRITE)
def cancel(job_id: IdPath, session: SessionDep, principal: CurrentUser) -> JobRead:
    """Cancel a queued job, or ask a running one to stop."""
    return service.cancel(session, job_id=job_id, actor=principal.actor)


@router.post(
    "/assess", response_model=JobRead, status_code=status.HTTP_202_ACCEPTED, dependencies=WRITE
)
def assess(
    params: AssessParams, request: Request, session: SessionDep, principal: CurrentUser
) -> JobRead:
    """Assess warehouse history in bulk with what is in force now."""
    job = service.submit(
        session, kind="assess", params=params.model_dump(mode="json"), actor=principal.actor
    )
    request.app.state.wake_jobs()
    return job


@router.post(
    "/ingest", response_model=JobRead, status_code=status.HTTP_202_ACCEPTED, dependencies=WRITE
)
async def ingest(
    file: UploadFile,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: CurrentUser,
    fmt: Annotated[Literal["native", "kcs", "date"], Form()] = "native",
) -> JobRead:
    """Upload a declaration file (CSV, JSON lines, Parquet) and ingest it as a job."""
    name = (file.filename or "upload").replace("/", "_").replace("\\", "_")[-100:]
    suffix = next(
        (s for s in (".csv", ".jsonl", ".parquet", ".json") if name.lower().endswith(s)), None
    )
    if suffix is None:
        raise ValidationError("file", name, "must end in .csv, .jsonl or .parquet")
    folder = settings.home / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    partial = folder / f".{name}.part"
    with partial.open("wb") as out:
        while chunk := await file.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
    target = folder / f"{digest.hexdigest()[:16]}-{name}"
    partial.replace(target)
    params = IngestParams(path=str(target), fmt=fmt, name=name)
    job = service.submit(
        session, kind="ingest", params=params.model_dump(mode="json"), actor=principal.actor
    )
    request.app.state.wake_jobs()
    return job
