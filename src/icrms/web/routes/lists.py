"""Watchlists with their entries, and the selectivity policy with its versions."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError as PydanticValidationError

from icrms.api.deps import CurrentUser, SessionDep, require
from icrms.api.errors import pydantic_errors
from icrms.auth.schemas import Role
from icrms.errors import IcrmsError
from icrms.live import profiles as flows
from icrms.live.queries import policy_versions
from icrms.profiles import watchlists
from icrms.profiles.schemas import EntryCreate, WatchlistCreate
from icrms.selectivity.schemas import PolicyConfig
from icrms.web.render import redirect, render

router = APIRouter()
READ = [require(Role.analyst, Role.manager)]
WRITE = [require(Role.analyst)]


def _errors(exc: Exception) -> dict[str, str]:
    if isinstance(exc, PydanticValidationError):
        return {e["field"]: e["reason"] for e in pydantic_errors(list(exc.errors()))}
    return {"form": getattr(exc, "message", str(exc))}


@router.get("/watchlists", dependencies=READ)
def lists(request: Request, session: SessionDep) -> Response:
    """Every watchlist with its number of entries in force."""
    items = [
        (w, len(watchlists.entries(session, list_name=w.name)))
        for w in watchlists.list_watchlists(session)
    ]
    return render(request, "watchlists.html", {"lists": items, "values": {}, "errors": {}})


@router.post("/watchlists", dependencies=WRITE)
async def create(request: Request, session: SessionDep, principal: CurrentUser) -> Response:
    """Create a watchlist."""
    values = {k: v for k, v in (await request.form()).items() if k != "csrf_token" and v}
    try:
        flows.create_watchlist(
            session, watchlist=WatchlistCreate.model_validate(values), actor=principal.actor
        )
    except (PydanticValidationError, IcrmsError) as exc:
        items = [
            (w, len(watchlists.entries(session, list_name=w.name)))
            for w in watchlists.list_watchlists(session)
        ]
        return render(
            request,
            "watchlists.html",
            {"lists": items, "values": values, "errors": _errors(exc)},
            status_code=422,
        )
    return redirect(request, f"/watchlists/{values['name']}")


@router.get("/watchlists/{name}", dependencies=READ)
def entries(name: str, request: Request, session: SessionDep) -> Response:
    """A watchlist's entries in force."""
    data = {
        "w": watchlists.get_watchlist(session, name=name),
        "entries": watchlists.entries(session, list_name=name),
        "errors": {},
        "values": {},
    }
    return render(request, "watchlist.html", data)


@router.post("/watchlists/{name}/entries", dependencies=WRITE)
async def add(name: str, request: Request, session: SessionDep, principal: CurrentUser) -> Response:
    """Put a value on the list."""
    values = {k: v for k, v in (await request.form()).items() if k != "csrf_token" and v}
    try:
        flows.add_entry(
            session, list_name=name, entry=EntryCreate.model_validate(values), actor=principal.actor
        )
    except (PydanticValidationError, IcrmsError) as exc:
        data = {
            "w": watchlists.get_watchlist(session, name=name),
            "entries": watchlists.entries(session, list_name=name),
            "errors": _errors(exc),
            "values": values,
        }
        return render(request, "watchlist.html", data, status_code=422)
    return redirect(request, f"/watchlists/{name}")


@router.post("/watchlists/{name}/remove", dependencies=WRITE)
async def remove(
    name: str, request: Request, session: SessionDep, principal: CurrentUser
) -> Response:
    """Take a value off the list."""
    form = await request.form()
    flows.remove_entry(session, list_name=name, value=str(form.get("value")), actor=principal.actor)
    return redirect(request, f"/watchlists/{name}")


def _policy_page(request: Request, session: Any, **extra: Any) -> Response:
    current = flows.current_policy(session)
    data = {
        "current": current,
        "versions": policy_versions(session),
        "errors": {},
        "text": json.dumps(current.config.model_dump(mode="json"), indent=2),
        **extra,
    }
    return render(request, "policy.html", data, status_code=422 if data["errors"] else 200)


@router.get("/policy", dependencies=READ)
def policy(request: Request, session: SessionDep) -> Response:
    """The policy in force, its versions, and (for analysts) a form for a new version."""
    return _policy_page(request, session)


@router.post("/policy", dependencies=WRITE)
async def set_policy(request: Request, session: SessionDep, principal: CurrentUser) -> Response:
    """Put a new version in force (the form holds the configuration as JSON)."""
    form = await request.form()
    text = str(form.get("config", ""))
    try:
        config = PolicyConfig.model_validate_json(text)
        flows.set_policy(
            session, config=config, note=str(form.get("note") or "") or None, actor=principal.actor
        )
    except (PydanticValidationError, IcrmsError) as exc:
        return _policy_page(request, session, errors=_errors(exc), text=text)
    return redirect(request, "/policy")
