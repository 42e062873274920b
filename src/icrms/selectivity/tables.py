"""Operational tables of selectivity policies and assessments."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from icrms.core.db import Base, UtcDateTime


class PolicyRow(Base):
    """A version of the selectivity policy; the highest version is in force."""

    __tablename__ = "selectivity_policy"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class AssessmentRow(Base):
    """An assessment: written once, never updated."""

    __tablename__ = "assessment"
    __table_args__ = (
        UniqueConstraint(
            "declaration_id", "version", "policy_version", "profile_set_version", "model_version"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    declaration_id: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    office_code: Mapped[str] = mapped_column(String(16))
    lodged_date: Mapped[date] = mapped_column(Date, index=True)
    assessed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    channel: Mapped[str] = mapped_column(String(8))
    score: Mapped[int] = mapped_column(Integer)
    policy_version: Mapped[int] = mapped_column(Integer)
    profile_set_version: Mapped[int] = mapped_column(Integer)
    model_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reasons: Mapped[list[Any]] = mapped_column(JSON)
