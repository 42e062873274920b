"""Selectivity policy and assessments."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from icrms.profiles.rules.text import refuse_unseen
from icrms.profiles.schemas import Channel


class PolicyConfig(BaseModel):
    """How scores, random controls, AEO status and capacity turn into a channel."""

    model_config = ConfigDict(extra="forbid")

    yellow_threshold: int = Field(default=30, ge=1)
    red_threshold: int = Field(default=60, ge=1)
    random_share: float = Field(default=0.02, ge=0, le=1)
    random_share_by_office: dict[str, float] = Field(default_factory=dict)
    random_share_by_procedure: dict[str, float] = Field(default_factory=dict)
    random_channel: Channel = "red"
    aeo_revenue_score_pct: int = Field(default=50, ge=0, le=100)
    red_capacity_by_office: dict[str, int] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _order(self) -> PolicyConfig:
        if self.red_threshold < self.yellow_threshold:
            raise ValueError(
                f"red_threshold {self.red_threshold} is below yellow_threshold {self.yellow_threshold}"
            )
        codes = [*self.random_share_by_office, *self.random_share_by_procedure]
        for key in [*codes, *self.red_capacity_by_office]:
            refuse_unseen("office or procedure code", key)
        for key, share in {**self.random_share_by_office, **self.random_share_by_procedure}.items():
            if not 0 <= share <= 1:
                raise ValueError(f"random share {share} for {key!r} is not between 0 and 1")
        return self

    def random_share_for(self, office_code: str | None, procedure: str | None) -> float:
        """The random control share that applies: office first, then procedure, then overall."""
        if office_code in self.random_share_by_office:
            return self.random_share_by_office[office_code]  # type: ignore[index]
        if procedure in self.random_share_by_procedure:
            return self.random_share_by_procedure[procedure]  # type: ignore[index]
        return self.random_share


class AssessmentRead(BaseModel):
    """An immutable risk assessment of one declaration version."""

    id: int
    declaration_id: str
    version: int
    office_code: str
    lodged_date: date
    assessed_at: datetime
    channel: Channel
    score: int
    policy_version: int
    profile_set_version: int
    model_version: str | None = None
    reasons: list[dict[str, Any]]
