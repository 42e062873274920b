"""Audit entries and the result of verifying the chain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class AuditEntryRead(BaseModel):
    """A stored audit entry."""

    seq: int
    at: datetime
    actor: str
    action: str
    object: str
    detail: dict[str, Any]
    prev_hash: str
    hash: str


class AuditVerification(BaseModel):
    """What ``verify`` found: the chain is intact, or where it breaks and how."""

    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    problems: list[str] = Field(default_factory=list)
