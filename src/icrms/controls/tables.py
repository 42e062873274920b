"""Operational table of control results recorded by control officers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from icrms.core.db import Base, UtcDateTime


class ControlResultRow(Base):
    """One control result; ``seq`` orders them for the incremental ETL."""

    __tablename__ = "control_result"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    declaration_id: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    item_no: Mapped[int | None] = mapped_column(Integer, nullable=True)
    controlled_at: Mapped[datetime] = mapped_column(UtcDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    outcome: Mapped[str] = mapped_column(String(16))
    selection: Mapped[str] = mapped_column(String(16))
    irregularity_types: Mapped[list[str]] = mapped_column(JSON)
    extra_revenue: Mapped[float] = mapped_column(Float, default=0.0)
    critical: Mapped[bool] = mapped_column(Boolean, default=False)
    seizure_goods: Mapped[str | None] = mapped_column(Text, nullable=True)
    concealment: Mapped[str | None] = mapped_column(Text, nullable=True)
    modus_operandi: Mapped[str | None] = mapped_column(Text, nullable=True)
    officer_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    assessment_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ReleaseRow(Base):
    """The release of a declaration version's goods, as the clearance system reports it."""

    __tablename__ = "release"
    __table_args__ = (UniqueConstraint("declaration_id", "version"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    declaration_id: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    released_at: Mapped[datetime] = mapped_column(UtcDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())
