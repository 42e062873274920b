"""The audit trail, for administrators."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from icrms.api.deps import MAX_ID, SessionDep, require
from icrms.audit import service
from icrms.audit.schemas import AuditEntryRead, AuditVerification
from icrms.auth.schemas import Role

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


@router.get("/verify", response_model=AuditVerification)
def verify(session: SessionDep) -> AuditVerification:
    """Recompute the whole hash chain and report every break."""
    return service.verify(session)
