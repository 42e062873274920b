"""The officer's worklist and the control-result form."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError as PydanticValidationError

from icrms.api.deps import MAX_ID, CurrentUser, SessionDep, require
from icrms.api.errors import pydantic_errors
from icrms.auth.schemas import Role
from icrms.controls.schemas import ControlResultCreate
from icrms.declarations.fields import IRREGULARITY_TYPES
from icrms.errors import ValidationError
from icrms.live import flows, queries
from icrms.web.render import redirect, render

router = APIRouter()
OFFICERS = [require(Role.officer, Role.analyst, Role.manager)]
RECORDERS = [require(Role.officer)]


@router.get("/worklist", dependencies=OFFICERS)
def worklist(
    request: Request,
    session: SessionDep,
    principal: CurrentUser,
    office: Annotated[str | None, Query(max_length=16)] = None,
    after: Annotated[int | None, Query(ge=0, le=MAX_ID)] = None,
    recorded: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """Red and yellow declarations waiting for control, oldest first."""
    if principal.role == Role.officer:
        office = principal.office_code
    items = queries.worklist(session, office=office or None, after=after, limit=50)
    data = {
        "items": items,
        "office": office or "",
        "next": items[-1].assessment_id if len(items) == 50 else None,
        "recorded": recorded,
    }
    return render(request, "worklist.html", data, block="rows")


@router.get("/worklist/{declaration_id}/control", dependencies=RECORDERS)
def control_form(
    declaration_id: str,
    request: Request,
    session: SessionDep,
    principal: CurrentUser,
    version: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    """The form to record what the control found."""
    flows.check_office(session, principal, declaration_id)
    found = queries.declaration_detail(session, declaration_id=declaration_id, version=version)
    data = {"d": found, "types": IRREGULARITY_TYPES, "values": {}, "errors": {}}
    return render(request, "control_form.html", data)


@router.post("/worklist/{declaration_id}/control", dependencies=RECORDERS)
async def record_control(
    declaration_id: str, request: Request, session: SessionDep, principal: CurrentUser
) -> Response:
    """Record the result; errors come back beside their fields (422)."""
    form = await request.form()
    values: dict[str, Any] = {k: v for k, v in form.items() if k != "csrf_token"}
    data: dict[str, Any] = {
        "declaration_id": declaration_id,
        "version": values.get("version") or 1,
        "outcome": values.get("outcome"),
        "controlled_at": values.get("controlled_at") or datetime.now(UTC).isoformat(),
        "irregularity_types": form.getlist("irregularity_types"),
        "extra_revenue": values.get("extra_revenue") or 0,
        "seizure_goods": values.get("seizure_goods") or None,
        "concealment": values.get("concealment") or None,
        "modus_operandi": values.get("modus_operandi") or None,
    }
    errors: dict[str, str] = {}
    try:
        result = ControlResultCreate.model_validate(data)
        flows.record_control(session, result=result, principal=principal)
    except PydanticValidationError as exc:
        for e in pydantic_errors(list(exc.errors())):
            errors[e["field"] if e["field"] != "body" else "outcome"] = e["reason"]
    except ValidationError as exc:
        errors[exc.field] = exc.reason
    if errors:
        found = queries.declaration_detail(
            session, declaration_id=declaration_id, version=int(data["version"])
        )
        page = {
            "d": found,
            "types": IRREGULARITY_TYPES,
            "values": values,
            "errors": errors,
            "checked": set(data["irregularity_types"]),
        }
        return render(request, "control_form.html", page, block="form", status_code=422)
    return redirect(request, f"/worklist?recorded={declaration_id}")
