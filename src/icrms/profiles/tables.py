"""Operational tables of risk profiles (one row per version), profile sets and watchlists."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from icrms.core.db import Base, UtcDateTime


class ProfileVersionRow(Base):
    """An immutable version of a risk profile; the highest version is the current one."""

    __tablename__ = "risk_profile_version"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(40), index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(16))
    criteria: Mapped[str] = mapped_column(Text)
    score: Mapped[int] = mapped_column(Integer)
    min_channel: Mapped[str] = mapped_column(String(8))
    selection_rate: Mapped[float] = mapped_column(Float)
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    owner: Mapped[str] = mapped_column(String(64))
    review_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    provenance: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    approved_by: Mapped[str | None] = mapped_column(String(100), nullable=True)


class ProfileApprovalRow(Base):
    """A request to switch a profile version on, and the second analyst's decision (four eyes)."""

    __tablename__ = "profile_approval"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(40), index=True)
    version: Mapped[int] = mapped_column(Integer)
    requested_by: Mapped[str] = mapped_column(String(100))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime())
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    decision: Mapped[str | None] = mapped_column(String(16), nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class ProfileSetRow(Base):
    """A version of the set of active profiles: the (code, version) pairs live at that time."""

    __tablename__ = "profile_set"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    members: Mapped[list[Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class WatchlistRow(Base):
    """A named watchlist."""

    __tablename__ = "watchlist"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    purpose: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(16))
    score: Mapped[int] = mapped_column(Integer)
    min_channel: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class WatchlistEntryRow(Base):
    """An entry of a watchlist; removal is recorded, not deleted."""

    __tablename__ = "watchlist_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    list_name: Mapped[str] = mapped_column(ForeignKey("watchlist.name"), index=True)
    value: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    added_at: Mapped[datetime] = mapped_column(UtcDateTime())
    removed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
