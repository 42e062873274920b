"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from sqlalchemy import text

from icrms.api.deps import require
from icrms.auth.schemas import Role

router = APIRouter(tags=["health"])
FAVICON = Path(__file__).resolve().parents[2] / "web" / "static" / "favicon.svg"


@router.get("/healthz", summary="The process is up")
def healthz() -> dict[str, str]:
    """Always ok while the process answers."""
    return {"status": "ok"}


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> FileResponse:
    """The icon browsers ask for by this name."""
    return FileResponse(FAVICON, media_type="image/svg+xml")


@router.get("/readyz", summary="The service can take requests", response_model=None)
def readyz(request: Request) -> JSONResponse | dict[str, Any]:
    """Ok when the store answers and every background part is running; 503 otherwise."""
    checks: dict[str, str] = {}
    try:
        with request.app.state.store.session() as session:
            session.execute(text("SELECT 1"))
        checks["store"] = "ok"
    except Exception as exc:  # any failure means not ready; the reason is reported
        checks["store"] = f"failed: {type(exc).__name__}"
    for name, probe in getattr(request.app.state, "readiness", {}).items():
        checks[name] = probe()
    ready = all(v == "ok" for v in checks.values())
    body = {"status": "ready" if ready else "not ready", "checks": checks}
    return body if ready else JSONResponse(body, status_code=503)


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    dependencies=[require(Role.system, Role.manager)],
    response_class=Response,
)
def metrics(request: Request) -> Response:
    """Request latency, assessments by channel and jobs, in the Prometheus text format."""
    return Response(
        request.app.state.metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8"
    )
