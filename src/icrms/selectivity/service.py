"""Live selectivity: the policy in force, the snapshot the engine reads, assessments and replay."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from icrms.core.clock import now
from icrms.declarations.schemas import DeclarationCreate
from icrms.declarations.service import get_declaration
from icrms.errors import AssessmentError, ConflictError, NotFoundError, cut
from icrms.profiles import watchlists
from icrms.profiles.rules import CriterionError
from icrms.profiles.service import (
    get_profile,
    profile_set_version,
    profiles_in_force,
    suspend_refused,
)
from icrms.profiles.tables import ProfileSetRow, WatchlistEntryRow
from icrms.selectivity.engine import (
    CompiledProfile,
    Decision,
    ItemFacts,
    Scorer,
    Snapshot,
    decide,
)
from icrms.selectivity.schemas import AssessmentRead, PolicyConfig
from icrms.selectivity.tables import AssessmentRow, PolicyRow


def current_policy(session: Session) -> tuple[int, PolicyConfig]:
    """The policy in force (version 1 with defaults is created on first use)."""
    row = session.scalar(select(PolicyRow).order_by(PolicyRow.version.desc()).limit(1))
    if row is None:
        return set_policy(session, config=PolicyConfig(), note="defaults")
    return row.version, PolicyConfig.model_validate(row.config)


def set_policy(
    session: Session, *, config: PolicyConfig, note: str | None = None
) -> tuple[int, PolicyConfig]:
    """Put a new policy version in force."""
    row = PolicyRow(config=config.model_dump(), created_at=now(), note=note)
    session.add(row)
    session.flush()
    return row.version, config


def build_snapshot(
    session: Session,
    *,
    secret: bytes,
    today: date | None = None,
    scorer: Scorer | None = None,
    facts: ItemFacts | None = None,
) -> Snapshot:
    """Compile what is in force now: the active profile set, watchlists and policy.

    ``facts`` gives a live declaration its mirror fields (without it they are NULL).
    """
    policy_version, policy = current_policy(session)
    moment = now()
    profiles: list[CompiledProfile] = []
    for profile in profiles_in_force(session, today=today or moment.date()):
        try:
            profiles.append(CompiledProfile.of(profile))
        except CriterionError as exc:  # every path builds its set here, so all skip it alike
            suspend_refused(session, profile, exc)
    set_version = profile_set_version(session, [(p.code, p.version) for p in profiles])
    return Snapshot(
        policy_version,
        policy,
        set_version,
        profiles,
        watchlists.snapshot(session, at=moment),
        secret,
        scorer,
        _next_expiry(session, moment),
        facts,
    )


def _next_expiry(session: Session, moment: datetime) -> datetime | None:
    """When the first watchlist entry in force at ``moment`` expires."""
    return session.scalar(
        select(func.min(WatchlistEntryRow.expires_at)).where(
            WatchlistEntryRow.removed_at.is_(None),
            WatchlistEntryRow.added_at <= moment,
            WatchlistEntryRow.expires_at > moment,
        )
    )


def _in_force_at(session: Session, snapshot: Snapshot, moment: datetime) -> Snapshot:
    """The snapshot with the watchlists in force at ``moment`` (a warm one may hold an entry
    that has expired since it was built: the decision, like its replay, must not count it)."""
    if snapshot.watchlists_until is None or moment < snapshot.watchlists_until:
        return snapshot
    return replace(
        snapshot,
        watchlists=watchlists.snapshot(session, at=moment),
        watchlists_until=_next_expiry(session, moment),
    )


def assess(
    session: Session, *, snapshot: Snapshot, declaration: DeclarationCreate
) -> AssessmentRead:
    """Assess a declaration and store the assessment (the same inputs return the stored one).

    Nothing is written before the decision is made.

    Raises:
        AssessmentError: the decision failed (a model or rule raised); nothing was written.
    """
    model_version = snapshot.scorer.version if snapshot.scorer else None
    existing = session.scalar(
        select(AssessmentRow).where(
            AssessmentRow.declaration_id == declaration.declaration_id,
            AssessmentRow.version == declaration.version,
            AssessmentRow.policy_version == snapshot.policy_version,
            AssessmentRow.profile_set_version == snapshot.profile_set_version,
            AssessmentRow.model_version.is_(None)
            if model_version is None
            else AssessmentRow.model_version == model_version,
        )
    )
    if existing is not None:
        return _read(existing)
    rows = declaration.item_rows()
    lodged_date = rows[0]["lodged_date"]
    moment = now()  # the assessment's time: replay reads the watchlists and pre-arrival data then
    in_force = _in_force_at(session, snapshot, moment)
    reds = _reds(session, snapshot, declaration.office_code, lodged_date, None)
    try:
        decision = decide(in_force, snapshot.with_facts(session, rows, moment), reds_so_far=reds)
    except Exception as exc:  # a broken model or rule: refuse, never store it unassessed
        raise AssessmentError(
            f"declaration {declaration.declaration_id} version {declaration.version} could not "
            f"be assessed ({type(exc).__name__}: {cut(str(exc), 200)}); it was refused and "
            "nothing of it was stored: send it again once the fault is fixed"
        ) from exc
    row = AssessmentRow(
        declaration_id=declaration.declaration_id,
        version=declaration.version,
        office_code=declaration.office_code,
        lodged_date=lodged_date,
        assessed_at=moment,
        channel=decision.channel,
        score=decision.score,
        policy_version=snapshot.policy_version,
        profile_set_version=snapshot.profile_set_version,
        model_version=model_version,
        reasons=decision.reasons,
    )
    session.add(row)
    session.flush()
    return _read(row)


def get_assessment(session: Session, *, assessment_id: int) -> AssessmentRead:
    """An assessment by id."""
    row = session.get(AssessmentRow, assessment_id)
    if row is None:
        raise NotFoundError(f"assessment {assessment_id} not found")
    return _read(row)


def replay(
    session: Session,
    *,
    assessment_id: int,
    secret: bytes,
    scorer: Scorer | None = None,
    facts: ItemFacts | None = None,
) -> tuple[AssessmentRead, Decision]:
    """Decide again with exactly the inputs the assessment had; the decision must be the same."""
    stored = get_assessment(session, assessment_id=assessment_id)
    set_row = session.get(ProfileSetRow, stored.profile_set_version)
    policy_row = session.get(PolicyRow, stored.policy_version)
    if set_row is None or policy_row is None:
        raise NotFoundError(
            f"assessment {assessment_id}: its profile set or policy version is missing"
        )
    try:
        profiles = [
            CompiledProfile.of(get_profile(session, code=c, version=v)) for c, v in set_row.members
        ]
    except CriterionError as exc:
        raise ConflictError(
            f"assessment {assessment_id} cannot be replayed: a profile of its set has a "
            f"criterion this release no longer accepts ({cut(str(exc), 200)})"
        ) from exc
    snapshot = Snapshot(
        stored.policy_version,
        PolicyConfig.model_validate(policy_row.config),
        stored.profile_set_version,
        profiles,
        watchlists.snapshot(session, at=stored.assessed_at),
        secret,
        scorer,
        facts=facts,
    )
    declaration = get_declaration(
        session, declaration_id=stored.declaration_id, version=stored.version
    )
    reds = _reds(session, snapshot, stored.office_code, stored.lodged_date, stored.id)
    rows = snapshot.with_facts(session, declaration.item_rows(), stored.assessed_at)
    return stored, decide(snapshot, rows, reds_so_far=reds)


def _reds(
    session: Session, snapshot: Snapshot, office: str, day: date, before_id: int | None
) -> int:
    """Red channels already given at the office that day (only when it has a capacity)."""
    if office not in snapshot.policy.red_capacity_by_office:
        return 0
    query = (
        select(func.count())
        .select_from(AssessmentRow)
        .where(
            AssessmentRow.office_code == office,
            AssessmentRow.lodged_date == day,
            AssessmentRow.channel == "red",
            AssessmentRow.policy_version == snapshot.policy_version,
            AssessmentRow.profile_set_version == snapshot.profile_set_version,
        )
    )
    if before_id is not None:
        query = query.where(AssessmentRow.id < before_id)
    return int(session.scalar(query) or 0)


def assessments_after(session: Session, *, assessment_id: int, limit: int) -> list[AssessmentRead]:
    """Assessments stored after ``assessment_id``, oldest first (for the incremental ETL)."""
    rows = session.scalars(
        select(AssessmentRow)
        .where(AssessmentRow.id > assessment_id)
        .order_by(AssessmentRow.id)
        .limit(limit)
    )
    return [_read(row) for row in rows]


def latest_assessment(
    session: Session, *, declaration_id: str, version: int
) -> AssessmentRead | None:
    """The newest assessment of a declaration version, if it was assessed."""
    row = session.scalar(
        select(AssessmentRow)
        .where(AssessmentRow.declaration_id == declaration_id, AssessmentRow.version == version)
        .order_by(AssessmentRow.id.desc())
        .limit(1)
    )
    return _read(row) if row is not None else None


def _read(row: AssessmentRow) -> AssessmentRead:
    return AssessmentRead.model_validate(row, from_attributes=True)


__all__ = ["assess", "build_snapshot", "current_policy", "get_assessment", "replay", "set_policy"]
