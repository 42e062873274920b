"""Operational tables of the exchange: partners, agreements, outbox, received bundles, inbox, sync."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from icrms.core.db import Base, UtcDateTime


class PartnerRow(Base):
    """A partner administration: its code, key, where its TAXII API is, and whether it is confirmed."""

    __tablename__ = "exchange_partner"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(2), nullable=True)
    public_key: Mapped[str] = mapped_column(String(64))  # base64 of the 32 raw bytes
    fingerprint: Mapped[str] = mapped_column(String(80))
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    confirmed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    api_root: Mapped[str | None] = mapped_column(
        Text, nullable=True
    )  # the partner's TAXII API root URL
    token_id: Mapped[str | None] = mapped_column(String(64), nullable=True)  # our token they use
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PartnerGroupRow(Base):
    """A named group of partners (e.g. a regional network), a shortcut for recipients."""

    __tablename__ = "exchange_partner_group"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PartnerGroupMemberRow(Base):
    """A partner's membership of a group."""

    __tablename__ = "exchange_partner_group_member"

    group_name: Mapped[str] = mapped_column(
        ForeignKey("exchange_partner_group.name"), primary_key=True
    )
    partner_code: Mapped[str] = mapped_column(ForeignKey("exchange_partner.code"), primary_key=True)


class AgreementRow(Base):
    """What may go to and come from a partner, and whether trader identities may be shared."""

    __tablename__ = "exchange_agreement"

    partner_code: Mapped[str] = mapped_column(ForeignKey("exchange_partner.code"), primary_key=True)
    send_types: Mapped[list[str]] = mapped_column(JSON)
    receive_types: Mapped[list[str]] = mapped_column(JSON)
    share_traders: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SentBundleRow(Base):
    """A bundle this instance signed, kept as sent."""

    __tablename__ = "exchange_sent_bundle"

    bundle_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    recipients: Mapped[list[str]] = mapped_column(JSON)
    tlp: Mapped[str] = mapped_column(String(16))
    issued: Mapped[datetime] = mapped_column(UtcDateTime())
    expires: Mapped[datetime] = mapped_column(UtcDateTime())
    objects: Mapped[int] = mapped_column(Integer)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    sha256: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    pushed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class OutboxObjectRow(Base):
    """One object version in a partner's outbox collection (what that partner may read)."""

    __tablename__ = "exchange_outbox_object"
    __table_args__ = (UniqueConstraint("partner_code", "object_id", "object_version"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    partner_code: Mapped[str] = mapped_column(ForeignKey("exchange_partner.code"), index=True)
    object_id: Mapped[str] = mapped_column(String(128), index=True)
    object_version: Mapped[str] = mapped_column(String(32))
    object_type: Mapped[str] = mapped_column(String(64))
    date_added: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    bundle_id: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)


class ReceivedBundleRow(Base):
    """Every bundle that reached this instance, accepted or refused with its reason."""

    __tablename__ = "exchange_received_bundle"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    bundle_id: Mapped[str | None] = mapped_column(String(64), index=True, nullable=True)
    issuer: Mapped[str | None] = mapped_column(String(16), nullable=True)
    via: Mapped[str] = mapped_column(String(16))  # file | pull | push
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(16))  # accepted | refused
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    objects: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str | None] = mapped_column(Text, nullable=True)  # the bytes, when accepted


class InboxItemRow(Base):
    """A received object waiting for (or past) an analyst's decision."""

    __tablename__ = "exchange_inbox_item"
    __table_args__ = (UniqueConstraint("issuer", "object_id", "object_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    issuer: Mapped[str] = mapped_column(String(16), index=True)
    bundle_id: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str] = mapped_column(String(128), index=True)
    object_version: Mapped[str] = mapped_column(String(32))
    object_type: Mapped[str] = mapped_column(String(64), index=True)
    tlp: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    state: Mapped[str] = mapped_column(String(16), index=True)  # new | accepted | dismissed
    local_ref: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class SharedIndicatorRow(Base):
    """A profile this instance shared as an indicator: which STIX id stands for it."""

    __tablename__ = "exchange_shared_indicator"

    object_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    profile_code: Mapped[str] = mapped_column(String(40), index=True)
    profile_version: Mapped[int] = mapped_column(Integer)
    tlp: Mapped[str] = mapped_column(String(16))
    first_shared_at: Mapped[datetime] = mapped_column(UtcDateTime())
    shared_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SyncStateRow(Base):
    """How far this instance has read a partner's collection, and how the last attempt went."""

    __tablename__ = "exchange_sync_state"

    partner_code: Mapped[str] = mapped_column(ForeignKey("exchange_partner.code"), primary_key=True)
    collection_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    added_after: Mapped[str | None] = mapped_column(String(40), nullable=True)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    last_success_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)


