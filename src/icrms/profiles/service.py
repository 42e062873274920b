"""Risk profiles: every change is a new version; activation is checked; active sets are versioned."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from icrms.audit import service as audit
from icrms.core.clock import now
from icrms.core.logging import get_logger
from icrms.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
    cut,
)
from icrms.profiles.rules import CriterionError, referenced_watchlists
from icrms.profiles.schemas import ApprovalRead, ProfileCreate, ProfileFields, ProfileRead, Status
from icrms.profiles.tables import ProfileApprovalRow, ProfileSetRow, ProfileVersionRow, WatchlistRow

EDITABLE = tuple(ProfileFields.model_fields)
TRANSITIONS: dict[str, set[str]] = {
    "draft": {"active", "retired"},
    "active": {"suspended", "expired", "retired"},
    "suspended": {"active", "retired"},
    "expired": {"retired"},
    "retired": set(),
}

log = get_logger(__name__)


def add_profile(
    session: Session, *, profile: ProfileCreate, note: str | None = None, actor: str = "local"
) -> ProfileRead:
    """Store a new profile as version 1, a draft."""
    if _current(session, profile.code) is not None:
        raise ConflictError(f"profile {profile.code} already exists; edit it to make a new version")
    row = ProfileVersionRow(
        **profile.model_dump(),
        version=1,
        status="draft",
        created_at=now(),
        note=note,
        created_by=actor,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="profile.create",
        object=f"profile:{profile.code}",
        detail={"version": 1, "criteria": profile.criteria},
    )
    return _read(row)


def get_profile(session: Session, *, code: str, version: int | None = None) -> ProfileRead:
    """The current version of a profile, or the version named."""
    if version is None:
        row = _current(session, code)
    else:
        row = session.scalar(
            select(ProfileVersionRow).where(
                ProfileVersionRow.code == code, ProfileVersionRow.version == version
            )
        )
    if row is None:
        raise NotFoundError(f"profile {code}{f' version {version}' if version else ''} not found")
    return _read(row)


def list_profiles(session: Session, *, status: Status | None = None) -> list[ProfileRead]:
    """Current versions of every profile, by code."""
    latest = (
        select(ProfileVersionRow.code, func.max(ProfileVersionRow.version).label("version"))
        .group_by(ProfileVersionRow.code)
        .subquery()
    )
    query = select(ProfileVersionRow).join(
        latest,
        (ProfileVersionRow.code == latest.c.code) & (ProfileVersionRow.version == latest.c.version),
    )
    if status is not None:
        query = query.where(ProfileVersionRow.status == status)
    return [_read(row) for row in session.scalars(query.order_by(ProfileVersionRow.code))]


def history(session: Session, *, code: str) -> list[ProfileRead]:
    """Every version of a profile, oldest first."""
    rows = session.scalars(
        select(ProfileVersionRow)
        .where(ProfileVersionRow.code == code)
        .order_by(ProfileVersionRow.version)
    ).all()
    if not rows:
        raise NotFoundError(f"profile {code} not found")
    return [_read(row) for row in rows]


def edit_profile(
    session: Session,
    *,
    code: str,
    changes: ProfileFields,
    note: str | None = None,
    actor: str = "local",
) -> ProfileRead:
    """Make a new version with the changed fields; an edit that changes nothing makes none."""
    current = get_profile(session, code=code)
    updates = changes.model_dump(exclude_unset=True)
    merged = ProfileCreate.model_validate(
        {**current.model_dump(include=set(ProfileCreate.model_fields)), **updates}
    )
    if all(getattr(merged, k) == getattr(current, k) for k in updates):
        return current
    if current.status == "active":
        # four eyes: what is in force changes only with a second analyst's approval
        raise ValidationError(
            "status",
            "active",
            f"profile {code} is active: suspend it, edit it, then ask for approval again",
        )
    return _new_version(
        session,
        merged,
        current.status,
        note or f"edited: {', '.join(sorted(updates))}",
        actor=actor,
        action="profile.edit",
    )


def set_status(
    session: Session,
    *,
    code: str,
    status: Status,
    today: date | None = None,
    note: str | None = None,
    actor: str = "local",
    approved_by: str | None = None,
) -> ProfileRead:
    """Move a profile to a new status (a new version); refused moves change nothing.

    Switching a profile on needs four eyes: ``approved_by`` names a second analyst, who is
    neither ``actor`` nor the author of the version (``request_activation`` then
    ``decide_activation`` is the usual way).
    """
    current = get_profile(session, code=code)
    if status == current.status:
        return current
    if status not in TRANSITIONS[current.status]:
        raise ValidationError(
            "status",
            status,
            f"profile {code} is {current.status}; allowed: {sorted(TRANSITIONS[current.status]) or 'none'}",
        )
    if status == "active":
        _check_four_eyes(current, actor, approved_by)
        _check_activation(session, current, today or date.today())
    return _new_version(
        session,
        current,
        status,
        note or status,
        actor=actor,
        action=f"profile.{status}",
        approved_by=approved_by if status == "active" else None,
    )


def request_activation(
    session: Session, *, code: str, actor: str, note: str | None = None, today: date | None = None
) -> ApprovalRead:
    """Ask a second analyst to switch the current version on (checked now, decided later)."""
    current = get_profile(session, code=code)
    if "active" not in TRANSITIONS[current.status]:
        raise ValidationError(
            "status",
            current.status,
            f"profile {code} is {current.status}; it cannot be switched on",
        )
    _check_activation(session, current, today or date.today())
    waiting = _open_request(session, code)
    if waiting is not None and waiting.version == current.version:
        raise ConflictError(f"profile {code} already waits for approval")
    if waiting is not None:  # asked for an older version: that request is replaced
        waiting.decision, waiting.decided_by, waiting.decided_at = "stale", actor, now()
    row = ProfileApprovalRow(
        code=code, version=current.version, requested_by=actor, requested_at=now(), note=note
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="profile.request_activation",
        object=f"profile:{code}",
        detail={"version": current.version, "note": note},
    )
    return ApprovalRead.model_validate(row, from_attributes=True)


def decide_activation(
    session: Session,
    *,
    code: str,
    actor: str,
    approve: bool,
    note: str | None = None,
    today: date | None = None,
) -> tuple[ApprovalRead, ProfileRead]:
    """Approve (switch on, recording the approver) or reject the open request for ``code``.

    Raises:
        PermissionDeniedError: the approver asked for it or wrote the version (four eyes).
        ConflictError: the profile changed since the request; it must be asked for again.
    """
    request = _open_request(session, code)
    if request is None:
        raise NotFoundError(f"profile {code} has no request waiting for approval")
    current = get_profile(session, code=code)
    if approve:
        _check_four_eyes(current, request.requested_by, actor)
    if current.version != request.version:
        request.decision, request.decided_by, request.decided_at = "stale", actor, now()
        session.flush()
        raise ConflictError(
            f"profile {code} changed since version {request.version} was submitted "
            f"(now version {current.version}); ask for approval again"
        )
    request.decision = "approved" if approve else "rejected"
    request.decided_by, request.decided_at = actor, now()
    if approve:
        profile = set_status(
            session,
            code=code,
            status="active",
            today=today,
            note=note or f"approved by {actor}, requested by {request.requested_by}",
            actor=request.requested_by,
            approved_by=actor,
        )
    else:
        profile = current
        audit.record(
            session,
            actor=actor,
            action="profile.reject",
            object=f"profile:{code}",
            detail={"version": current.version, "note": note},
        )
    session.flush()
    return ApprovalRead.model_validate(request, from_attributes=True), profile


def approvals(session: Session, *, open_only: bool = True) -> list[ApprovalRead]:
    """Requests for approval, oldest first (only the undecided ones by default)."""
    query = select(ProfileApprovalRow).order_by(ProfileApprovalRow.id)
    if open_only:
        query = query.where(ProfileApprovalRow.decision.is_(None))
    return [ApprovalRead.model_validate(r, from_attributes=True) for r in session.scalars(query)]


def _open_request(session: Session, code: str) -> ProfileApprovalRow | None:
    return session.scalar(
        select(ProfileApprovalRow).where(
            ProfileApprovalRow.code == code, ProfileApprovalRow.decision.is_(None)
        )
    )


def _check_four_eyes(profile: ProfileRead, requester: str, approver: str | None) -> None:
    if not approver:
        raise ValidationError(
            "status",
            "active",
            f"switching profile {profile.code} on needs a second analyst's approval",
        )
    if approver == requester or (profile.created_by and approver == profile.created_by):
        raise PermissionDeniedError(
            f"four eyes: {approver} wrote or asked for profile {profile.code} "
            f"version {profile.version}; another analyst must approve it"
        )


def import_profile(
    session: Session, *, profile: ProfileCreate, actor: str = "local"
) -> tuple[ProfileRead, str]:
    """Add a profile, or make a new version when its content differs: ('added'|'updated'|'unchanged')."""
    current = _current(session, profile.code)
    if current is None:
        return add_profile(session, profile=profile, note="imported", actor=actor), "added"
    changes = ProfileFields.model_validate(profile.model_dump(include=set(EDITABLE)))
    edited = edit_profile(session, code=profile.code, changes=changes, note="imported", actor=actor)
    return edited, "unchanged" if edited.version == current.version else "updated"


def expire_profiles(session: Session, *, today: date) -> list[ProfileRead]:
    """Mark active profiles whose validity ended before ``today`` as expired."""
    return [
        _new_version(
            session,
            p,
            "expired",
            f"validity ended {p.valid_to}",
            actor="system",
            action="profile.expired",
        )
        for p in list_profiles(session, status="active")
        if p.valid_to is not None and p.valid_to < today
    ]


def profiles_in_force(session: Session, *, today: date) -> list[ProfileRead]:
    """The active profile versions valid on ``today``."""
    return [
        p
        for p in list_profiles(session, status="active")
        if (p.valid_from is None or p.valid_from <= today)
        and (p.valid_to is None or p.valid_to >= today)
    ]


def profile_set_version(session: Session, members: list[tuple[str, int]]) -> int:
    """The version of the set of profile versions ``members`` (a new one if the set changed)."""
    listed = [[code, version] for code, version in members]
    latest = session.scalar(select(ProfileSetRow).order_by(ProfileSetRow.version.desc()).limit(1))
    if latest is not None and latest.members == listed:
        return latest.version
    row = ProfileSetRow(members=listed, created_at=now())
    session.add(row)
    session.flush()
    return row.version


def suspend_refused(session: Session, profile: ProfileRead, error: CriterionError) -> None:
    """Suspend an active version whose criterion this release no longer accepts (stored before
    a check was tightened), with the reason, so that it stops no assessment."""
    reason = cut(str(error), 300)
    _new_version(
        session,
        profile,
        "suspended",
        f"suspended by the system: its criterion is no longer accepted ({reason}); "
        "correct it and ask for activation again",
        actor="system",
        action="profile.suspended",
    )
    log.warning("profile_suspended", code=profile.code, version=profile.version, reason=reason)


def _check_activation(session: Session, profile: ProfileCreate, today: date) -> None:
    if profile.valid_to is not None and profile.valid_to < today:
        raise ValidationError(
            "valid_to",
            str(profile.valid_to),
            f"profile {profile.code} expired; it cannot be active",
        )
    known = set(session.scalars(select(WatchlistRow.name)))
    for name in sorted(referenced_watchlists(profile.criteria)):
        if name not in known:
            raise ValidationError(
                "criteria", name, f"profile {profile.code} uses an unknown watchlist"
            )


def _new_version(
    session: Session,
    profile: ProfileCreate,
    status: str,
    note: str,
    *,
    actor: str,
    action: str,
    approved_by: str | None = None,
) -> ProfileRead:
    current = _current(session, profile.code)
    version = (current.version if current else 0) + 1
    row = ProfileVersionRow(
        **profile.model_dump(include=set(ProfileCreate.model_fields)),
        version=version,
        status=status,
        created_at=now(),
        note=note,
        created_by=actor,
        approved_by=approved_by,
    )
    session.add(row)
    session.flush()
    detail: dict[str, object] = {"version": version, "status": status, "note": note}
    if approved_by:
        detail["approved_by"] = approved_by
    audit.record(
        session,
        actor=approved_by or actor,
        action=action,
        object=f"profile:{profile.code}",
        detail=detail,
    )
    return _read(row)


def _current(session: Session, code: str) -> ProfileVersionRow | None:
    return session.scalar(
        select(ProfileVersionRow)
        .where(ProfileVersionRow.code == code)
        .order_by(ProfileVersionRow.version.desc())
        .limit(1)
    )


def _read(row: ProfileVersionRow) -> ProfileRead:
    return ProfileRead.model_validate(row, from_attributes=True)


def versions_after(session: Session, *, row_id: int, limit: int) -> list[tuple[int, ProfileRead]]:
    """Profile versions stored after row ``row_id``, oldest first (for the incremental ETL)."""
    rows = session.scalars(
        select(ProfileVersionRow)
        .where(ProfileVersionRow.id > row_id)
        .order_by(ProfileVersionRow.id)
        .limit(limit)
    )
    return [(row.id, _read(row)) for row in rows]
