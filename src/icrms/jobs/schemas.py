"""Jobs as the API shows them, and the parameters of each kind."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

JobStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]
JobKind = Literal["ingest", "assess", "train", "backtest"]


class JobRead(BaseModel):
    """A job: what it runs, how far it got, how it ended."""

    id: int
    kind: str
    params: dict[str, Any]
    status: JobStatus
    done: int
    total: int | None
    message: str
    result: dict[str, Any] | None
    error: str | None
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    cancel_requested: bool
    attempts: int

    @property
    def percent(self) -> int | None:
        """Progress in percent when the total is known."""
        if not self.total:
            return 100 if self.status == "succeeded" else None
        return min(100, round(100 * self.done / self.total))


class Window(BaseModel):
    """A lodgement-date window."""

    model_config = ConfigDict(extra="forbid")

    date_from: date
    date_to: date

    @model_validator(mode="after")
    def _order(self) -> Window:
        if self.date_to < self.date_from:
            raise ValueError(f"date_to {self.date_to} is before date_from {self.date_from}")
        return self


class AssessParams(Window):
    """Bulk assessment of warehouse history."""


class BacktestParams(Window):
    """Backtest of a stored profile (current version unless one is named)."""

    code: str = Field(min_length=1, max_length=40)
    version: int | None = Field(default=None, ge=1, le=2_147_483_647)


class TrainParams(BaseModel):
    """Train a risk model on the warehouse's controlled items."""

    model_config = ConfigDict(extra="forbid")

    since: date | None = None
    until: date | None = None
    seed: int = Field(default=0, ge=0, le=2**32 - 1)


class IngestParams(BaseModel):
    """Ingest a file the server holds (uploaded through the API)."""

    model_config = ConfigDict(extra="forbid")

    path: str
    fmt: Literal["native", "kcs", "date"] = "native"
    name: str = ""
