"""What the exchange reads and returns: partners, agreements, outgoing objects, inbox items."""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from icrms.exchange.stix import Tlp

CODE = r"^[A-Z][A-Z0-9-]{1,15}$"
ObjectKind = Literal[
    "indicator", "alert", "seizure", "sighting", "pre-arrival", "aggregate-statistics"
]
OBJECT_KINDS: tuple[str, ...] = (
    "indicator",
    "alert",
    "seizure",
    "sighting",
    "pre-arrival",
    "aggregate-statistics",
)
STIX_TYPE: dict[str, str] = {
    "indicator": "indicator",
    "alert": "x-icrms-alert",
    "seizure": "x-icrms-seizure",
    "sighting": "sighting",
    "pre-arrival": "x-icrms-pre-arrival",
    "aggregate-statistics": "x-icrms-aggregate-statistics",
}
KIND_OF_TYPE = {v: k for k, v in STIX_TYPE.items()}
# objects every bundle may carry whatever the agreement: they describe the others
FRAME_TYPES = frozenset(
    {"identity", "marking-definition", "extension-definition", "x-icrms-bundle-header"}
)


class PartnerCreate(BaseModel):
    """A partner administration as the operator registers it."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=200)
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    public_key: str = Field(description="base64 of the partner's 32-byte Ed25519 public key")
    api_root: str | None = Field(default=None, pattern=r"^https?://")

    @field_validator("public_key")
    @classmethod
    def _key(cls, value: str) -> str:
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError(f"public_key {value!r} is not base64") from exc
        if len(raw) != 32:
            raise ValueError(f"public_key decodes to {len(raw)} bytes; an Ed25519 key has 32")
        return value


class PartnerRead(PartnerCreate):
    """A registered partner."""

    fingerprint: str
    confirmed_at: datetime | None = None
    confirmed_by: str | None = None
    token_id: str | None = None
    active: bool
    created_at: datetime
    groups: list[str] = Field(default_factory=list)


class AgreementSet(BaseModel):
    """A partner's exchange agreement: object kinds sent and received, trader identities."""

    model_config = ConfigDict(extra="forbid")

    send_types: list[ObjectKind] = Field(default_factory=list)
    receive_types: list[ObjectKind] = Field(default_factory=list)
    share_traders: bool = False


class AgreementRead(AgreementSet):
    """A stored agreement."""

    partner_code: str
    updated_at: datetime


class GroupCreate(BaseModel):
    """A group of partners."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{1,63}$")
    purpose: str = Field(min_length=1)


class GroupRead(GroupCreate):
    """A stored group with its members."""

    members: list[str]
    created_at: datetime


class Trader(BaseModel):
    """A trader identity (shared only where the agreement allows)."""

    model_config = ConfigDict(extra="forbid")

    role: Literal["importer", "exporter", "declarant", "seller", "consignee", "carrier"]
    id: str = Field(min_length=1, max_length=64)
    name: str | None = None


class Goods(BaseModel):
    """Goods named in an alert."""

    model_config = ConfigDict(extra="forbid")

    hs_code: str | None = Field(default=None, pattern=r"^[0-9]{6,10}$")
    description: str = Field(min_length=1)


class Route(BaseModel):
    """A route named in an alert."""

    model_config = ConfigDict(extra="forbid")

    country_of_departure: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    country_of_destination: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    transport_mode: str | None = Field(default=None, pattern=r"^[0-9]$")
    via: list[str] = Field(default_factory=list)


class AlertCreate(BaseModel):
    """A risk alert to share, after the EU Risk Information Form."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1)
    reference: str | None = Field(default=None, max_length=64)
    risk_category: Literal["revenue", "security", "health", "ipr", "drugs", "other"]
    modus_operandi: str | None = None
    goods: list[Goods] = Field(default_factory=list)
    routes: list[Route] = Field(default_factory=list)
    indicator_profiles: list[str] = Field(
        default_factory=list, description="codes of local profiles shared with the alert"
    )
    recommended_action: str = Field(min_length=1)
    urgency: Literal["routine", "urgent"] = "routine"
    valid_until: datetime | None = None
    traders: list[Trader] = Field(default_factory=list)


class ShareRequest(BaseModel):
    """Who gets an object and under which marking."""

    model_config = ConfigDict(extra="forbid")

    recipients: list[str] = Field(min_length=1, description="partner codes or group names")
    tlp: Tlp = "amber"
    days: int | None = Field(default=None, gt=0, le=3650, description="validity of the bundle")


class SentBundle(BaseModel):
    """A bundle signed and placed in its recipients' outboxes."""

    bundle_id: str
    recipients: list[str]
    tlp: str
    objects: int
    issued: datetime
    expires: datetime
    urgent: bool = False
    sha256: str


class Received(BaseModel):
    """What became of a received bundle."""

    received_id: int
    bundle_id: str | None
    issuer: str | None
    status: Literal["accepted", "refused", "duplicate"]
    reason: str | None = None
    objects: int = 0
    inbox_items: list[int] = Field(default_factory=list)


class InboxItemRead(BaseModel):
    """A received object and the analyst's decision on it."""

    id: int
    issuer: str
    bundle_id: str
    object_id: str
    object_version: str
    object_type: str
    tlp: str
    title: str
    payload: dict[str, Any]
    received_at: datetime
    state: Literal["new", "accepted", "dismissed"]
    local_ref: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    note: str | None = None


class ReceivedBundleRead(BaseModel):
    """One entry of the log of received bundles."""

    id: int
    bundle_id: str | None
    issuer: str | None
    via: str
    received_at: datetime
    status: str
    reason: str | None
    objects: int
    sha256: str


class SightingRead(BaseModel):
    """Feedback a partner sent on an indicator we shared."""

    issuer: str
    object_id: str
    indicator_id: str
    profile_code: str | None = None
    count: int
    first_seen: datetime | None
    last_seen: datetime | None
    feedback: dict[str, Any]
    received_at: datetime


class AggregatePeriod(BaseModel):
    """Which months of aggregate statistics to compute."""

    model_config = ConfigDict(extra="forbid")

    date_from: date
    date_to: date
