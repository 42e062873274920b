"""Render a page in full, or only one of its blocks for an htmx request.

Decisions made once, here:
- an htmx request (``HX-Request``) that is not a history restore gets the named block only;
  every other request gets the whole page;
- form errors answer 422 with the form block re-rendered, and base.html tells htmx to swap 422
  responses (htmx 2 does not swap 4xx by default); other 4xx/5xx are not swapped;
- after a successful plain form post, handlers redirect with 303 (see ``redirect``); after an
  htmx post they return the updated block.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from icrms import __version__
from icrms.auth.schemas import Principal
from icrms.live.queries import data_as_of
from icrms.web.nav import visible

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def is_htmx(request: Request) -> bool:
    """Whether htmx sent the request and will swap a fragment (not a history restore)."""
    return (
        request.headers.get("hx-request") == "true"
        and request.headers.get("hx-history-restore-request") != "true"
    )


def _pages(request: Request) -> set[str]:
    pages: set[str] = request.app.state.web_pages
    return pages


def context(request: Request, extra: dict[str, Any]) -> dict[str, Any]:
    """What every template gets: the caller, CSRF token, navigation, version."""
    principal: Principal | None = getattr(request.state, "principal", None)
    registered = _pages(request)
    nav = visible(principal, registered)
    path = request.url.path
    current = max(
        (i.path for i in nav if path == i.path or path.startswith(i.path + "/")),
        key=len,
        default=None,
    )
    return {
        "request": request,
        "principal": principal,
        "csrf_token": principal.csrf_token if principal else None,
        "nav": nav,
        "current_nav": current,
        "path": request.url.path,
        "version": __version__,
        **extra,
    }


def render(
    request: Request,
    template: str,
    data: dict[str, Any] | None = None,
    *,
    block: str | None = None,
    fragment: bool = False,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """The page ``template``, or only its ``block`` when htmx asked for a fragment.

    ``fragment=True`` always answers the block (endpoints that only serve fragments).
    """
    ctx = context(request, data or {})
    if block is not None and (fragment or is_htmx(request)):
        compiled = TEMPLATES.env.get_template(template)
        html = "".join(compiled.blocks[block](compiled.new_context(ctx)))
        return HTMLResponse(html, status_code=status_code, headers=headers)
    return TEMPLATES.TemplateResponse(
        request, template, ctx, status_code=status_code, headers=headers
    )


def redirect(request: Request, url: str) -> Response:
    """After a successful post: 303 for a plain form, ``HX-Redirect`` for htmx."""
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def backtest_window(session: Session) -> dict[str, date]:
    """The default backtest window for forms: the year up to the day the data reaches."""
    as_of = data_as_of(session)
    return {"today": as_of, "year_ago": as_of - timedelta(days=365)}
