"""Profiles: list with effectiveness, editor with criteria checked as you type, backtest,
approval requests and the approval queue."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError as PydanticValidationError

from icrms.api.deps import CurrentUser, SessionDep, SettingsDep, require
from icrms.api.errors import pydantic_errors
from icrms.auth.schemas import Role
from icrms.errors import IcrmsError, ServiceUnavailableError, ValidationError
from icrms.jobs import service as jobs
from icrms.jobs.schemas import BacktestParams
from icrms.kpis.effectiveness import profile_effectiveness
from icrms.live.profiles import check_criteria
from icrms.live.queries import data_as_of
from icrms.live.warehouse import reading
from icrms.profiles import service
from icrms.profiles.schemas import ProfileCreate, ProfileFields
from icrms.web.render import backtest_window, redirect, render

router = APIRouter()
READ = [require(Role.analyst, Role.manager)]
WRITE = [require(Role.analyst)]
FIELDS = (
    "name",
    "purpose",
    "category",
    "criteria",
    "score",
    "min_channel",
    "selection_rate",
    "valid_from",
    "valid_to",
    "owner",
    "review_date",
)


@router.get("/profiles", dependencies=READ)
def list_profiles(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """Every profile's current version, with its record where the warehouse has one."""
    profiles = service.list_profiles(session)
    waiting = {a.code for a in service.approvals(session)}
    effect: dict[str, Any] = {}
    notice = None
    as_of = data_as_of(session)
    try:
        with reading(settings) as wh:
            base, rows = profile_effectiveness(wh, profiles=profiles, as_of=as_of)
        effect = {r.code: r for r in rows}
        notice = f"As of {as_of}. Baseline: {base.source.replace('_', ' ')} hit rate " + (
            f"{base.hit_rate:.1%}" if base.hit_rate is not None else "unknown"
        )
    except ServiceUnavailableError as exc:
        notice = exc.message
    except IcrmsError:
        notice = "No effectiveness figures: the warehouse holds no assessments yet."
    data = {"profiles": profiles, "effect": effect, "waiting": waiting, "notice": notice}
    return render(request, "profiles.html", data)


def _editor(request: Request, session: Any, code: str | None, **extra: Any) -> Response:
    current = service.get_profile(session, code=code) if code else None
    data: dict[str, Any] = {
        "profile": current,
        "versions": service.history(session, code=code) if code else [],
        "waiting": next((a for a in service.approvals(session) if a.code == code), None),
        "values": current.model_dump(mode="json")
        if current
        else {"min_channel": "yellow", "selection_rate": 1, "category": "revenue"},
        "errors": {},
        "check": None,
        **backtest_window(session),
        **extra,
    }
    status = 422 if data["errors"] else 200
    return render(
        request,
        "profile_editor.html",
        data,
        block="editor" if status == 422 else None,
        status_code=status,
    )


@router.get("/profiles/new", dependencies=WRITE)
def new(request: Request, session: SessionDep) -> Response:
    """An empty editor."""
    return _editor(request, session, None)


@router.get("/profiles/approvals", dependencies=READ)
def approvals(request: Request, session: SessionDep) -> Response:
    """Requests waiting for a second analyst."""
    waiting = service.approvals(session)
    profiles = {a.code: service.get_profile(session, code=a.code) for a in waiting}
    return render(request, "approvals.html", {"waiting": waiting, "profiles": profiles})


@router.post("/profiles/check", dependencies=READ)
async def check(request: Request, session: SessionDep) -> Response:
    """Check the criteria as typed; the answer marks the error's position."""
    form = await request.form()
    criteria = str(form.get("criteria", ""))
    result = check_criteria(session, criteria=criteria) if criteria.strip() else None
    return render(
        request,
        "profile_editor.html",
        {"check": result, "criteria": criteria},
        block="check",
        fragment=True,
    )


def _values(form: Any) -> dict[str, Any]:
    return {
        k: str(form.get(k)).strip() for k in ("code", *FIELDS) if str(form.get(k) or "").strip()
    }


