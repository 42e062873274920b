"""The caller, users and API tokens."""

from __future__ import annotations

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field

from icrms.api.deps import CurrentUser, SessionDep, require
from icrms.auth import service
from icrms.auth.schemas import (
    Principal,
    Role,
    TokenCreate,
    TokenIssued,
    TokenRead,
    UserCreate,
    UserRead,
)

router = APIRouter(tags=["auth"])
ADMIN = [require(Role.admin)]


class UserChange(BaseModel):
    """What an administrator can change on a user."""

    model_config = ConfigDict(extra="forbid")

    active: bool | None = None
    password: str | None = Field(default=None, min_length=12, max_length=1024)


@router.get("/me", response_model=Principal, response_model_exclude={"session_id", "csrf_token"})
def me(principal: CurrentUser) -> Principal:
    """Who the credentials belong to, and their role."""
    return principal


@router.get("/users", response_model=list[UserRead], dependencies=ADMIN)
def list_users(session: SessionDep) -> list[UserRead]:
    """Every user."""
    return service.list_users(session)


@router.post(
    "/users", response_model=UserRead, status_code=status.HTTP_201_CREATED, dependencies=ADMIN
)
def create_user(user: UserCreate, session: SessionDep, principal: CurrentUser) -> UserRead:
    """Create a user (the password is hashed with argon2id)."""
    return service.create_user(session, user=user, actor=principal.actor)


@router.patch("/users/{username}", response_model=UserRead, dependencies=ADMIN)
def change_user(
    username: str, change: UserChange, session: SessionDep, principal: CurrentUser
) -> UserRead:
    """Enable or disable a user, or set a new password (ends their sessions)."""
    user = service.get_user(session, username=username)
    if change.password is not None:
        user = service.set_password(
            session, username=username, password=change.password, actor=principal.actor
        )
    if change.active is not None:
        user = service.set_active(
            session, username=username, active=change.active, actor=principal.actor
        )
    return user


@router.get("/tokens", response_model=list[TokenRead], dependencies=ADMIN)
def list_tokens(session: SessionDep) -> list[TokenRead]:
    """Every API token (never the secrets)."""
    return service.list_tokens(session)


@router.post(
    "/tokens", response_model=TokenIssued, status_code=status.HTTP_201_CREATED, dependencies=ADMIN
)
def create_token(token: TokenCreate, session: SessionDep, principal: CurrentUser) -> TokenIssued:
    """Issue a token; its secret is in this response only."""
    return service.create_token(session, token=token, actor=principal.actor)


@router.delete("/tokens/{public_id}", response_model=TokenRead, dependencies=ADMIN)
def revoke_token(public_id: str, session: SessionDep, principal: CurrentUser) -> TokenRead:
    """Revoke a token at once."""
    return service.revoke_token(session, public_id=public_id, actor=principal.actor)
