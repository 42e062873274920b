"""Watchlists: named lists of traders, containers, conveyances, HS codes or countries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from icrms.core.clock import now
from icrms.errors import ConflictError, NotFoundError
from icrms.profiles.schemas import EntryCreate, EntryRead, WatchlistCreate, WatchlistRead
from icrms.profiles.tables import WatchlistEntryRow, WatchlistRow

# Which item-row fields a watchlist of each kind is checked against.
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "trader": ("importer_id", "declarant_id", "seller_id", "courier_id"),
    "container": ("containers",),
    "conveyance": ("transport_document",),
    "hs": ("hs_code", "hs6", "hs4"),
    "country": ("country_of_origin", "country_of_export"),
}


@dataclass(frozen=True)
class WatchlistSnapshot:
    """A watchlist with the entries in force at one moment."""

    watchlist: WatchlistRead
    values: frozenset[str]


def create_watchlist(session: Session, *, watchlist: WatchlistCreate) -> WatchlistRead:
    """Create a watchlist."""
    if session.get(WatchlistRow, watchlist.name) is not None:
        raise ConflictError(f"watchlist {watchlist.name} already exists")
    row = WatchlistRow(**watchlist.model_dump(), created_at=now())
    session.add(row)
    session.flush()
    return WatchlistRead.model_validate(row, from_attributes=True)


def get_watchlist(session: Session, *, name: str) -> WatchlistRead:
    """A watchlist by name."""
    row = session.get(WatchlistRow, name)
    if row is None:
        raise NotFoundError(f"watchlist {name} not found")
    return WatchlistRead.model_validate(row, from_attributes=True)


def list_watchlists(session: Session) -> list[WatchlistRead]:
    """Every watchlist by name."""
    rows = session.scalars(select(WatchlistRow).order_by(WatchlistRow.name))
    return [WatchlistRead.model_validate(r, from_attributes=True) for r in rows]


def add_entry(session: Session, *, list_name: str, entry: EntryCreate) -> EntryRead:
    """Add an entry; a value already listed (and not removed) is a conflict."""
    get_watchlist(session, name=list_name)
    if _live(session, list_name, entry.value) is not None:
        raise ConflictError(f"{entry.value} is already on watchlist {list_name}")
    row = WatchlistEntryRow(list_name=list_name, **entry.model_dump(), added_at=now())
    session.add(row)
    session.flush()
    return EntryRead.model_validate(row, from_attributes=True)


def remove_entry(session: Session, *, list_name: str, value: str) -> EntryRead:
    """Take a value off a list (the entry is kept, marked removed)."""
    row = _live(session, list_name, value)
    if row is None:
        raise NotFoundError(f"{value} is not on watchlist {list_name}")
    row.removed_at = now()
    session.flush()
    return EntryRead.model_validate(row, from_attributes=True)


def entries(session: Session, *, list_name: str, at: datetime | None = None) -> list[EntryRead]:
    """Entries in force at ``at`` (now by default)."""
    get_watchlist(session, name=list_name)
    moment = at or now()
    rows = session.scalars(
        select(WatchlistEntryRow)
        .where(WatchlistEntryRow.list_name == list_name)
        .order_by(WatchlistEntryRow.value)
    )
    return [EntryRead.model_validate(r, from_attributes=True) for r in rows if _in_force(r, moment)]


def snapshot(session: Session, *, at: datetime | None = None) -> dict[str, WatchlistSnapshot]:
    """Every watchlist with its entries in force at ``at``."""
    return {
        w.name: WatchlistSnapshot(
            w, frozenset(e.value for e in entries(session, list_name=w.name, at=at))
        )
        for w in list_watchlists(session)
    }


def _in_force(row: WatchlistEntryRow, moment: datetime) -> bool:
    if row.added_at > moment or (row.removed_at is not None and row.removed_at <= moment):
        return False
    return row.expires_at is None or row.expires_at > moment


def _live(session: Session, list_name: str, value: str) -> WatchlistEntryRow | None:
    return session.scalar(
        select(WatchlistEntryRow).where(
            WatchlistEntryRow.list_name == list_name,
            WatchlistEntryRow.value == value,
            WatchlistEntryRow.removed_at.is_(None),
        )
    )
