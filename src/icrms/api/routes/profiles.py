"""Risk profiles: create, edit, check criteria, versions, status, four-eyes approval, backtest."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field

from icrms.api.deps import MAX_ID, CurrentUser, IdPath, SessionDep, require
from icrms.auth.schemas import Role
from icrms.jobs import service as jobs
from icrms.jobs.schemas import BacktestParams, JobRead
from icrms.live.profiles import CriteriaCheck, check_criteria
from icrms.profiles import service
from icrms.profiles.schemas import ApprovalRead, ProfileCreate, ProfileFields, ProfileRead, Status

router = APIRouter(tags=["profiles"])
READ = [require(Role.analyst, Role.manager)]
WRITE = [require(Role.analyst)]


class Criteria(BaseModel):
    """A criterion to check."""

    model_config = ConfigDict(extra="forbid")

    criteria: str = Field(max_length=20_000)


class StatusChange(BaseModel):
    """Switch a profile off (switching on goes through approval)."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["suspended", "retired", "expired"]
    note: str | None = Field(default=None, max_length=1000)


class ApprovalAsk(BaseModel):
    """A request for approval."""

    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=1000)


class Decision(BaseModel):
    """A second analyst's decision on a request."""

    model_config = ConfigDict(extra="forbid")

    approve: bool
    note: str | None = Field(default=None, max_length=1000)


class Backtest(BaseModel):
    """The window to backtest over (and optionally a version other than the current one)."""

    model_config = ConfigDict(extra="forbid")

    date_from: date
    date_to: date
    version: int | None = Field(default=None, ge=1, le=MAX_ID)


@router.get("/profiles", response_model=list[ProfileRead], dependencies=READ)
def list_profiles(session: SessionDep, status: Status | None = None) -> list[ProfileRead]:
    """Current version of every profile."""
    return service.list_profiles(session, status=status)


@router.post(
    "/profiles", response_model=ProfileRead, status_code=status.HTTP_201_CREATED, dependencies=WRITE
)
def create(profile: ProfileCreate, session: SessionDep, principal: CurrentUser) -> ProfileRead:
    """A new profile, as a draft."""
    return service.add_profile(session, profile=profile, actor=principal.actor)


@router.post("/profiles/validate", response_model=CriteriaCheck, dependencies=READ)
def validate(body: Criteria, session: SessionDep) -> CriteriaCheck:
    """Check criteria as the engine will: the error and its position, the watchlists used."""
    return check_criteria(session, criteria=body.criteria)


@router.get("/profiles/{code}", response_model=ProfileRead, dependencies=READ)
def get(code: str, session: SessionDep) -> ProfileRead:
    """The current version."""
    return service.get_profile(session, code=code)


@router.patch("/profiles/{code}", response_model=ProfileRead, dependencies=WRITE)
def edit(
    code: str, changes: ProfileFields, session: SessionDep, principal: CurrentUser
) -> ProfileRead:
    """A new version with the fields given (active profiles: suspend first)."""
    return service.edit_profile(session, code=code, changes=changes, actor=principal.actor)


@router.get("/profiles/{code}/versions", response_model=list[ProfileRead], dependencies=READ)
def versions(code: str, session: SessionDep) -> list[ProfileRead]:
    """Every version, oldest first."""
    return service.history(session, code=code)


@router.get("/profiles/{code}/versions/{version}", response_model=ProfileRead, dependencies=READ)
def version(code: str, version: IdPath, session: SessionDep) -> ProfileRead:
    """One version."""
    return service.get_profile(session, code=code, version=version)


@router.post("/profiles/{code}/status", response_model=ProfileRead, dependencies=WRITE)
def change_status(
    code: str, change: StatusChange, session: SessionDep, principal: CurrentUser
) -> ProfileRead:
    """Suspend, retire or expire a profile (a new version)."""
    return service.set_status(
        session, code=code, status=change.status, note=change.note, actor=principal.actor
    )


@router.post(
    "/profiles/{code}/approval-requests",
    response_model=ApprovalRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=WRITE,
)
def ask_approval(
    code: str, ask: ApprovalAsk, session: SessionDep, principal: CurrentUser
) -> ApprovalRead:
    """Ask a second analyst to switch the current version on."""
    return service.request_activation(session, code=code, actor=principal.actor, note=ask.note)


@router.post("/profiles/{code}/approval", response_model=ProfileRead, dependencies=WRITE)
def decide(
    code: str, decision: Decision, session: SessionDep, principal: CurrentUser
) -> ProfileRead:
    """Approve (switches it on, recording you as approver) or reject; not your own request."""
    _, profile = service.decide_activation(
        session, code=code, actor=principal.actor, approve=decision.approve, note=decision.note
    )
    return profile


@router.get("/approvals", response_model=list[ApprovalRead], dependencies=READ)
def approvals(
    session: SessionDep, all: Annotated[bool, Query(description="decided ones too")] = False
) -> list[ApprovalRead]:
    """Requests waiting for a second analyst, oldest first."""
    return service.approvals(session, open_only=not all)


@router.post(
    "/profiles/{code}/backtest",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=WRITE,
)
def backtest(
    code: str, window: Backtest, request: Request, session: SessionDep, principal: CurrentUser
) -> JobRead:
    """Backtest the profile over history, as a job (poll ``/api/v1/jobs/{id}``)."""
    profile = service.get_profile(session, code=code, version=window.version)
    params = BacktestParams(
        code=code, version=profile.version, date_from=window.date_from, date_to=window.date_to
    )
    job = jobs.submit(
        session, kind="backtest", params=params.model_dump(mode="json"), actor=principal.actor
    )
    request.app.state.wake_jobs()
    return job
