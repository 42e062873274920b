"""Risk profiles and watchlists as analysts write them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from icrms.profiles.rules import CriterionError, parse_criterion
from icrms.profiles.rules.text import ALLOWED_WHITESPACE, refuse_unseen

Category = Literal["revenue", "security", "health", "ipr", "drugs", "other"]
Channel = Literal["green", "blue", "yellow", "red"]
Status = Literal["draft", "active", "suspended", "expired", "retired"]
WatchlistKind = Literal["trader", "container", "conveyance", "hs", "country"]

# Channel precedence: red > yellow > blue > green.
CHANNEL_RANK: dict[str, int] = {"green": 0, "blue": 1, "yellow": 2, "red": 3}
CHANNELS_BY_RANK = ("green", "blue", "yellow", "red")


class ProfileFields(BaseModel):
    """What an analyst can set on a profile (every field of an edit is optional)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    purpose: str | None = Field(default=None, min_length=1)
    category: Category | None = None
    criteria: str | None = None
    score: int | None = Field(default=None, ge=0, le=100)
    min_channel: Channel | None = None
    selection_rate: float | None = Field(default=None, gt=0, le=1)
    valid_from: date | None = None
    valid_to: date | None = None
    owner: str | None = None
    review_date: date | None = None

    @field_validator("name", "owner")
    @classmethod
    def _visible(cls, value: str | None, info: ValidationInfo) -> str | None:
        return None if value is None else refuse_unseen(str(info.field_name), value)

    @field_validator("purpose")
    @classmethod
    def _visible_text(cls, value: str | None) -> str | None:
        return None if value is None else refuse_unseen("purpose", value, ALLOWED_WHITESPACE)

    @field_validator("criteria")
    @classmethod
    def _criteria(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                parse_criterion(value)
            except CriterionError as exc:
                raise ValueError(f"criteria: {exc}") from exc
        return value


class ProfileCreate(ProfileFields):
    """A new risk profile; it starts as a draft."""

    code: str = Field(pattern=r"^[A-Z0-9][A-Z0-9_.-]{0,39}$")
    name: str = Field(min_length=1, max_length=200)
    purpose: str = Field(min_length=1)
    category: Category
    criteria: str
    score: int = Field(ge=0, le=100)
    min_channel: Channel = "yellow"
    selection_rate: float = Field(default=1.0, gt=0, le=1)
    owner: str = "targeting-centre"
    provenance: str = "local"

    @model_validator(mode="after")
    def _window(self) -> ProfileCreate:
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValueError(f"valid_to {self.valid_to} is before valid_from {self.valid_from}")
        return self


class ProfileRead(ProfileCreate):
    """One version of a profile, read as stored.

    The checks on what comes in (criteria, visible names) are not repeated on reading: a version
    stored before a check was tightened can still be listed, shown, edited and retired; compiling
    its criteria (activation, the live snapshot, bulk work) still refuses it, with the reason.
    """

    @field_validator("name", "owner")
    @classmethod
    def _visible(cls, value: str | None, info: ValidationInfo) -> str | None:
        return value

    @field_validator("purpose")
    @classmethod
    def _visible_text(cls, value: str | None) -> str | None:
        return value

    @field_validator("criteria")
    @classmethod
    def _criteria(cls, value: str | None) -> str | None:
        return value

    version: int
    status: Status
    created_at: datetime
    note: str | None = None
    created_by: str | None = None
    approved_by: str | None = None


class ApprovalRead(BaseModel):
    """A request to switch a profile version on, and the second analyst's decision."""

    id: int
    code: str
    version: int
    requested_by: str
    requested_at: datetime
    note: str | None = None
    decision: Literal["approved", "rejected", "withdrawn", "stale"] | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None


class WatchlistCreate(BaseModel):
    """A named list of traders, containers, conveyances, HS codes or countries of interest."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{1,63}$")
    kind: WatchlistKind
    purpose: str = Field(min_length=1)
    category: Category = "security"
    score: int = Field(default=50, ge=0, le=100)
    min_channel: Channel = "red"


class WatchlistRead(WatchlistCreate):
    """A stored watchlist."""

    created_at: datetime


class EntryCreate(BaseModel):
    """One entry on a watchlist."""

    model_config = ConfigDict(extra="forbid")

    value: str = Field(min_length=1, max_length=128)
    reason: str = Field(min_length=1)
    expires_at: datetime | None = None

    @field_validator("value")
    @classmethod
    def _visible(cls, value: str) -> str:
        return refuse_unseen("value", value)


class EntryRead(EntryCreate):
    """A stored entry."""

    list_name: str
    added_at: datetime
    removed_at: datetime | None = None
