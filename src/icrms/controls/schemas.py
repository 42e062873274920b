"""Control results as recorded by control officers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from icrms.declarations.fields import IRREGULARITY_TYPES

Outcome = Literal["no_finding", "irregularity", "seizure"]
Selection = Literal["random", "targeted", "manual", "unknown"]


class ControlResultCreate(BaseModel):
    """The outcome of a documentary check, physical inspection or audit of a declaration."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    declaration_id: str = Field(min_length=1)
    version: int = Field(default=1, ge=1)
    item_no: int | None = Field(default=None, ge=1)
    controlled_at: datetime
    started_at: datetime | None = None
    outcome: Outcome
    selection: Selection = "unknown"
    irregularity_types: list[str] = Field(default_factory=list)
    extra_revenue: float = Field(default=0.0, ge=0)
    critical: bool = False
    seizure_goods: str | None = None
    concealment: str | None = None
    modus_operandi: str | None = None
    officer_id: str | None = None

    @field_validator("controlled_at", "started_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.utcoffset() is None:
            raise ValueError(f"{value.isoformat()!r} has no UTC offset")
        return value

    @field_validator("irregularity_types")
    @classmethod
    def _types(cls, value: list[str]) -> list[str]:
        for kind in value:
            if kind not in IRREGULARITY_TYPES:
                raise ValueError(f"irregularity_types {kind!r} is not one of {IRREGULARITY_TYPES}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> ControlResultCreate:
        if self.outcome == "no_finding" and (self.irregularity_types or self.extra_revenue):
            raise ValueError(
                "outcome 'no_finding' cannot carry irregularity_types or extra_revenue"
            )
        if self.outcome == "seizure" and not self.seizure_goods:
            raise ValueError("outcome 'seizure' needs seizure_goods")
        if self.started_at is not None and self.started_at > self.controlled_at:
            raise ValueError(
                f"started_at {self.started_at.isoformat()} is after controlled_at "
                f"{self.controlled_at.isoformat()}"
            )
        return self


class ControlResultRead(ControlResultCreate):
    """A stored control result."""

    seq: int
    assessment_id: int | None = None
    recorded_at: datetime


class ReleaseCreate(BaseModel):
    """The clearance system released the goods of a declaration version."""

    model_config = ConfigDict(extra="forbid")

    declaration_id: str = Field(min_length=1)
    version: int = Field(default=1, ge=1)
    released_at: datetime

    @field_validator("released_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.utcoffset() is None:
            raise ValueError(f"released_at {value.isoformat()!r} has no UTC offset")
        return value


class ReleaseRead(ReleaseCreate):
    """A stored release."""

    seq: int
    recorded_at: datetime
