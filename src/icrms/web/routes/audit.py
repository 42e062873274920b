"""The audit log, for administrators: newest entries, filters, and a check of the chain."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from icrms.api.deps import MAX_ID, SessionDep, require
from icrms.audit import service
from icrms.auth.schemas import Role
from icrms.web.render import render

router = APIRouter(dependencies=[require(Role.admin)])
PAGE = 50


@router.get("/audit")
def audit_log(
    request: Request,
    session: SessionDep,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    actor: Annotated[str | None, Query(max_length=100)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """Entries newest first, filtered by actor or action prefix."""
    entries = service.list_entries(
        session, before=before, limit=PAGE, actor=actor or None, action=action or None
    )
    more = entries[-1].seq if len(entries) == PAGE else None
    return render(
        request,
        "audit.html",
        {"entries": entries, "more": more, "actor": actor or "", "action": action or ""},
        block="entries",
    )


@router.post("/audit/verify")
def verify(request: Request, session: SessionDep) -> Response:
    """Recompute the chain and show the verdict."""
    return render(request, "audit.html", {"report": service.verify(session)}, block="verdict")
