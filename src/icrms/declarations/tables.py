"""Operational tables for declarations submitted live by the clearance system."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from icrms.core.db import Base, UtcDateTime


class DeclarationRow(Base):
    """A declaration version as received; ``seq`` orders them for the incremental ETL."""

    __tablename__ = "declaration"
    __table_args__ = (UniqueConstraint("declaration_id", "version"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    declaration_id: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    lodged_at: Mapped[datetime] = mapped_column(UtcDateTime())
    office_code: Mapped[str] = mapped_column(String(16), index=True)
    importer_id: Mapped[str] = mapped_column(String(64), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