class PreArrivalRow(Base):
    """A partner's export declaration (pre-arrival data), stored for matching to our imports.

    Every version received is kept: a newer one marks the one before ``superseded_at``, so the
    data in force at an assessment's time can be read again for its replay.
    """

    __tablename__ = "exchange_pre_arrival"
    __table_args__ = (UniqueConstraint("issuer", "export_declaration_id", "object_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    issuer: Mapped[str] = mapped_column(String(16))
    object_id: Mapped[str] = mapped_column(String(128))
    object_version: Mapped[str] = mapped_column(String(32))
    export_declaration_id: Mapped[str] = mapped_column(String(64))
    exported_at: Mapped[datetime] = mapped_column(UtcDateTime())
    country_of_export: Mapped[str] = mapped_column(String(2))
    transport_document: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    first_container: Mapped[str | None] = mapped_column(String(16), nullable=True, index=True)
    consignee_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    exporter_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    superseded_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class AggregateCellRow(Base):
    """A partner's aggregate statistics for one HS6 x origin x month (the newest version kept)."""

    __tablename__ = "exchange_aggregate_cell"
    __table_args__ = (UniqueConstraint("issuer", "hs6", "country_of_origin", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    issuer: Mapped[str] = mapped_column(String(16), index=True)
    hs6: Mapped[str] = mapped_column(String(6))
    country_of_origin: Mapped[str] = mapped_column(String(2))
    period: Mapped[str] = mapped_column(String(7))
    declarations: Mapped[int] = mapped_column(Integer)
    controls: Mapped[int] = mapped_column(Integer)
    irregularities: Mapped[int] = mapped_column(Integer)
    revenue_usd: Mapped[float] = mapped_column(Float)
    object_id: Mapped[str] = mapped_column(String(128))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SightingRow(Base):
    """Feedback from a partner on an indicator we shared (the newest version of each sighting)."""

    __tablename__ = "exchange_sighting"
    __table_args__ = (UniqueConstraint("issuer", "object_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    issuer: Mapped[str] = mapped_column(String(16), index=True)
    object_id: Mapped[str] = mapped_column(String(128))
    object_version: Mapped[str] = mapped_column(String(32))
    indicator_id: Mapped[str] = mapped_column(String(128), index=True)
    count: Mapped[int] = mapped_column(Integer)
    first_seen: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    last_seen: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    feedback: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())


class FeedbackSentRow(Base):
    """The last control feedback sent on a received indicator (a new version goes when it changes)."""

    __tablename__ = "exchange_feedback_sent"

    indicator_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    issuer: Mapped[str] = mapped_column(String(16))
    profile_code: Mapped[str] = mapped_column(String(40))
    feedback: Mapped[dict[str, Any]] = mapped_column(JSON)
    first_sent_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CurrencyRateRow(Base):
    """A currency's value in USD from a date on (customs exchange rates, for mirror comparisons)."""

    __tablename__ = "exchange_currency_rate"

    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    valid_from: Mapped[date] = mapped_column(Date, primary_key=True)
    usd_per_unit: Mapped[float] = mapped_column(Float)


class TaxiiStatusRow(Base):
    """The status of a bundle a partner pushed to the TAXII inbox."""

    __tablename__ = "exchange_taxii_status"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    partner_code: Mapped[str] = mapped_column(String(16), index=True)
    status: Mapped[str] = mapped_column(String(16))
    request_timestamp: Mapped[datetime] = mapped_column(UtcDateTime())
    total_count: Mapped[int] = mapped_column(Integer)
    success_count: Mapped[int] = mapped_column(Integer)
    failure_count: Mapped[int] = mapped_column(Integer)
    pending_count: Mapped[int] = mapped_column(Integer)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
