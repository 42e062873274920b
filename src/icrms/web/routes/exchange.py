"""The Exchange page: the inbox of partners' objects, received bundles, sightings, partners.

Analysts decide on inbox items here as with ``icrms exchange inbox``: an indicator is adopted as a
draft profile (then backtested and approved like any profile), an alert or seizure accepted or
dismissed with a reason. Managers read.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from icrms.api.deps import CurrentUser, IdPath, SessionDep, SettingsDep, require
from icrms.auth.schemas import Role
from icrms.errors import IcrmsError, ValidationError
from icrms.exchange import inbox, joint, outbox, partners
from icrms.live.warehouse import reading
from icrms.web.render import redirect, render

router = APIRouter()
READ = [require(Role.analyst, Role.manager)]
WRITE = [require(Role.analyst)]
STATES = ("new", "accepted", "dismissed")


def _page(session: Session, state: str | None) -> dict[str, Any]:
    return {
        "state": state,
        "states": STATES,
        "items": inbox.list_inbox(session, state=state, limit=200),
        "counts": inbox.counts(session),
        "received": inbox.received_log(session, limit=20),
        "sightings": inbox.sightings(session),
        "sent": outbox.sent_bundles(session, limit=20),
        "partners": partners.list_partners(session),
    }


@router.get("/exchange", dependencies=READ)
def page(request: Request, session: SessionDep, state: str | None = "new") -> Response:
    """The inbox (new items by default), the latest bundles received and sent, the sightings."""
    if state not in (*STATES, "all"):
        raise ValidationError("state", state, f"one of {', '.join(STATES)} or all")
    return render(request, "exchange.html", _page(session, None if state == "all" else state))


@router.get("/exchange/joint", dependencies=READ)
def joint_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    until: date | None = None,
    top: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Response:
    """Joint risk assessment: our hit rate per HS6 x origin beside each partner's."""
    start, end = joint.default_window(session, date.today())
    start, end = date_from or start, until or end
    with reading(settings) as wh:
        view = joint.compare(session, wh, date_from=start, date_to=end, top=top)
    return render(request, "exchange_joint.html", {"view": view, "top": top})


@router.get("/exchange/items/{item_id}", dependencies=READ)
def item(item_id: IdPath, request: Request, session: SessionDep) -> Response:
    """One received object in full, with the decision on it."""
    return render(request, "exchange_item.html", _item(session, item_id, None))


def _item(session: Session, item_id: int, error: str | None) -> dict[str, Any]:
    return {"item": inbox.get_item(session, item_id=item_id), "error": error}


async def _note(request: Request) -> str | None:
    value = (await request.form()).get("note")
    return value.strip()[:1000] or None if isinstance(value, str) else None


@router.post("/exchange/items/{item_id}/adopt", dependencies=WRITE)
async def adopt(
    item_id: IdPath, request: Request, session: SessionDep, principal: CurrentUser
) -> Response:
    """Adopt a received indicator as a draft profile, and open the profile."""
    note = await _note(request)
    try:
        profile = inbox.adopt_indicator(session, item_id=item_id, actor=principal.actor, note=note)
    except IcrmsError as exc:
        return _refused(request, session, item_id, exc)
    return redirect(request, f"/profiles/{profile.code}")


@router.post("/exchange/items/{item_id}/accept", dependencies=WRITE)
async def accept(
    item_id: IdPath, request: Request, session: SessionDep, principal: CurrentUser
) -> Response:
    """Accept a received alert or seizure into our intelligence."""
    note = await _note(request)
    try:
        inbox.accept_item(session, item_id=item_id, actor=principal.actor, note=note)
    except IcrmsError as exc:
        return _refused(request, session, item_id, exc)
    return redirect(request, f"/exchange/items/{item_id}")


@router.post("/exchange/items/{item_id}/dismiss", dependencies=WRITE)
async def dismiss(
    item_id: IdPath, request: Request, session: SessionDep, principal: CurrentUser
) -> Response:
    """Dismiss a received object, saying why."""
    note = await _note(request)
    try:
        if note is None:
            raise ValidationError("note", "", "say why the item is dismissed")
        inbox.dismiss_item(session, item_id=item_id, actor=principal.actor, note=note)
    except IcrmsError as exc:
        return _refused(request, session, item_id, exc)
    return redirect(request, f"/exchange/items/{item_id}")


def _refused(request: Request, session: Session, item_id: int, exc: IcrmsError) -> Response:
    if exc.status_code == 404:
        raise exc
    session.rollback()
    data = _item(session, item_id, exc.message)
    return render(request, "exchange_item.html", data, status_code=422)
