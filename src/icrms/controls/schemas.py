"""Control results as recorded by control officers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from icrms.declarations import limits
from icrms.declarations.fields import IRREGULARITY_TYPES
from icrms.declarations.schemas import Amount, Description, Ident, Whole

Outcome = Literal["no_finding", "irregularity", "seizure"]
Selection = Literal["random", "targeted", "manual", "unknown"]


class ControlResultCreate(BaseModel):
    """The outcome of a documentary check, physical inspection or audit of a declaration."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    declaration_id: str = Field(min_length=1, max_length=limits.IDENT_MAX)
    version: Whole = 1
    item_no: Whole | None = None
    controlled_at: datetime
    started_at: datetime | None = None
    outcome: Outcome
    selection: Selection = "unknown"
    irregularity_types: list[str] = Field(default_factory=list)
    extra_revenue: Amount = 0.0
    critical: bool = False
    seizure_goods: Description | None = None
    concealment: Description | None = None
    modus_operandi: Description | None = None
    officer_id: Ident | None = None

    @field_validator("controlled_at", "started_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return value
        problem = limits.instant_problem(value)
        if problem:
            raise ValueError(f"{value.isoformat()!r} {problem}")
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

    declaration_id: str = Field(min_length=1, max_length=limits.IDENT_MAX)
    version: Whole = 1
    released_at: datetime

    @field_validator("released_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        problem = limits.instant_problem(value)
        if problem:
            raise ValueError(f"released_at {value.isoformat()!r} {problem}")
        return value


class ReleaseRead(ReleaseCreate):
    """A stored release."""

    seq: int
    recorded_at: datetime
