"""Risk models: list, show with metrics, drift, promote, roll back, train (as a job)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status

from icrms.api.deps import CurrentUser, SessionDep, SettingsDep, require
from icrms.auth.schemas import Role
from icrms.jobs import service as jobs
from icrms.jobs.schemas import JobRead, TrainParams
from icrms.live.profiles import record_model_change
from icrms.live.warehouse import reading
from icrms.models.service import registry, workspace_drift

router = APIRouter(prefix="/models", tags=["models"])
READ = [require(Role.analyst, Role.manager)]
WRITE = [require(Role.analyst)]


@router.get("", dependencies=READ)
def list_models(settings: SettingsDep) -> list[dict[str, Any]]:
    """Registered versions, oldest first, with window, metrics and which one is promoted."""
    return registry(settings).versions()


@router.get("/{version}", dependencies=READ)
def show(version: str, settings: SettingsDep) -> dict[str, Any]:
    """A version's metadata: window, metrics, thresholds, files and their hashes."""
    meta = registry(settings).meta(version)
    meta.pop("drift_reference", None)
    return meta


@router.get("/{version}/drift", dependencies=READ)
def drift(
    version: str,
    settings: SettingsDep,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
) -> dict[str, Any]:
    """PSI of each feature and the score: training rows against the last ``days`` of lodgements."""
    with reading(settings) as wh:
        return workspace_drift(wh, settings, days=days, version=version)


@router.post("/{version}/promote", dependencies=WRITE)
def promote(
    version: str, settings: SettingsDep, session: SessionDep, principal: CurrentUser
) -> dict[str, Any]:
    """Put a version in force for live assessment."""
    promoted = registry(settings).promote(version)
    record_model_change(session, actor=principal.actor, action="model.promote", version=promoted)
    return {"promoted": promoted}


@router.post("/rollback", dependencies=WRITE)
def rollback(settings: SettingsDep, session: SessionDep, principal: CurrentUser) -> dict[str, Any]:
    """Return to the previously promoted version."""
    promoted = registry(settings).rollback()
    record_model_change(session, actor=principal.actor, action="model.rollback", version=promoted)
    return {"promoted": promoted}


@router.post(
    "/train", response_model=JobRead, status_code=status.HTTP_202_ACCEPTED, dependencies=WRITE
)
def train(
    params: TrainParams, request: Request, session: SessionDep, principal: CurrentUser
) -> JobRead:
    """Train and register a model on the warehouse, as a job (promote it afterwards)."""
    job = jobs.submit(
        session, kind="train", params=params.model_dump(mode="json"), actor=principal.actor
    )
    request.app.state.wake_jobs()
    return job
