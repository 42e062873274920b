"""Jobs with live progress; forms to ingest a file, assess history and train a model."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.orm import Session

from icrms.api.deps import MAX_ID, CurrentUser, IdPath, SessionDep, require
from icrms.api.errors import pydantic_errors
from icrms.auth.schemas import Role
from icrms.jobs import service
from icrms.jobs.schemas import AssessParams, TrainParams
from icrms.web.render import backtest_window, redirect, render

router = APIRouter()
READ = [require(Role.analyst, Role.manager)]
WRITE = [require(Role.analyst)]


@router.get("/jobs", dependencies=READ)
def jobs(
    request: Request,
    session: SessionDep,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    """Jobs newest first; the table refreshes itself while any runs."""
    items = service.list_jobs(session, before=before, limit=50)
    data = {
        "jobs": items,
        "live": any(j.status in ("queued", "running") for j in items),
        **backtest_window(session),
        "errors": {},
    }
    return render(request, "jobs.html", data, block="table")


@router.get("/jobs/{job_id}/panel", dependencies=READ)
def panel(job_id: IdPath, request: Request, session: SessionDep) -> Response:
    """One job's progress (polled by htmx while it runs), then its result."""
    return render(
        request,
        "job_panel.html",
        {"job": service.get_job(session, job_id=job_id)},
        block="panel",
        fragment=True,
    )


@router.get("/jobs/{job_id}", dependencies=READ)
def job(job_id: IdPath, request: Request, session: SessionDep) -> Response:
    """One job's page."""
    return render(request, "job_panel.html", {"job": service.get_job(session, job_id=job_id)})


@router.post("/jobs/{job_id}/cancel", dependencies=WRITE)
def cancel(
    job_id: IdPath, request: Request, session: SessionDep, principal: CurrentUser
) -> Response:
    """Cancel a queued job or ask a running one to stop."""
    service.cancel(session, job_id=job_id, actor=principal.actor)
    return redirect(request, "/jobs")


@router.post("/jobs/assess", dependencies=WRITE)
async def assess(request: Request, session: SessionDep, principal: CurrentUser) -> Response:
    """Queue a bulk assessment of a lodgement window."""
    form = await request.form()
    try:
        params = AssessParams.model_validate(
            {"date_from": form.get("date_from"), "date_to": form.get("date_to")}
        )
    except PydanticValidationError as exc:
        return _again(request, session, exc)
    service.submit(
        session, kind="assess", params=params.model_dump(mode="json"), actor=principal.actor
    )
    request.app.state.wake_jobs()
    return redirect(request, "/jobs")


@router.post("/jobs/train", dependencies=WRITE)
async def train(request: Request, session: SessionDep, principal: CurrentUser) -> Response:
    """Queue the training of a model on the warehouse."""
    form = await request.form()
    try:
        params = TrainParams.model_validate(
            {k: v for k, v in form.items() if k in ("since", "until") and v}
        )
    except PydanticValidationError as exc:
        return _again(request, session, exc)
    service.submit(
        session, kind="train", params=params.model_dump(mode="json"), actor=principal.actor
    )
    request.app.state.wake_jobs()
    return redirect(request, "/jobs")


def _again(request: Request, session: Session, exc: PydanticValidationError) -> Response:
    errors = {e["field"]: e["reason"] for e in pydantic_errors(list(exc.errors()))}
    items = service.list_jobs(session, limit=50)
    data = {
        "jobs": items,
        "live": False,
        **backtest_window(session),
        "errors": errors,
    }
    return render(request, "jobs.html", data, status_code=422)
