"""The API's routers: public ones, and the rest mounted under /api/v1 behind authentication.

A domain adds ``api/routes/<domain>.py`` with an ``APIRouter`` whose routes each carry
``dependencies=[require(...)]`` and appends it to ``ROUTERS`` here.
"""

from __future__ import annotations

from fastapi import APIRouter

from icrms.api.routes import (
    assessments,
    audit,
    auth,
    controls,
    declarations,
    exchange,
    health,
    jobs,
    models,
    profiles,
    watchlists,
)

PUBLIC_ROUTERS: list[APIRouter] = [health.router, exchange.router]
ROUTERS: list[APIRouter] = [
    auth.router,
    declarations.router,
    assessments.router,
    controls.router,
    profiles.router,
    watchlists.router,
    models.router,
    jobs.router,
    audit.router,
]
