"""Log in and out of the web application."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from icrms.api.deps import SESSION_COOKIE, CurrentUser, SessionDep
from icrms.auth import service
from icrms.auth.service import SESSION_MAX
from icrms.errors import IcrmsError
from icrms.web.render import render

router = APIRouter()
LOGIN_CSRF = "icrms_login_csrf"


def _safe_next(target: str | None) -> str:
    """Only a local path may follow the login (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    """The login form; it carries a one-off token also set as a cookie (login CSRF)."""
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", {"next": _safe_next(next), "login_token": token})
    response.set_cookie(
        LOGIN_CSRF, token, httponly=True, secure=True, samesite="strict", max_age=3600
    )
    return response


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    login_token: Annotated[str, Form(max_length=64)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    """Check the password, open a session, set the cookie and go on to ``next``."""
    cookie = request.cookies.get(LOGIN_CSRF, "")
    if not (cookie and login_token and hmac.compare_digest(cookie, login_token)):
        return _again(request, next, "The form expired; please log in again.", 403)
    # a refusal is returned, not raised, so the failed attempt is committed with the answer
    outcome = service.login(session, username=username, password=password, client=_client(request))
    try:
        _principal, session_id = outcome.raise_if_refused()
    except IcrmsError as exc:
        return _again(request, next, exc.message, exc.status_code)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        httponly=True,
        secure=True,
        samesite="lax",
        max_age=int(SESSION_MAX.total_seconds()),
    )
    response.delete_cookie(LOGIN_CSRF)
    return response


def _again(request: Request, next: str, message: str, status: int) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html",
        {"next": _safe_next(next), "login_token": token, "error": message},
        status_code=status,
    )
    response.set_cookie(
        LOGIN_CSRF, token, httponly=True, secure=True, samesite="strict", max_age=3600
    )
    return response


@router.post("/logout")
def logout(request: Request, principal: CurrentUser, session: SessionDep) -> Response:
    """End the session (the CSRF check applies, as to every form)."""
    if principal.session_id:
        service.logout(session, session_id=principal.session_id)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
