"""Control results: record one, list, import a file."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, UploadFile, status
from pydantic import BaseModel

from icrms.api.deps import MAX_ID, CurrentUser, SessionDep, require
from icrms.auth.schemas import Role
from icrms.controls.files import ImportReport, read_results
from icrms.controls.schemas import ControlResultCreate, ControlResultRead
from icrms.live import flows, queries

router = APIRouter(prefix="/control-results", tags=["control results"])
MAX_FILE = 50 * 1024 * 1024


class ControlPage(BaseModel):
    """Control results oldest first and the cursor of the next page."""

    items: list[ControlResultRead]
    next: int | None


@router.post(
    "",
    response_model=ControlResultRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=[require(Role.officer)],
)
def record(
    result: ControlResultCreate, session: SessionDep, principal: CurrentUser
) -> ControlResultRead:
    """Record what a control found (officers: their office's declarations)."""
    return flows.record_control(session, result=result, principal=principal)


@router.get(
    "",
    response_model=ControlPage,
    dependencies=[require(Role.officer, Role.analyst, Role.manager)],
)
def list_results(
    session: SessionDep,
    principal: CurrentUser,
    declaration_id: Annotated[str | None, Query(max_length=64)] = None,
    after: Annotated[int | None, Query(ge=0, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> ControlPage:
    """Control results, by declaration or all; officers see their own office's."""
    office = principal.office_code if principal.role == Role.officer else None
    items = queries.control_results(
        session, declaration_id=declaration_id, office=office, after=after, limit=limit
    )
    return ControlPage(items=items, next=items[-1].seq if len(items) == limit else None)


@router.post(
    "/import",
    response_model=ImportReport,
    dependencies=[require(Role.officer, Role.analyst)],
)
async def import_file(
    file: UploadFile, session: SessionDep, principal: CurrentUser
) -> ImportReport:
    """Record control results from a CSV or JSON-lines file; bad rows are reported, the rest kept."""
    data = await file.read(MAX_FILE + 1)
    rows = read_results(data, file.filename or "upload.csv", limit=MAX_FILE)
    return flows.import_controls(session, rows=rows, principal=principal)
