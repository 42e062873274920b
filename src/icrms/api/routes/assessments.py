"""Assessments: by id or declaration, replay, and the officers' worklist."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from icrms.api.deps import MAX_ID, CurrentUser, IdPath, SessionDep, require
from icrms.auth.schemas import Role
from icrms.errors import NotFoundError
from icrms.live import flows, queries
from icrms.live.schemas import ReplayResult, WorklistRow
from icrms.profiles.schemas import Channel
from icrms.selectivity import service
from icrms.selectivity.schemas import AssessmentRead

router = APIRouter(tags=["assessments"])
READERS = [require(Role.analyst, Role.officer, Role.manager, Role.system)]


class WorklistPage(BaseModel):
    """Declarations waiting for control, oldest first, and the cursor of the next page."""

    items: list[WorklistRow]
    next: int | None


@router.get("/assessments", response_model=list[AssessmentRead], dependencies=READERS)
def by_declaration(
    declaration_id: Annotated[str, Query(min_length=1, max_length=64)],
    session: SessionDep,
    principal: CurrentUser,
) -> list[AssessmentRead]:
    """Every assessment of a declaration, newest first."""
    flows.check_office(session, principal, declaration_id)
    return queries.assessments_of(session, declaration_id=declaration_id)


@router.get("/assessments/{assessment_id}", response_model=AssessmentRead, dependencies=READERS)
def get(assessment_id: IdPath, session: SessionDep, principal: CurrentUser) -> AssessmentRead:
    """One assessment with every reason and the model's explanation."""
    assessment = service.get_assessment(session, assessment_id=assessment_id)
    if not flows.may_see_office(principal, assessment.office_code):
        raise NotFoundError(f"assessment {assessment_id} not found")
    return assessment


@router.post(
    "/assessments/{assessment_id}/replay",
    response_model=ReplayResult,
    dependencies=[require(Role.analyst, Role.manager)],
)
def replay(assessment_id: IdPath, request: Request, session: SessionDep) -> ReplayResult:
    """Decide again from the stored inputs (profile, policy and model versions)."""
    return flows.replay(session, snapshots=request.app.state.snapshots, assessment_id=assessment_id)


@router.get(
    "/worklist",
    response_model=WorklistPage,
    dependencies=[require(Role.officer, Role.analyst, Role.manager)],
)
def worklist(
    session: SessionDep,
    principal: CurrentUser,
    office: Annotated[str | None, Query(max_length=16)] = None,
    channel: Channel | None = None,
    after: Annotated[int | None, Query(ge=0, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> WorklistPage:
    """Red and yellow declarations without a control result; officers get their own office."""
    if principal.role == Role.officer:
        office = principal.office_code
    channels = (channel,) if channel in ("red", "yellow") else ("red", "yellow")
    items = queries.worklist(session, office=office, channels=channels, after=after, limit=limit)
    return WorklistPage(items=items, next=items[-1].assessment_id if len(items) == limit else None)
