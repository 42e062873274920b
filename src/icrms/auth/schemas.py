"""Roles, users, sessions and API tokens as the service reads and writes them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Role(StrEnum):
    """What a user or token is for (docs/security.md has the permission matrix)."""

    admin = "admin"
    analyst = "analyst"
    officer = "officer"
    manager = "manager"
    system = "system"
    partner = "partner"


ROLES = tuple(Role)
USERNAME = r"^[a-z0-9][a-z0-9_.@-]{1,63}$"


class UserCreate(BaseModel):
    """A new user; the password is hashed with argon2id and never stored."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(pattern=USERNAME)
    full_name: str = Field(default="", max_length=200)
    role: Role
    office_code: str | None = Field(default=None, max_length=16)
    password: str = Field(min_length=12, max_length=1024, repr=False)


class UserRead(BaseModel):
    """A stored user (no password hash)."""

    id: int
    username: str
    full_name: str
    role: Role
    office_code: str | None
    active: bool
    created_at: datetime


class TokenCreate(BaseModel):
    """A new API token for a system or partner."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    role: Role
    office_code: str | None = Field(default=None, max_length=16)
    expires_at: datetime | None = None


class TokenRead(BaseModel):
    """A stored token: its public id and metadata, never the secret."""

    id: int
    public_id: str
    name: str
    role: Role
    office_code: str | None
    created_by: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class TokenIssued(TokenRead):
    """A token just created: the only time its secret is shown."""

    token: str


class Principal(BaseModel):
    """Who is calling: a user through a browser session, or an API token."""

    model_config = ConfigDict(frozen=True)

    name: str
    role: Role
    office_code: str | None = None
    via: Literal["session", "token"]
    user_id: int | None = None
    token_id: int | None = None
    session_id: str | None = None
    csrf_token: str | None = None

    @property
    def actor(self) -> str:
        """How the audit trail names this caller."""
        return f"token:{self.name}" if self.via == "token" else self.name
