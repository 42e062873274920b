"""Declarations: submit (with the assessment in the answer), batch, amend, search, detail."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, status
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from icrms.api.deps import MAX_ID, CurrentUser, SessionDep, require
from icrms.auth import idempotency
from icrms.auth.schemas import Principal, Role
from icrms.declarations.schemas import DeclarationCreate
from icrms.live import flows, queries
from icrms.live.schemas import BatchResult, DeclarationDetail, DeclarationSummary, Submission
from icrms.profiles.schemas import Channel
from icrms.selectivity.engine import Snapshot

router = APIRouter(prefix="/declarations", tags=["declarations"])
READERS = [require(Role.analyst, Role.officer, Role.manager, Role.system)]
SUBMITTERS = [require(Role.system)]
SEARCHERS = [require(Role.analyst, Role.officer, Role.manager)]
MAX_BATCH = 1000
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=128,
        description="A retried request with the same key is answered from the first one",
    ),
]


class Batch(BaseModel):
    """Up to 1,000 declarations, stored and assessed together (all or none)."""

    model_config = ConfigDict(extra="forbid")

    declarations: list[DeclarationCreate] = Field(min_length=1, max_length=MAX_BATCH)


class SearchPage(BaseModel):
    """A page of declarations, newest first, and the cursor of the next page."""

    items: list[DeclarationSummary]
    next: int | None


def _answer(
    request: Request,
    session: Session,
    principal: Principal,
    key: str | None,
    body: BaseModel,
    make: Callable[[Snapshot], Submission | BatchResult],
) -> Response:
    """Run ``make`` once per Idempotency-Key; count assessments by channel."""
    caller = principal.actor
    if key:
        stored = idempotency.replay(session, caller=caller, key=key, request=body)
        if stored is not None:
            return JSONResponse(
                stored.body, status_code=stored.status_code, headers={"Idempotent-Replayed": "true"}
            )
    result = make(request.app.state.snapshots.current(session))
    payload = result.model_dump(mode="json")
    if key:
        idempotency.remember(
            session, caller=caller, key=key, request=body, status_code=201, body=payload
        )
    counter = request.app.state.metrics.assessments
    for submission in result.submissions if isinstance(result, BatchResult) else [result]:
        counter.labels(submission.assessment.channel).inc()
    return JSONResponse(payload, status_code=status.HTTP_201_CREATED)


@router.post(
    "",
    response_model=Submission,
    status_code=status.HTTP_201_CREATED,
    dependencies=SUBMITTERS,
    summary="Submit a declaration and get its channel",
)
def submit(
    declaration: DeclarationCreate,
    request: Request,
    session: SessionDep,
    principal: CurrentUser,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Store the declaration and answer its assessment: channel, score, every reason."""
    return _answer(
        request,
        session,
        principal,
        idempotency_key,
        declaration,
        lambda snap: flows.submit(
            session, snapshot=snap, declaration=declaration, actor=principal.actor
        ),
    )


@router.post(
    "/batch",
    response_model=BatchResult,
    status_code=status.HTTP_201_CREATED,
    dependencies=SUBMITTERS,
    summary="Submit up to 1,000 declarations at once",
)
def submit_batch(
    batch: Batch,
    request: Request,
    session: SessionDep,
    principal: CurrentUser,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Store and assess every declaration, or none if one is refused."""
    return _answer(
        request,
        session,
        principal,
        idempotency_key,
        batch,
        lambda snap: BatchResult(
            submissions=flows.submit_batch(
                session, snapshot=snap, declarations=batch.declarations, actor=principal.actor
            )
        ),
    )


@router.post(
    "/{declaration_id}/amendments",
    response_model=Submission,
    status_code=status.HTTP_201_CREATED,
    dependencies=SUBMITTERS,
    summary="Lodge an amendment (a new version, assessed anew)",
)
def amend(
    declaration_id: str,
    declaration: DeclarationCreate,
    request: Request,
    session: SessionDep,
    principal: CurrentUser,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """The amended declaration must carry a higher version than any stored."""
    return _answer(
        request,
        session,
        principal,
        idempotency_key,
        declaration,
        lambda snap: flows.amend(
            session,
            snapshot=snap,
            declaration_id=declaration_id,
            declaration=declaration,
            actor=principal.actor,
        ),
    )


@router.get("", response_model=SearchPage, dependencies=SEARCHERS)
def search(
    session: SessionDep,
    principal: CurrentUser,
    q: Annotated[
        str | None, Query(max_length=64, description="declaration or importer id prefix")
    ] = None,
    office: Annotated[str | None, Query(max_length=16)] = None,
    channel: Channel | None = None,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> SearchPage:
    """Declarations newest first; officers see their own office only."""
    if principal.role == Role.officer:
        office = principal.office_code
    items, cursor = queries.search_declarations(
        session, text=q, office=office, channel=channel, before=before, limit=limit
    )
    return SearchPage(items=items, next=cursor)


@router.get("/{declaration_id}", response_model=DeclarationDetail, dependencies=READERS)
def detail(
    declaration_id: str,
    session: SessionDep,
    principal: CurrentUser,
    version: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> DeclarationDetail:
    """A declaration (newest version unless named) with its assessments and control results."""
    flows.check_office(session, principal, declaration_id)
    return queries.declaration_detail(session, declaration_id=declaration_id, version=version)
