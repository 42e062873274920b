"""Mount the web application on the FastAPI app: static assets, pages, HTML error pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import plotly
from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from icrms.web.render import is_htmx, render
from icrms.web.routes import PAGES

STATIC = Path(__file__).parent / "static"
PLOTLY = Path(plotly.__file__).parent / "package_data"
TITLES = {
    401: "Log in",
    403: "Not allowed",
    404: "Not found",
    413: "Too large",
    429: "Too many attempts",
}


def html_errors(
    request: Request, status: int, detail: str, errors: list[dict[str, Any]]
) -> Response:
    """The HTML answer to an error on a page: 401 goes to the login form, the rest to a page."""
    if status == 401:
        target = f"/login?next={request.url.path}"
        if is_htmx(request):
            return Response(status_code=401, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)
    return render(
        request,
        "error.html",
        {
            "status": status,
            "title": TITLES.get(status, "Error"),
            "detail": detail,
            "errors": errors,
        },
        status_code=status,
    )


def mount(app: FastAPI) -> None:
    """Add the static files, the pages and the HTML error pages to ``app``."""
    app.mount("/static/plotly", StaticFiles(directory=PLOTLY), name="plotly")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in PAGES:
        app.include_router(router, include_in_schema=False)
    app.state.html_errors = html_errors
    app.state.web_pages = {
        getattr(route, "path", "") for router in PAGES for route in router.routes
    }
