"""The start page: where each role begins."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from icrms.api.deps import CurrentUser
from icrms.web.render import render

router = APIRouter()


@router.get("/")
def home(request: Request, principal: CurrentUser) -> Response:
    """A welcome page listing what the caller's role can open."""
    return render(request, "home.html", {})
