"""The API's routers: public ones, and the rest mounted under /api/v1 behind authentication.

A domain adds ``api/routes/<domain>.py`` with an ``APIRouter`` whose routes each carry
``dependencies=[require(...)]`` and appends it to ``ROUTERS`` here.
"""

from __future__ import annotations

from fastapi import APIRouter

from icrms.api.routes import audit, auth, health

PUBLIC_ROUTERS: list[APIRouter] = [health.router]
ROUTERS: list[APIRouter] = [auth.router, audit.router]