def _errors(exc: Exception) -> dict[str, str]:
    if isinstance(exc, PydanticValidationError):
        out: dict[str, str] = {}
        for e in pydantic_errors(list(exc.errors())):
            out.setdefault(e["field"] if e["field"] != "body" else "form", e["reason"])
        return out
    if isinstance(exc, ValidationError):
        return {exc.field: exc.reason}
    return {"form": getattr(exc, "message", str(exc))}


@router.post("/profiles/new", dependencies=WRITE)
async def create(request: Request, session: SessionDep, principal: CurrentUser) -> Response:
    """Create a draft; errors come back beside their fields."""
    values = _values(await request.form())
    try:
        created = service.add_profile(
            session, profile=ProfileCreate.model_validate(values), actor=principal.actor
        )
    except (PydanticValidationError, IcrmsError) as exc:
        return _editor(request, session, None, values=values, errors=_errors(exc))
    return redirect(request, f"/profiles/{created.code}")


@router.get("/profiles/{code}", dependencies=READ)
def editor(code: str, request: Request, session: SessionDep) -> Response:
    """The editor of a profile: current version, versions, backtest, approval."""
    return _editor(request, session, code)


@router.post("/profiles/{code}", dependencies=WRITE)
async def save(
    code: str, request: Request, session: SessionDep, principal: CurrentUser
) -> Response:
    """Save the edit as a new version."""
    values = _values(await request.form())
    values.pop("code", None)
    try:
        service.edit_profile(
            session, code=code, changes=ProfileFields.model_validate(values), actor=principal.actor
        )
    except (PydanticValidationError, IcrmsError) as exc:
        return _editor(request, session, code, values={**values, "code": code}, errors=_errors(exc))
    return redirect(request, f"/profiles/{code}")


@router.post("/profiles/{code}/backtest", dependencies=WRITE)
async def backtest(
    code: str, request: Request, session: SessionDep, principal: CurrentUser
) -> Response:
    """Start a backtest job; the panel follows its progress and shows the report."""
    form = await request.form()
    try:
        params = BacktestParams.model_validate(
            {
                "code": code,
                "date_from": form.get("date_from"),
                "date_to": form.get("date_to"),
                "version": service.get_profile(session, code=code).version,
            }
        )
    except PydanticValidationError as exc:
        message = "; ".join(
            f"{e['field']}: {e['reason']}" for e in pydantic_errors(list(exc.errors()))
        )
        return render(
            request,
            "job_panel.html",
            {"error": message},
            block="panel",
            fragment=True,
            status_code=422,
        )
    job = jobs.submit(
        session, kind="backtest", params=params.model_dump(mode="json"), actor=principal.actor
    )
    request.app.state.wake_jobs()
    return render(request, "job_panel.html", {"job": job}, block="panel", fragment=True)


@router.post("/profiles/{code}/request-approval", dependencies=WRITE)
async def request_approval(
    code: str, request: Request, session: SessionDep, principal: CurrentUser
) -> Response:
    """Ask a second analyst to switch the current version on."""
    form = await request.form()
    try:
        service.request_activation(
            session, code=code, actor=principal.actor, note=str(form.get("note") or "") or None
        )
    except IcrmsError as exc:
        return _editor(request, session, code, errors={"approval": exc.message})
    return redirect(request, f"/profiles/{code}")


@router.post("/profiles/{code}/decide", dependencies=WRITE)
async def decide(
    code: str, request: Request, session: SessionDep, principal: CurrentUser
) -> Response:
    """Approve or reject another analyst's request."""
    form = await request.form()
    approve = form.get("decision") == "approve"
    service.decide_activation(
        session,
        code=code,
        actor=principal.actor,
        approve=approve,
        note=str(form.get("note") or "") or None,
    )
    return redirect(request, "/profiles/approvals")


@router.post("/profiles/{code}/status", dependencies=WRITE)
async def change_status(
    code: str, request: Request, session: SessionDep, principal: CurrentUser
) -> Response:
    """Suspend or retire the profile."""
    form = await request.form()
    status = str(form.get("status"))
    if status not in ("suspended", "retired"):
        raise ValidationError("status", status, "choose suspended or retired")
    service.set_status(session, code=code, status=status, actor=principal.actor)  # type: ignore[arg-type]
    return redirect(request, f"/profiles/{code}")
