"""The audit trail, for administrators."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from icrms.api.deps import MAX_ID, CurrentUser, SessionDep, require
from icrms.audit import service
from icrms.audit.schemas import AuditEntryRead, AuditVerification
from icrms.auth.schemas import Role

NDJSON = "application/x-ndjson"
MAX_EXPORT = 5_000

router = APIRouter(prefix="/audit", tags=["audit"], dependencies=[require(Role.admin)])


@router.get("", response_model=list[AuditEntryRead])
def list_entries(
    session: SessionDep,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    actor: Annotated[str | None, Query(max_length=100)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
) -> list[AuditEntryRead]:
    """Entries newest first; page with ``before`` = the last ``seq`` seen."""
    return service.list_entries(session, before=before, limit=limit, actor=actor, action=action)


@router.post(
    "/export",
    response_class=Response,
    responses={200: {"content": {NDJSON: {}}, "description": "one entry per line, oldest first"}},
)
def export(
    session: SessionDep,
    principal: CurrentUser,
    after: Annotated[int, Query(ge=0, le=MAX_ID, description="last seq already exported")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_EXPORT)] = MAX_EXPORT,
) -> Response:
    """Entries after ``after`` as JSON lines with their hashes (verifiable elsewhere); audited.

    ``Icrms-Next-After`` names the ``after`` of the next part when more entries follow.
    """
    entries = service.export(session, actor=principal.actor, after=after, limit=limit)
    body = "".join(e.model_dump_json() + "\n" for e in entries)
    headers = {"Content-Disposition": f'attachment; filename="icrms-audit-after-{after}.jsonl"'}
    if len(entries) == limit:
        headers["Icrms-Next-After"] = str(entries[-1].seq)
    return Response(body, media_type=NDJSON, headers=headers)


@router.get("/verify", response_model=AuditVerification)
def verify(session: SessionDep) -> AuditVerification:
    """Recompute the whole hash chain and report every break."""
    return service.verify(session)
