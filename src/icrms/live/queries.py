"""Read-side queries of the live service: worklist, declaration search and detail, policy history."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session

from icrms.controls.schemas import ControlResultRead
from icrms.controls.tables import ControlResultRow
from icrms.core.clock import now
from icrms.declarations.service import get_declaration
from icrms.declarations.tables import DeclarationRow
from icrms.live.schemas import DeclarationDetail, DeclarationSummary, WorklistRow
from icrms.selectivity.schemas import AssessmentRead
from icrms.selectivity.tables import AssessmentRow, PolicyRow


def _newest_assessments() -> Any:
    return (
        select(func.max(AssessmentRow.id).label("id"))
        .group_by(AssessmentRow.declaration_id)
        .subquery()
    )


def _controlled(row: Any) -> Any:
    return exists().where(
        ControlResultRow.declaration_id == row.declaration_id,
        ControlResultRow.version == row.version,
    )


def worklist(
    session: Session,
    *,
    office: str | None,
    channels: tuple[str, ...] = ("red", "yellow"),
    after: int | None = None,
    limit: int = 50,
) -> list[WorklistRow]:
    """Red and yellow declarations without a control result, oldest first (by assessment)."""
    newest = _newest_assessments()
    query = (
        select(AssessmentRow, DeclarationRow.importer_id)
        .join(newest, newest.c.id == AssessmentRow.id)
        .join(
            DeclarationRow,
            and_(
                DeclarationRow.declaration_id == AssessmentRow.declaration_id,
                DeclarationRow.version == AssessmentRow.version,
            ),
        )
        .where(AssessmentRow.channel.in_(channels), ~_controlled(AssessmentRow))
        .order_by(AssessmentRow.id)
        .limit(limit)
    )
    if office:
        query = query.where(AssessmentRow.office_code == office)
    if after is not None:
        query = query.where(AssessmentRow.id > after)
    return [
        WorklistRow(
            assessment_id=a.id,
            declaration_id=a.declaration_id,
            version=a.version,
            office_code=a.office_code,
            lodged_date=a.lodged_date,
            assessed_at=a.assessed_at,
            channel=a.channel,  # type: ignore[arg-type]
            score=a.score,
            importer_id=importer,
            reasons=labels(a.reasons),
        )
        for a, importer in session.execute(query)
    ]


def data_as_of(session: Session) -> date:
    """The day the data reaches: the newest assessed lodging date (today's at the latest).

    Pages judge "no hit in 90 days" and default backtest windows against it, so a history that
    ends before today (a demo, a restored archive) is not read as 90 idle days.
    """
    newest = session.scalar(select(func.max(AssessmentRow.lodged_date)))
    today = now().date()
    return min(newest, today) if newest is not None else today


def labels(reasons: list[dict[str, Any]]) -> list[str]:
    """Short reason labels for a list: one per profile and model, one per watchlist with its values.

    A watchlist hit on three containers reads ``watchlist seized-containers: A, B, C``, not the
    same list three times.
    """
    order: list[str | None] = []  # a label, or None where a watchlist's grouped label goes
    lists: dict[str, list[str]] = {}
    for reason in reasons:
        if reason.get("kind") != "watchlist":
            order.append(_label(reason))
            continue
        name, value = str(reason.get("list")), str(reason.get("value"))
        if name not in lists:
            lists[name] = []
            order.append(None)
        if value not in lists[name]:
            lists[name].append(value)
    grouped = iter(_watchlist_label(name, values) for name, values in lists.items())
    return [label if label is not None else next(grouped) for label in order]


def _watchlist_label(name: str, values: list[str], shown: int = 3) -> str:
    more = f" and {len(values) - shown} more" if len(values) > shown else ""
    return f"watchlist {name}: " + ", ".join(values[:shown]) + more


def _label(reason: dict[str, Any]) -> str:
    kind = reason.get("kind")
    if kind == "profile":
        return f"profile {reason.get('code')}" + (
            "" if reason.get("selected", True) else " (not drawn)"
        )
    if kind == "model":
        return f"model p={reason.get('probability')}"
    return str(kind)


def search_declarations(
    session: Session,
    *,
    text: str | None = None,
    office: str | None = None,
    channel: str | None = None,
    before: int | None = None,
    limit: int = 50,
) -> tuple[list[DeclarationSummary], int | None]:
    """Stored declarations (newest first) matching an id or trader prefix, office and channel.

    Returns the page and the cursor of the next one (None at the end).
    """
    newest = _newest_assessments()
    query = (
        select(DeclarationRow, AssessmentRow)
        .outerjoin(
            AssessmentRow,
            and_(
                AssessmentRow.declaration_id == DeclarationRow.declaration_id,
                AssessmentRow.version == DeclarationRow.version,
                AssessmentRow.id.in_(select(newest.c.id)),
            ),
        )
        .order_by(DeclarationRow.seq.desc())
        .limit(limit + 1)
    )
    if text:
        like = f"{text.strip()}%"
        query = query.where(
            DeclarationRow.declaration_id.like(like) | DeclarationRow.importer_id.like(like)
        )
    if office:
        query = query.where(DeclarationRow.office_code == office)
    if channel:
        query = query.where(AssessmentRow.channel == channel)
    if before is not None:
        query = query.where(DeclarationRow.seq < before)
    rows = session.execute(query).all()
    page = rows[:limit]
    controlled = _controlled_keys(session, [(d.declaration_id, d.version) for d, _ in page])
    out = [
        DeclarationSummary(
            declaration_id=d.declaration_id,
            version=d.version,
            lodged_at=d.lodged_at,
            office_code=d.office_code,
            importer_id=d.importer_id,
            items=len(d.payload.get("items", [])),
            channel=a.channel if a else None,  # type: ignore[arg-type]
            score=a.score if a else None,
            assessment_id=a.id if a else None,
            controlled=(d.declaration_id, d.version) in controlled,
        )
        for d, a in page
    ]
    return out, page[-1][0].seq if len(rows) > limit else None


def _controlled_keys(session: Session, keys: list[tuple[str, int]]) -> set[tuple[str, int]]:
    if not keys:
        return set()
    ids = sorted({k[0] for k in keys})
    rows = session.execute(
        select(ControlResultRow.declaration_id, ControlResultRow.version).where(
            ControlResultRow.declaration_id.in_(ids)
        )
    )
    return {(i, v) for i, v in rows}


def declaration_detail(
    session: Session, *, declaration_id: str, version: int | None = None
) -> DeclarationDetail:
    """A declaration version with its assessments and control results (404 if unknown)."""
    declaration = get_declaration(session, declaration_id=declaration_id, version=version)
    versions = list(
        session.scalars(
            select(DeclarationRow.version)
            .where(DeclarationRow.declaration_id == declaration_id)
            .order_by(DeclarationRow.version)
        )
    )
    assessments = [
        AssessmentRead.model_validate(r, from_attributes=True)
        for r in session.scalars(
            select(AssessmentRow)
            .where(
                AssessmentRow.declaration_id == declaration_id,
                AssessmentRow.version == declaration.version,
            )
            .order_by(AssessmentRow.id.desc())
        )
    ]
    controls = [
        ControlResultRead.model_validate(r, from_attributes=True)
        for r in session.scalars(
            select(ControlResultRow)
            .where(ControlResultRow.declaration_id == declaration_id)
            .order_by(ControlResultRow.seq)
        )
    ]
    return DeclarationDetail(
        declaration=declaration,
        versions=versions,
        assessments=assessments,
        control_results=controls,
    )


def assessments_of(session: Session, *, declaration_id: str) -> list[AssessmentRead]:
    """Every assessment of a declaration (all versions), newest first."""
    rows = session.scalars(
        select(AssessmentRow)
        .where(AssessmentRow.declaration_id == declaration_id)
        .order_by(AssessmentRow.id.desc())
    )
    return [AssessmentRead.model_validate(r, from_attributes=True) for r in rows]


def control_results(
    session: Session,
    *,
    declaration_id: str | None = None,
    office: str | None = None,
    after: int | None = None,
    limit: int = 100,
) -> list[ControlResultRead]:
    """Control results oldest first, by declaration or (through its assessment) by office."""
    query = select(ControlResultRow).order_by(ControlResultRow.seq).limit(limit)
    if declaration_id:
        query = query.where(ControlResultRow.declaration_id == declaration_id)
    if office:
        query = query.join(AssessmentRow, AssessmentRow.id == ControlResultRow.assessment_id).where(
            AssessmentRow.office_code == office
        )
    if after is not None:
        query = query.where(ControlResultRow.seq > after)
    return [
        ControlResultRead.model_validate(r, from_attributes=True) for r in session.scalars(query)
    ]


def policy_versions(session: Session, *, limit: int = 50) -> list[dict[str, Any]]:
    """Policy versions, newest first."""
    rows = session.scalars(select(PolicyRow).order_by(PolicyRow.version.desc()).limit(limit))
    return [
        {"version": r.version, "created_at": r.created_at, "note": r.note, "config": r.config}
        for r in rows
    ]
