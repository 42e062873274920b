"""The web pages' routers. A domain adds ``web/routes/<page>.py`` and appends its router here."""

from __future__ import annotations

from fastapi import APIRouter

from icrms.web.routes import audit, home, session

PAGES: list[APIRouter] = [session.router, home.router, audit.router]
