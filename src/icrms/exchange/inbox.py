"""The analyst's inbox: received indicators, alerts and seizures, and what was decided on each.

Adopting an indicator makes a local *draft* profile with the source as its provenance (to be
backtested on our own history and approved before it selects anything); an update of an indicator
already adopted suspends the derived profile and makes a new version of it, never an active one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from icrms.audit import service as audit
from icrms.core.clock import now
from icrms.errors import ConflictError, NotFoundError, ValidationError
from icrms.exchange import objects as objs
from icrms.exchange.schemas import InboxItemRead, ReceivedBundleRead, SightingRead
from icrms.exchange.tables import InboxItemRow, ReceivedBundleRow, SharedIndicatorRow, SightingRow
from icrms.profiles import service as profiles
from icrms.profiles.schemas import ProfileRead

STATES = ("new", "accepted", "dismissed")


def list_inbox(
    session: Session, *, state: str | None = None, object_type: str | None = None, limit: int = 200
) -> list[InboxItemRead]:
    """Inbox items, newest first."""
    query = select(InboxItemRow).order_by(InboxItemRow.id.desc()).limit(limit)
    if state is not None:
        query = query.where(InboxItemRow.state == state)
    if object_type is not None:
        query = query.where(InboxItemRow.object_type == object_type)
    return [_read(r) for r in session.scalars(query)]


def get_item(session: Session, *, item_id: int) -> InboxItemRead:
    """One inbox item."""
    return _read(_row(session, item_id))


def adopt_indicator(
    session: Session, *, item_id: int, actor: str, note: str | None = None
) -> ProfileRead:
    """Turn a received indicator into a local draft profile (or a suspended new version)."""
    row = _row(session, item_id)
    if row.object_type != "indicator":
        raise ValidationError("item", item_id, f"is a {row.object_type}, not an indicator")
    if row.state != "new":
        raise ConflictError(f"inbox item {item_id} was already {row.state}")
    spec = objs.profile_from_indicator(row.payload, row.issuer, row.bundle_id)
    try:
        current = profiles.get_profile(session, code=spec.code)
    except NotFoundError:
        current = None
    if current is None:
        profile = profiles.add_profile(
            session, profile=spec, note=note or f"adopted from {row.issuer}", actor=actor
        )
    else:
        if current.status == "active":
            profiles.set_status(
                session,
                code=spec.code,
                status="suspended",
                note="partner sent a new version",
                actor=actor,
            )
        profile, _ = profiles.import_profile(session, profile=spec, actor=actor)
    _decide(session, row, "accepted", actor, note, spec.code)
    return profile


def accept_item(
    session: Session, *, item_id: int, actor: str, note: str | None = None
) -> InboxItemRead:
    """Accept an alert or seizure into our intelligence (warehouse and threat analysis read it)."""
    row = _row(session, item_id)
    if row.object_type == "indicator":
        raise ValidationError("item", item_id, "an indicator is adopted as a profile, not accepted")
    if row.state != "new":
        raise ConflictError(f"inbox item {item_id} was already {row.state}")
    _decide(session, row, "accepted", actor, note, None)
    return _read(row)


def dismiss_item(session: Session, *, item_id: int, actor: str, note: str) -> InboxItemRead:
    """Dismiss a received object, saying why."""
    row = _row(session, item_id)
    if row.state != "new":
        raise ConflictError(f"inbox item {item_id} was already {row.state}")
    _decide(session, row, "dismissed", actor, note, None)
    return _read(row)


def derived_from(session: Session, *, profile_code: str) -> InboxItemRead | None:
    """The received indicator a profile was derived from, if any (latest adoption)."""
    row = session.scalar(
        select(InboxItemRow)
        .where(InboxItemRow.local_ref == profile_code, InboxItemRow.object_type == "indicator")
        .order_by(InboxItemRow.id.desc())
        .limit(1)
    )
    return None if row is None else _read(row)


def received_log(
    session: Session, *, status: str | None = None, limit: int = 200
) -> list[ReceivedBundleRead]:
    """Bundles received, newest first, with the reason of each refusal."""
    query = select(ReceivedBundleRow).order_by(ReceivedBundleRow.id.desc()).limit(limit)
    if status is not None:
        query = query.where(ReceivedBundleRow.status == status)
    return [
        ReceivedBundleRead.model_validate(r, from_attributes=True) for r in session.scalars(query)
    ]


def sightings(session: Session) -> list[SightingRead]:
    """Feedback received on the indicators we shared: per indicator and partner, how often it hit."""
    shared = {r.object_id: r.profile_code for r in session.scalars(select(SharedIndicatorRow))}
    rows = session.scalars(
        select(SightingRow).order_by(SightingRow.indicator_id, SightingRow.issuer)
    )
    return [
        SightingRead(
            issuer=r.issuer,
            object_id=r.object_id,
            indicator_id=r.indicator_id,
            profile_code=shared.get(r.indicator_id),
            count=r.count,
            first_seen=r.first_seen,
            last_seen=r.last_seen,
            feedback=r.feedback,
            received_at=r.received_at,
        )
        for r in rows
    ]


def counts(session: Session) -> dict[str, Any]:
    """How many items wait, by type (for the navigation badge and the CLI)."""
    rows = session.execute(
        select(InboxItemRow.object_type, InboxItemRow.state, func.count()).group_by(
            InboxItemRow.object_type, InboxItemRow.state
        )
    ).all()
    out: dict[str, Any] = {}
    for kind, state, n in rows:
        out.setdefault(kind, dict.fromkeys(STATES, 0))[state] = n
    return out


def _decide(
    session: Session,
    row: InboxItemRow,
    state: str,
    actor: str,
    note: str | None,
    local_ref: str | None,
) -> None:
    row.state, row.decided_by, row.decided_at, row.note = state, actor, now(), note
    if local_ref is not None:
        row.local_ref = local_ref
    audit.record(
        session,
        actor=actor,
        action="exchange.inbox.adopt" if local_ref else f"exchange.inbox.{state}",
        object=f"inbox:{row.id}",
        detail={
            "issuer": row.issuer,
            "object": row.object_id,
            "version": row.object_version,
            "profile": local_ref,
            "note": note,
        },
    )


def _row(session: Session, item_id: int) -> InboxItemRow:
    row = session.get(InboxItemRow, item_id)
    if row is None:
        raise NotFoundError(f"inbox item {item_id} not found")
    return row


def _read(row: InboxItemRow) -> InboxItemRead:
    return InboxItemRead.model_validate(row, from_attributes=True)
