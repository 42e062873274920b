"""Live submissions across domains: store the declaration, assess it, audit it; control results."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from icrms.audit import service as audit
from icrms.auth.schemas import Principal, Role
from icrms.controls.files import ImportReport, Rejected, Row, parse_result, rejection
from icrms.controls.schemas import ControlResultCreate, ControlResultRead
from icrms.controls.service import record_control_result
from icrms.core.clock import now
from icrms.core.db import hold_write_lock
from icrms.declarations.schemas import DeclarationCreate
from icrms.declarations.service import get_declaration, stored_version, submit_declaration
from icrms.declarations.tables import DeclarationRow
from icrms.errors import ConflictError, NotFoundError, ValidationError
from icrms.exchange.prearrival import MirrorFacts
from icrms.live.schemas import ReplayResult, Submission
from icrms.live.snapshots import LiveSnapshots
from icrms.selectivity import service as selectivity
from icrms.selectivity.engine import Snapshot
from icrms.selectivity.tables import AssessmentRow


def submit(
    session: Session, *, snapshot: Snapshot, declaration: DeclarationCreate, actor: str
) -> Submission:
    """Assess a declaration version and store it with its assessment, or refuse it whole.

    A resubmission returns what is stored. The declaration is decided before anything is
    written: when the assessment fails, nothing of the declaration is in the session and the
    caller gets an :class:`AssessmentError` naming it (never a declaration stored unassessed).
    Deciding first also keeps SQLite's one write lock, taken by the first write until commit,
    to a few inserts rather than the assessment's work.
    """
    started = now()
    stored = stored_version(session, declaration=declaration)  # refuses other content first
    assessment = selectivity.assess(session, snapshot=snapshot, declaration=declaration)
    if stored is None:
        stored = submit_declaration(session, declaration=declaration)
    if stored.received_at >= started:
        audit.record(
            session,
            actor=actor,
            action="declaration.submit",
            object=f"declaration:{declaration.declaration_id}/{declaration.version}",
            detail={"assessment": assessment.id, "channel": assessment.channel},
        )
    return Submission(
        declaration_id=stored.declaration_id,
        version=stored.version,
        received_at=stored.received_at,
        assessment=assessment,
    )


def submit_batch(
    session: Session, *, snapshot: Snapshot, declarations: list[DeclarationCreate], actor: str
) -> list[Submission]:
    """Submit several declarations in one transaction (all stored, or none)."""
    keys = [(d.declaration_id, d.version) for d in declarations]
    if len(set(keys)) != len(keys):
        dupes = sorted({f"{i}/{v}" for i, v in keys if keys.count((i, v)) > 1})
        raise ValidationError("declarations", dupes[:5], "the same id and version twice in a batch")
    return [submit(session, snapshot=snapshot, declaration=d, actor=actor) for d in declarations]


def amend(
    session: Session,
    *,
    snapshot: Snapshot,
    declaration_id: str,
    declaration: DeclarationCreate,
    actor: str,
) -> Submission:
    """Lodge an amendment: a higher version of a stored declaration, assessed anew."""
    if declaration.declaration_id != declaration_id:
        raise ValidationError(
            "declaration_id",
            declaration.declaration_id,
            f"differs from the path ({declaration_id})",
        )
    latest = session.scalar(
        select(func.max(DeclarationRow.version)).where(
            DeclarationRow.declaration_id == declaration_id
        )
    )
    if latest is None:
        raise NotFoundError(f"declaration {declaration_id} not found; submit it first")
    if declaration.version <= latest:
        raise ConflictError(
            f"declaration {declaration_id}: an amendment needs a version above {latest}, "
            f"got {declaration.version}"
        )
    return submit(session, snapshot=snapshot, declaration=declaration, actor=actor)


def replay(session: Session, *, snapshots: LiveSnapshots, assessment_id: int) -> ReplayResult:
    """Decide an assessment again with exactly its inputs; report whether it is identical."""
    version = selectivity.get_assessment(session, assessment_id=assessment_id).model_version
    stored, decision = selectivity.replay(
        session,
        assessment_id=assessment_id,
        secret=snapshots.settings.selectivity_secret(),
        scorer=snapshots.scorer_for(version),
        facts=MirrorFacts(),
    )
    return ReplayResult(
        assessment_id=assessment_id,
        stored_channel=stored.channel,
        stored_score=stored.score,
        replayed_channel=decision.channel,  # type: ignore[arg-type]
        replayed_score=decision.score,
        identical=(stored.channel, stored.score, stored.reasons)
        == (decision.channel, decision.score, decision.reasons),
    )


def may_see_office(principal: Principal, office_code: str) -> bool:
    """Officers see their own office only; other roles see every office."""
    return principal.role != Role.officer or principal.office_code == office_code


def check_office(session: Session, principal: Principal, declaration_id: str) -> None:
    """404 (not 403: do not reveal that it exists) for a declaration of another office."""
    if principal.role != Role.officer:
        return
    declaration = get_declaration(session, declaration_id=declaration_id)
    if not may_see_office(principal, declaration.office_code):
        raise NotFoundError(f"declaration {declaration_id} not found")


def record_control(
    session: Session, *, result: ControlResultCreate, principal: Principal
) -> ControlResultRead:
    """Record a control result (an officer only for their office) and audit it."""
    check_office(session, principal, result.declaration_id)
    if result.officer_id is None and principal.via == "session":
        result = result.model_copy(update={"officer_id": principal.name})
    stored = record_control_result(session, result=result)
    audit.record(
        session,
        actor=principal.actor,
        action="control.record",
        object=f"declaration:{result.declaration_id}/{result.version}",
        detail={"seq": stored.seq, "outcome": stored.outcome, "assessment": stored.assessment_id},
    )
    return stored


def latest_assessment_id(session: Session, declaration_id: str) -> int | None:
    """The newest assessment of a declaration (any version)."""
    return session.scalar(
        select(func.max(AssessmentRow.id)).where(AssessmentRow.declaration_id == declaration_id)
    )


def import_controls(
    session: Session, *, rows: list[tuple[int, Row]], principal: Principal
) -> ImportReport:
    """Record every valid row (each in its own savepoint); report the others with their reasons."""
    stored, rejected = 0, []
    hold_write_lock(session)  # the savepoints below read before they write
    for number, raw in rows:
        try:
            with session.begin_nested():
                record_control(
                    session, result=parse_result(raw, f"row {number}"), principal=principal
                )
            stored += 1
        except ValidationError as exc:
            rejected.append(rejection(number, exc))
        except NotFoundError as exc:
            rejected.append(
                Rejected(
                    row=number,
                    field="declaration_id",
                    value=raw.get("declaration_id") if isinstance(raw, dict) else None,
                    reason=exc.message,
                )
            )
    return ImportReport(rows_in=len(rows), stored=stored, rejected=rejected)
