"""What the live service answers: a submission with its assessment, worklist rows, replays."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from icrms.controls.schemas import ControlResultRead
from icrms.declarations.schemas import DeclarationRead
from icrms.profiles.schemas import Channel
from icrms.selectivity.schemas import AssessmentRead


class Submission(BaseModel):
    """A stored declaration version and its assessment (channel, score, every reason)."""

    declaration_id: str
    version: int
    received_at: datetime
    assessment: AssessmentRead


class BatchResult(BaseModel):
    """The submissions of a batch, in the order given."""

    submissions: list[Submission]


class ReplayResult(BaseModel):
    """An assessment decided again from the same inputs."""

    assessment_id: int
    stored_channel: Channel
    stored_score: int
    replayed_channel: Channel
    replayed_score: int
    identical: bool


class WorklistRow(BaseModel):
    """A red or yellow declaration waiting for its control."""

    assessment_id: int
    declaration_id: str
    version: int
    office_code: str
    lodged_date: date
    assessed_at: datetime
    channel: Channel
    score: int
    importer_id: str | None = None
    reasons: list[str]


class DeclarationSummary(BaseModel):
    """A stored declaration with its newest assessment, for search results."""

    declaration_id: str
    version: int
    lodged_at: datetime
    office_code: str
    importer_id: str
    items: int
    channel: Channel | None = None
    score: int | None = None
    assessment_id: int | None = None
    controlled: bool = False


class DeclarationDetail(BaseModel):
    """Everything about one declaration version: items, assessments, control results."""

    declaration: DeclarationRead
    versions: list[int]
    assessments: list[AssessmentRead]
    control_results: list[ControlResultRead]
