"""Append to the audit trail in the caller's transaction; verify the chain.

Each entry's hash is SHA-256 over the RFC 8785 canonical JSON of its fields and the previous
entry's hash. Appends first update the single head row, which takes the row lock on PostgreSQL
and the write lock on SQLite, so concurrent writers append one after another and the chain
never forks. ``verify`` recomputes every hash and checks sequence numbers and the head: an
edited, deleted or inserted entry breaks it.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import rfc8785
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from icrms.audit.schemas import AuditEntryRead, AuditVerification
from icrms.audit.tables import GENESIS, AuditEntryRow, AuditHeadRow
from icrms.core.clock import now

BATCH = 5_000


def entry_hash(
    *,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    object: str,
    detail: dict[str, Any],
    prev_hash: str,
) -> str:
    """The hash an entry must carry."""
    body: dict[str, Any] = {
        "seq": seq,
        "at": at.isoformat(timespec="microseconds"),
        "actor": actor,
        "action": action,
        "object": object,
        "detail": detail,
        "prev": prev_hash,
    }
    return hashlib.sha256(rfc8785.dumps(body)).hexdigest()  # type: ignore[arg-type]


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    object: str,
    detail: dict[str, Any] | None = None,
) -> AuditEntryRead:
    """Append an entry in the caller's transaction (it commits or rolls back with the change)."""
    session.execute(
        update(AuditHeadRow).where(AuditHeadRow.id == 1).values(seq=AuditHeadRow.seq + 1)
    )
    head = session.execute(
        select(AuditHeadRow.seq, AuditHeadRow.hash).where(AuditHeadRow.id == 1)
    ).one()
    fields: dict[str, Any] = {
        "seq": head.seq,
        "at": now(),
        "actor": actor,
        "action": action,
        "object": object,
        "detail": dict(detail or {}),
        "prev_hash": head.hash,
    }
    digest = entry_hash(**fields)
    row = AuditEntryRow(**fields, hash=digest)
    session.add(row)
    session.execute(update(AuditHeadRow).where(AuditHeadRow.id == 1).values(hash=digest))
    session.flush()
    return AuditEntryRead.model_validate(row, from_attributes=True)


def list_entries(
    session: Session,
    *,
    before: int | None = None,
    limit: int = 100,
    actor: str | None = None,
    action: str | None = None,
) -> list[AuditEntryRead]:
    """Entries newest first, before sequence number ``before``, optionally filtered."""
    query = select(AuditEntryRow).order_by(AuditEntryRow.seq.desc()).limit(limit)
    if before is not None:
        query = query.where(AuditEntryRow.seq < before)
    if actor:
        query = query.where(AuditEntryRow.actor == actor)
    if action:
        query = query.where(AuditEntryRow.action.startswith(action))
    return [AuditEntryRead.model_validate(r, from_attributes=True) for r in session.scalars(query)]


def export(
    session: Session, *, actor: str, after: int = 0, limit: int = BATCH
) -> list[AuditEntryRead]:
    """Entries after sequence number ``after``, oldest first, with their hashes; the export is audited.

    The entry recording the export (``audit.export``: who, which range, the head then) is
    appended after the exported ones, so a later export carries it.
    """
    rows = session.scalars(
        select(AuditEntryRow)
        .where(AuditEntryRow.seq > after)
        .order_by(AuditEntryRow.seq)
        .limit(limit)
    ).all()
    entries = [AuditEntryRead.model_validate(r, from_attributes=True) for r in rows]
    record(
        session,
        actor=actor,
        action="audit.export",
        object="audit",
        detail={
            "after": after,
            "entries": len(entries),
            "last": entries[-1].seq if entries else None,
            "last_hash": entries[-1].hash if entries else None,
        },
    )
    return entries


def verify(session: Session) -> AuditVerification:
    """Walk the whole chain and report every break."""
    head = session.get(AuditHeadRow, 1)
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    problems: list[str] = []
    expected_seq, prev_hash, count, last = 1, GENESIS, 0, 0
    while True:
        rows = session.scalars(
            select(AuditEntryRow)
            .where(AuditEntryRow.seq > last)
            .order_by(AuditEntryRow.seq)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        for row in rows:
            count += 1
            if row.seq != expected_seq:
                problems.append(
                    f"entry {row.seq}: expected sequence number {expected_seq} "
                    f"(entries {expected_seq}..{row.seq - 1} deleted or renumbered)"
                )
            if row.prev_hash != prev_hash:
                problems.append(f"entry {row.seq}: does not follow the entry before it (prev_hash)")
            recomputed = entry_hash(
                seq=row.seq,
                at=row.at,
                actor=row.actor,
                action=row.action,
                object=row.object,
                detail=row.detail,
                prev_hash=row.prev_hash,
            )
            if recomputed != row.hash:
                problems.append(f"entry {row.seq}: content does not match its hash (edited)")
            expected_seq, prev_hash, last = row.seq + 1, row.hash, row.seq
    if last != head_seq or prev_hash != head_hash:
        problems.append(
            f"head names entry {head_seq} but the chain ends at entry {last} "
            "(entries deleted from the end, or added outside the service)"
        )
    return AuditVerification(
        ok=not problems, entries=count, head_seq=head_seq, head_hash=head_hash, problems=problems
    )
