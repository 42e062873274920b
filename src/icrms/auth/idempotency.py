"""Idempotency keys: a retried write with the same key and body gets the first answer again."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from icrms.auth.tables import IdempotencyRow
from icrms.core.clock import now
from icrms.errors import ConflictError

KEEP = timedelta(days=2)


@dataclass(frozen=True)
class StoredAnswer:
    """The answer given the first time."""

    status_code: int
    body: Any


def _hash(request: BaseModel) -> str:
    return hashlib.sha256(request.model_dump_json().encode()).hexdigest()


def replay(session: Session, *, caller: str, key: str, request: BaseModel) -> StoredAnswer | None:
    """The stored answer for (caller, key), None if new; a different body under the key is a conflict."""
    row = session.get(IdempotencyRow, (caller, key))
    if row is None:
        return None
    if row.request_hash != _hash(request):
        raise ConflictError(f"Idempotency-Key {key!r} was used for a different request")
    return StoredAnswer(row.status_code, json.loads(row.response))


def remember(
    session: Session,
    *,
    caller: str,
    key: str,
    request: BaseModel,
    status_code: int,
    body: Any,
) -> None:
    """Keep the answer (a concurrent retry that stored it first wins; both answers agree)."""
    try:
        with session.begin_nested():
            session.add(
                IdempotencyRow(
                    caller=caller,
                    key=key,
                    request_hash=_hash(request),
                    status_code=status_code,
                    response=json.dumps(body, separators=(",", ":")),
                    created_at=now(),
                )
            )
    except IntegrityError:
        pass


def prune(session: Session) -> int:
    """Forget keys older than two days."""
    result = session.execute(delete(IdempotencyRow).where(IdempotencyRow.created_at < now() - KEEP))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
