"""Risk profiles: every change is a new version; activation is checked; active sets are versioned."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from icrms.core.clock import now
from icrms.errors import ConflictError, NotFoundError, ValidationError
from icrms.profiles.rules import referenced_watchlists
from icrms.profiles.schemas import ProfileCreate, ProfileFields, ProfileRead, Status
from icrms.profiles.tables import ProfileSetRow, ProfileVersionRow, WatchlistRow

EDITABLE = tuple(ProfileFields.model_fields)
TRANSITIONS: dict[str, set[str]] = {
    "draft": {"active", "retired"},
    "active": {"suspended", "expired", "retired"},
    "suspended": {"active", "retired"},
    "expired": {"retired"},
    "retired": set(),
}


def add_profile(
    session: Session, *, profile: ProfileCreate, note: str | None = None
) -> ProfileRead:
    """Store a new profile as version 1, a draft."""
    if _current(session, profile.code) is not None:
        raise ConflictError(f"profile {profile.code} already exists; edit it to make a new version")
    row = ProfileVersionRow(
        **profile.model_dump(), version=1, status="draft", created_at=now(), note=note
    )
    session.add(row)
    session.flush()
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
    session: Session, *, code: str, changes: ProfileFields, note: str | None = None
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
        _check_activation(session, merged, date.today())
    return _new_version(
        session, merged, current.status, note or f"edited: {', '.join(sorted(updates))}"
    )


def set_status(
    session: Session,
    *,
    code: str,
    status: Status,
    today: date | None = None,
    note: str | None = None,
) -> ProfileRead:
    """Move a profile to a new status (a new version); refused moves change nothing."""
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
        _check_activation(session, current, today or date.today())
    return _new_version(session, current, status, note or status)


def import_profile(session: Session, *, profile: ProfileCreate) -> tuple[ProfileRead, str]:
    """Add a profile, or make a new version when its content differs: ('added'|'updated'|'unchanged')."""
    current = _current(session, profile.code)
    if current is None:
        return add_profile(session, profile=profile, note="imported"), "added"
    changes = ProfileFields.model_validate(profile.model_dump(include=set(EDITABLE)))
    edited = edit_profile(session, code=profile.code, changes=changes, note="imported")
    return edited, "unchanged" if edited.version == current.version else "updated"


def expire_profiles(session: Session, *, today: date) -> list[ProfileRead]:
    """Mark active profiles whose validity ended before ``today`` as expired."""
    return [
        _new_version(session, p, "expired", f"validity ended {p.valid_to}")
        for p in list_profiles(session, status="active")
        if p.valid_to is not None and p.valid_to < today
    ]


def active_profile_set(session: Session, *, today: date) -> tuple[int, list[ProfileRead]]:
    """The active profiles valid on ``today`` and the version of that set (a new one if it changed)."""
    profiles = [
        p
        for p in list_profiles(session, status="active")
        if (p.valid_from is None or p.valid_from <= today)
        and (p.valid_to is None or p.valid_to >= today)
    ]
    members = [[p.code, p.version] for p in profiles]
    latest = session.scalar(select(ProfileSetRow).order_by(ProfileSetRow.version.desc()).limit(1))
    if latest is not None and latest.members == members:
        return latest.version, profiles
    row = ProfileSetRow(members=members, created_at=now())
    session.add(row)
    session.flush()
    return row.version, profiles


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


def _new_version(session: Session, profile: ProfileCreate, status: str, note: str) -> ProfileRead:
    current = _current(session, profile.code)
    version = (current.version if current else 0) + 1
    row = ProfileVersionRow(
        **profile.model_dump(include=set(ProfileCreate.model_fields)),
        version=version,
        status=status,
        created_at=now(),
        note=note,
    )
    session.add(row)
    session.flush()
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
