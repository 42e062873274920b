"""What routes depend on: the store session, the caller, role checks and paging."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request
from sqlalchemy.orm import Session

from icrms.auth import service as auth
from icrms.auth import tokens
from icrms.auth.schemas import Principal, Role
from icrms.core.db import Store
from icrms.errors import AuthenticationError, PermissionDeniedError
from icrms.settings import Settings

SESSION_COOKIE = "icrms_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
MAX_LIMIT = 500
MAX_ID = 2_147_483_647  # the stores' integer columns (PostgreSQL INTEGER)
EXCHANGE_PREFIX = "/taxii2/"  # the only routes a partner token reaches (api/routes/taxii.py)
PARTNER_PAGES = {"/", "/logout"}  # a partner's browser session: the start page and logging out


def get_store(request: Request) -> Store:
    """The operational store the app was created with."""
    store: Store = request.app.state.store
    return store


def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    """One store session per request: committed when the route returns, rolled back on error.

    The commit happens before the response is sent (the dependency's scope is the route
    function), so a failed commit answers 500, never a 200 for a write that was lost.
    """
    with get_store(request).session() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]


async def _csrf_ok(request: Request, expected: str | None) -> bool:
    supplied = request.headers.get(CSRF_HEADER)
    if supplied is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        supplied = value if isinstance(value, str) else None
    return bool(expected and supplied and hmac.compare_digest(supplied, expected))


async def get_principal(request: Request) -> Principal:
    """The caller, from a bearer API token or the browser session cookie (CSRF-checked on writes).

    Raises:
        AuthenticationError: no credentials, or bad, expired or revoked ones (401).
        PermissionDeniedError: a browser write without the session's CSRF token (403).
    """
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    header = request.headers.get("authorization", "")
    store = get_store(request)
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise AuthenticationError("Authorization must be 'Bearer <API token>'")
        with store.session() as session:
            principal = auth.resolve_token(session, token=token.strip())
        if principal.token_id is not None:
            request.app.state.usage.token_used(principal.token_id)
    elif cookie := request.cookies.get(SESSION_COOKIE):
        with store.session() as session:
            principal = auth.resolve_session(session, session_id=cookie)
        request.app.state.usage.session_seen(tokens.digest(cookie))
        if request.method not in SAFE_METHODS and not await _csrf_ok(request, principal.csrf_token):
            raise PermissionDeniedError("missing or wrong CSRF token; reload the page")
    else:
        raise AuthenticationError("authentication required: log in or send an API token")
    path = request.url.path
    if (
        principal.role is Role.partner
        and not path.startswith(EXCHANGE_PREFIX)
        and not (principal.via == "session" and path in PARTNER_PAGES)
    ):
        raise PermissionDeniedError(
            "a partner token reaches the exchange endpoints only (/taxii2/)"
        )
    request.state.principal = principal
    return principal


CurrentUser = Annotated[Principal, Depends(get_principal)]


class RoleCheck:
    """A dependency allowing the given roles (admin is always allowed); others get 403."""

    def __init__(self, roles: tuple[Role, ...]) -> None:
        self.roles = frozenset((*roles, Role.admin))

    async def __call__(self, principal: CurrentUser) -> Principal:
        if principal.role not in self.roles:
            raise PermissionDeniedError(
                f"role {principal.role.value} may not do this; allowed: "
                + ", ".join(sorted(r.value for r in self.roles))
            )
        return principal


def require(*roles: Role | str) -> Any:
    """``Depends`` on the caller having one of ``roles`` (or admin); use on the route decorator."""
    return Depends(RoleCheck(tuple(Role(r) for r in roles)))


def roles_of(dependency: Callable[..., Any]) -> frozenset[Role] | None:
    """The roles a ``require`` dependency allows (None for other dependencies)."""
    return dependency.roles if isinstance(dependency, RoleCheck) else None


class Page:
    """Keyset paging: items after a cursor, at most ``limit`` (capped)."""

    def __init__(
        self,
        after: Annotated[
            str | None, Query(max_length=200, description="cursor from `next`")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    ) -> None:
        self.after = after
        self.limit = limit


PageDep = Annotated[Page, Depends()]


IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
"""A numeric id in the path (bounded, so that no database refuses it)."""
