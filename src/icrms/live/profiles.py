"""Profile work across domains: criteria checks with positions, audited watchlists and policy."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from icrms.audit import service as audit
from icrms.profiles import watchlists
from icrms.profiles.rules import CriterionError, parse_criterion, referenced_watchlists
from icrms.profiles.schemas import EntryCreate, EntryRead, WatchlistCreate, WatchlistRead
from icrms.selectivity import service as selectivity
from icrms.selectivity.schemas import PolicyConfig


class CriteriaCheck(BaseModel):
    """Whether a criterion parses; where it breaks if not."""

    valid: bool
    message: str | None = None
    position: int | None = None
    line: int | None = None
    column: int | None = None
    watchlists: list[str] = Field(default_factory=list)
    unknown_watchlists: list[str] = Field(default_factory=list)


def check_criteria(session: Session, *, criteria: str) -> CriteriaCheck:
    """Parse a criterion as the engine will; name the error and its position (line, column)."""
    try:
        parse_criterion(criteria)
    except CriterionError as exc:
        line = column = None
        if exc.position is not None:
            before = criteria[: exc.position]
            line = before.count("\n") + 1
            column = exc.position - (before.rfind("\n") + 1) + 1
        return CriteriaCheck(
            valid=False, message=exc.message, position=exc.position, line=line, column=column
        )
    used = sorted(referenced_watchlists(criteria))
    known = {w.name for w in watchlists.list_watchlists(session)}
    return CriteriaCheck(
        valid=True, watchlists=used, unknown_watchlists=[n for n in used if n not in known]
    )


def create_watchlist(session: Session, *, watchlist: WatchlistCreate, actor: str) -> WatchlistRead:
    """Create a watchlist, audited."""
    created = watchlists.create_watchlist(session, watchlist=watchlist)
    audit.record(
        session,
        actor=actor,
        action="watchlist.create",
        object=f"watchlist:{watchlist.name}",
        detail=watchlist.model_dump(mode="json"),
    )
    return created


def add_entry(session: Session, *, list_name: str, entry: EntryCreate, actor: str) -> EntryRead:
    """Put a value on a watchlist, audited."""
    added = watchlists.add_entry(session, list_name=list_name, entry=entry)
    audit.record(
        session,
        actor=actor,
        action="watchlist.add",
        object=f"watchlist:{list_name}",
        detail={"value": entry.value, "reason": entry.reason},
    )
    return added


def remove_entry(session: Session, *, list_name: str, value: str, actor: str) -> EntryRead:
    """Take a value off a watchlist, audited."""
    removed = watchlists.remove_entry(session, list_name=list_name, value=value)
    audit.record(
        session,
        actor=actor,
        action="watchlist.remove",
        object=f"watchlist:{list_name}",
        detail={"value": value},
    )
    return removed


class PolicyVersion(BaseModel):
    """A version of the selectivity policy."""

    version: int
    config: PolicyConfig
    note: str | None = None


def set_policy(
    session: Session, *, config: PolicyConfig, note: str | None, actor: str
) -> PolicyVersion:
    """Put a new policy version in force, audited."""
    version, _ = selectivity.set_policy(session, config=config, note=note)
    audit.record(
        session,
        actor=actor,
        action="policy.set",
        object=f"policy:{version}",
        detail={"note": note, **config.model_dump(mode="json")},
    )
    return PolicyVersion(version=version, config=config, note=note)


def current_policy(session: Session) -> PolicyVersion:
    """The policy in force and its version."""
    version, config = selectivity.current_policy(session)
    return PolicyVersion(version=version, config=config)


def record_model_change(session: Session, *, actor: str, action: str, version: str) -> None:
    """Audit a promotion or rollback of the model in force."""
    audit.record(session, actor=actor, action=action, object=f"model:{version}")


def record_export(session: Session, *, actor: str, what: str, detail: dict[str, Any]) -> None:
    """Audit an export of data."""
    audit.record(session, actor=actor, action="export", object=what, detail=detail)
