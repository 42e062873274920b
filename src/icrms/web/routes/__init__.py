"""The web pages' routers. A domain adds ``web/routes/<page>.py`` and appends its router here."""

from __future__ import annotations

from fastapi import APIRouter

from icrms.web.routes import (
    audit,
    dashboards,
    declarations,
    exchange,
    home,
    jobs,
    lists,
    models,
    profiles,
    reports,
    session,
    threats,
    worklist,
)

PAGES: list[APIRouter] = [
    session.router,
    home.router,
    declarations.router,
    worklist.router,
    profiles.router,
    lists.router,
    models.router,
    jobs.router,
    exchange.router,
    audit.router,
    dashboards.router,
    threats.router,
    reports.router,
]
