"""Every error becomes RFC 9457 problem+json naming the field and the value; never a stack trace.

Browser pages get the same status as an HTML page (``app.state.html_errors``, set by the web
package); 401 on a page sends the browser to the login form.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from icrms.errors import (
    IcrmsError,
    ServiceUnavailableError,
    TooManyRequestsError,
    ValidationError,
)

log = logging.getLogger("icrms.api")
PROBLEM = "application/problem+json"
# RFC 9110 names (Python 3.11's HTTPStatus still has the older RFC 7231 phrases)
RETRY_BUSY = 5  # seconds a client waits before asking a busy resource again
TITLES = {413: "Content Too Large", 422: "Unprocessable Content"}
HtmlErrors = Callable[[Request, int, str, list[dict[str, Any]]], Response]


def problem(
    request: Request,
    status: int,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A problem+json response, or the HTML error page for a browser page."""
    html: HtmlErrors | None = getattr(request.app.state, "html_errors", None)
    if html is not None and _wants_html(request):
        response = html(request, status, detail, errors or [])
        for name, value in (headers or {}).items():
            response.headers[name] = value
        return response
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": TITLES.get(status) or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _wants_html(request: Request) -> bool:
    path = request.url.path
    if path.startswith("/api/") or path in ("/healthz", "/readyz", "/metrics"):
        return False
    return "text/html" in request.headers.get("accept", "") or "hx-request" in request.headers


def _value(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value if not isinstance(value, str) or len(value) <= 200 else value[:200] + "…"
    return repr(value)[:200]


def pydantic_errors(errors: list[Any], skip: int = 0) -> list[dict[str, Any]]:
    """Field-level messages from pydantic's error list (``skip`` leading location parts)."""
    out = []
    for e in errors:
        loc = [str(p) for p in e.get("loc", ())][skip:]
        out.append(
            {
                "field": ".".join(loc) or "body",
                "value": _value(e.get("input")),
                "reason": str(e.get("msg", "invalid")),
            }
        )
    return out


def register(app: FastAPI) -> None:
    """Install the handlers."""

    @app.exception_handler(IcrmsError)
    async def _icrms(request: Request, exc: IcrmsError) -> Response:
        errors = (
            [{"field": exc.field, "value": _value(exc.value), "reason": exc.reason}]
            if isinstance(exc, ValidationError)
            else None
        )
        headers = (
            {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyRequestsError) else None
        )
        if isinstance(exc, ServiceUnavailableError):
            headers = {"Retry-After": str(RETRY_BUSY)}
        if exc.status_code == 401:
            headers = {**(headers or {}), "WWW-Authenticate": "Bearer"}
        if exc.status_code >= 500:
            log.error("icrms error on %s: %s", request.url.path, exc.message)
        return problem(request, exc.status_code, exc.message, errors, headers)

    @app.exception_handler(RequestValidationError)
    async def _request(request: Request, exc: RequestValidationError) -> Response:
        errors = pydantic_errors(list(exc.errors()))
        for error in errors:
            if error["field"].startswith("body."):
                error["field"] = error["field"][5:]
        return problem(request, 422, "the request does not fit the schema", errors)

    @app.exception_handler(PydanticValidationError)
    async def _model(request: Request, exc: PydanticValidationError) -> Response:
        return problem(request, 422, f"invalid {exc.title}", pydantic_errors(list(exc.errors())))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        return problem(request, exc.status_code, str(exc.detail), None, dict(exc.headers or {}))

    @app.exception_handler(OperationalError)
    @app.exception_handler(PoolTimeoutError)
    async def _store(request: Request, exc: OperationalError | PoolTimeoutError) -> Response:
        if isinstance(exc, OperationalError) and "database is locked" not in str(exc.orig):
            return await _unexpected(request, exc)
        log.warning("store busy on %s %s: %s", request.method, request.url.path, exc)
        return problem(
            request,
            503,
            "the store is busy; nothing was stored: retry shortly (with the same Idempotency-Key)",
            None,
            {"Retry-After": "1"},
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem(request, 500, "internal error; the server log has the details")
