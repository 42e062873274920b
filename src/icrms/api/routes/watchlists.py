"""Watchlists and their entries; the selectivity policy and its versions."""

from __future__ import annotations

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field

from icrms.api.deps import CurrentUser, SessionDep, require
from icrms.auth.schemas import Role
from icrms.live import profiles as flows
from icrms.live.profiles import PolicyVersion
from icrms.live.queries import policy_versions
from icrms.profiles import watchlists
from icrms.profiles.schemas import EntryCreate, EntryRead, WatchlistCreate, WatchlistRead
from icrms.selectivity.schemas import PolicyConfig

router = APIRouter(tags=["watchlists and policy"])
READ = [require(Role.analyst, Role.manager)]
WRITE = [require(Role.analyst)]


class PolicyChange(BaseModel):
    """A new policy version."""

    model_config = ConfigDict(extra="forbid")

    config: PolicyConfig
    note: str | None = Field(default=None, max_length=1000)


@router.get("/watchlists", response_model=list[WatchlistRead], dependencies=READ)
def list_watchlists(session: SessionDep) -> list[WatchlistRead]:
    """Every watchlist."""
    return watchlists.list_watchlists(session)


@router.post(
    "/watchlists",
    response_model=WatchlistRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=WRITE,
)
def create_watchlist(
    watchlist: WatchlistCreate, session: SessionDep, principal: CurrentUser
) -> WatchlistRead:
    """Create a watchlist."""
    return flows.create_watchlist(session, watchlist=watchlist, actor=principal.actor)


@router.get("/watchlists/{name}", response_model=WatchlistRead, dependencies=READ)
def get_watchlist(name: str, session: SessionDep) -> WatchlistRead:
    """One watchlist."""
    return watchlists.get_watchlist(session, name=name)


@router.get("/watchlists/{name}/entries", response_model=list[EntryRead], dependencies=READ)
def entries(name: str, session: SessionDep) -> list[EntryRead]:
    """Entries in force now."""
    return watchlists.entries(session, list_name=name)


@router.post(
    "/watchlists/{name}/entries",
    response_model=EntryRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=WRITE,
)
def add_entry(
    name: str, entry: EntryCreate, session: SessionDep, principal: CurrentUser
) -> EntryRead:
    """Put a value on the list."""
    return flows.add_entry(session, list_name=name, entry=entry, actor=principal.actor)


@router.delete("/watchlists/{name}/entries/{value}", response_model=EntryRead, dependencies=WRITE)
def remove_entry(name: str, value: str, session: SessionDep, principal: CurrentUser) -> EntryRead:
    """Take a value off the list (the entry is kept, marked removed)."""
    return flows.remove_entry(session, list_name=name, value=value, actor=principal.actor)


@router.get("/policy", response_model=PolicyVersion, dependencies=READ)
def current_policy(session: SessionDep) -> PolicyVersion:
    """The policy in force."""
    return flows.current_policy(session)


@router.get("/policy/versions", response_model=list[PolicyVersion], dependencies=READ)
def versions(session: SessionDep) -> list[PolicyVersion]:
    """Policy versions, newest first."""
    return [PolicyVersion.model_validate(v) for v in policy_versions(session)]


@router.post(
    "/policy", response_model=PolicyVersion, status_code=status.HTTP_201_CREATED, dependencies=WRITE
)
def set_policy(change: PolicyChange, session: SessionDep, principal: CurrentUser) -> PolicyVersion:
    """Put a new policy version in force."""
    return flows.set_policy(session, config=change.config, note=change.note, actor=principal.actor)
