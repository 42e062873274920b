"""TAXII 2.1 operations over the store, for one calling partner (no HTTP here: ``api/routes/taxii.py``).

Each partner sees two collections: its **outbox** (read-only: the objects of bundles addressed
to it, and nothing else) and the shared **inbox** (write-only: bundles it pushes, checked exactly
as files and pulls are). Paging is a stateless keyset over (date added, sequence): ``next`` is an
opaque token naming the last row returned, so nothing is kept between requests. Another partner's
outbox answers "not found", as an unknown collection does.
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from icrms.core.clock import now
from icrms.errors import NotFoundError, ValidationError
from icrms.exchange import stix
from icrms.exchange.administration import Administration
from icrms.exchange.receive import receive
from icrms.exchange.tables import OutboxObjectRow, TaxiiStatusRow

TAXII_MEDIA = "application/taxii+json;version=2.1"
STIX_MEDIA = "application/stix+json;version=2.1"
MAX_PAGE = 1000
DEFAULT_PAGE = 100
_NS = uuid.UUID("b3b4a6a1-7f2d-4a57-9a53-0cf3c1c2d8e4")


def added_stamp(value: datetime) -> str:
    """A date added as TAXII shows it: microsecond precision, so ``added_after`` round-trips."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def outbox_id(partner: str) -> str:
    """The id of a partner's outbox collection (the same on every restart)."""
    return str(uuid.uuid5(_NS, f"outbox:{partner}"))


INBOX_ID = str(uuid.uuid5(_NS, "inbox"))


class Collection(BaseModel):
    """A TAXII collection resource."""

    id: str
    title: str
    description: str
    can_read: bool
    can_write: bool
    media_types: list[str] = Field(default_factory=lambda: [STIX_MEDIA])


class Query(BaseModel):
    """The filters of an objects or manifest request."""

    added_after: datetime | None = None
    limit: int = Field(default=DEFAULT_PAGE, ge=1, le=MAX_PAGE)
    next: str | None = None
    ids: list[str] = Field(default_factory=list)
    types: list[str] = Field(default_factory=list)
    versions: list[str] = Field(default_factory=list)  # "all", "first", "last" or timestamps


class Page(BaseModel):
    """A page of rows with the TAXII envelope fields and the date-added headers."""

    more: bool
    next: str | None = None
    rows: list[dict[str, Any]]
    first_added: datetime | None = None
    last_added: datetime | None = None


def collections(*, partner: str) -> list[Collection]:
    """The collections a partner may see."""
    return [
        Collection(
            id=outbox_id(partner),
            title=f"outbox for {partner}",
            description=f"Objects shared with {partner}: signed bundles, each led by its header",
            can_read=True,
            can_write=False,
        ),
        Collection(
            id=INBOX_ID,
            title="inbox",
            description="Push signed bundles here; each is accepted whole or refused with its reason",
            can_read=False,
            can_write=True,
        ),
    ]


def collection(*, partner: str, collection_id: str) -> Collection:
    """One collection the partner may see (another's outbox is not found)."""
    for item in collections(partner=partner):
        if item.id == collection_id:
            return item
    raise NotFoundError(f"collection {collection_id} not found")


def _cursor(row: OutboxObjectRow) -> str:
    return base64.urlsafe_b64encode(f"{row.date_added.isoformat()}|{row.seq}".encode()).decode()


def _after(token: str) -> tuple[datetime, int]:
    try:
        stamp, seq = base64.urlsafe_b64decode(token.encode()).decode().split("|")
        return datetime.fromisoformat(stamp), int(seq)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationError("next", token, "not a paging token this server issued") from exc


def _rows(session: Session, partner: str, query: Query) -> Page:
    q = select(OutboxObjectRow).where(OutboxObjectRow.partner_code == partner)
    if query.added_after is not None:
        q = q.where(OutboxObjectRow.date_added > query.added_after)
    if query.ids:
        q = q.where(OutboxObjectRow.object_id.in_(query.ids))
    if query.types:
        q = q.where(OutboxObjectRow.object_type.in_(query.types))
    stamps = [v for v in query.versions if v not in ("all", "first", "last")]
    if stamps:
        q = q.where(OutboxObjectRow.object_version.in_(stamps))
    elif "all" not in query.versions:
        pick = func.min if query.versions == ["first"] else func.max
        chosen = (
            select(OutboxObjectRow.object_id, pick(OutboxObjectRow.object_version).label("v"))
            .where(OutboxObjectRow.partner_code == partner)
            .group_by(OutboxObjectRow.object_id)
            .subquery()
        )
        q = q.join(
            chosen,
            and_(
                OutboxObjectRow.object_id == chosen.c.object_id,
                OutboxObjectRow.object_version == chosen.c.v,
            ),
        )
    if query.next is not None:
        stamp, seq = _after(query.next)
        q = q.where(
            or_(
                OutboxObjectRow.date_added > stamp,
                and_(OutboxObjectRow.date_added == stamp, OutboxObjectRow.seq > seq),
            )
        )
    rows = session.scalars(
        q.order_by(OutboxObjectRow.date_added, OutboxObjectRow.seq).limit(query.limit + 1)
    ).all()
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    return Page(
        more=more,
        next=_cursor(rows[-1]) if more and rows else None,
        rows=[
            {
                "id": r.object_id,
                "version": r.object_version,
                "type": r.object_type,
                "date_added": r.date_added,
                "bundle_id": r.bundle_id,
                "payload": r.payload,
            }
            for r in rows
        ],
        first_added=rows[0].date_added if rows else None,
        last_added=rows[-1].date_added if rows else None,
    )


def _readable(partner: str, collection_id: str) -> None:
    if not collection(partner=partner, collection_id=collection_id).can_read:
        raise NotFoundError(f"collection {collection_id} cannot be read")


def get_objects(
    session: Session, *, partner: str, collection_id: str, query: Query
) -> tuple[dict[str, Any], Page]:
    """A page of objects: the envelope and the paging facts."""
    _readable(partner, collection_id)
    page = _rows(session, partner, query)
    envelope: dict[str, Any] = {"more": page.more}
    if page.next:
        envelope["next"] = page.next
    if page.rows:
        envelope["objects"] = [json.loads(r["payload"]) for r in page.rows]
    return envelope, page


def get_object(
    session: Session, *, partner: str, collection_id: str, object_id: str, query: Query
) -> tuple[dict[str, Any], Page]:
    """One object's versions as an envelope (not found when the partner holds none)."""
    envelope, page = get_objects(
        session,
        partner=partner,
        collection_id=collection_id,
        query=query.model_copy(update={"ids": [object_id]}),
    )
    if not page.rows:
        raise NotFoundError(f"object {object_id} not found in collection {collection_id}")
    return envelope, page


def get_versions(
    session: Session, *, partner: str, collection_id: str, object_id: str, query: Query
) -> tuple[dict[str, Any], Page]:
    """The versions of one object."""
    _readable(partner, collection_id)
    page = _rows(
        session, partner, query.model_copy(update={"ids": [object_id], "versions": ["all"]})
    )
    if not page.rows:
        raise NotFoundError(f"object {object_id} not found in collection {collection_id}")
    body: dict[str, Any] = {"more": page.more, "versions": [r["version"] for r in page.rows]}
    if page.next:
        body["next"] = page.next
    return body, page


def get_manifest(
    session: Session, *, partner: str, collection_id: str, query: Query
) -> tuple[dict[str, Any], Page]:
    """Manifest records of a page of objects."""
    _readable(partner, collection_id)
    page = _rows(session, partner, query)
    body: dict[str, Any] = {"more": page.more}
    if page.next:
        body["next"] = page.next
    if page.rows:
        body["objects"] = [
            {
                "id": r["id"],
                "date_added": added_stamp(r["date_added"]),
                "version": r["version"],
                "media_type": STIX_MEDIA,
            }
            for r in page.rows
        ]
    return body, page


def add_objects(
    session: Session, *, admin: Administration, partner: str, collection_id: str, envelope: bytes
) -> dict[str, Any]:
    """A pushed envelope is one signed bundle: accepted whole or refused; the status says which."""
    item = collection(partner=partner, collection_id=collection_id)
    if not item.can_write:
        raise NotFoundError(f"collection {collection_id} cannot be written")
    try:
        body = json.loads(envelope)
        objects = body["objects"]
        bundle_id = objects[0]["bundle_id"]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise ValidationError(
            "objects", None, f"an envelope of one icrms bundle is expected: {exc}"
        ) from exc
    raw = json.dumps({"type": "bundle", "id": bundle_id, "objects": objects}).encode()
    result = receive(session, admin=admin, raw=raw, via="push", sender=partner)
    ok = result.status == "accepted"
    ids = [
        (o.get("id"), stix.version_of(o) if isinstance(o, dict) and "created" in o else None)
        for o in objects
    ]
    row = TaxiiStatusRow(
        id=str(uuid.uuid4()),
        partner_code=partner,
        status="complete",
        request_timestamp=now(),
        total_count=len(ids),
        success_count=len(ids) if ok else 0,
        failure_count=0 if ok else len(ids),
        pending_count=0,
        details={
            "bundle_id": result.bundle_id,
            "result": result.status,
            "reason": result.reason,
            "objects": [{"id": i, "version": v} for i, v in ids],
        },
    )
    session.add(row)
    session.flush()
    return status_resource(row)


def get_status(session: Session, *, partner: str, status_id: str) -> dict[str, Any]:
    """A status resource of this partner's (another's is not found)."""
    row = session.get(TaxiiStatusRow, status_id)
    if row is None or row.partner_code != partner:
        raise NotFoundError(f"status {status_id} not found")
    return status_resource(row)


def status_resource(row: TaxiiStatusRow) -> dict[str, Any]:
    """The TAXII status resource of a stored status."""
    details = row.details
    records = [{"id": o["id"], "version": o["version"]} for o in details["objects"] if o["id"]]
    accepted = details["result"] == "accepted"
    body: dict[str, Any] = {
        "id": row.id,
        "status": row.status,
        "request_timestamp": stix.timestamp(row.request_timestamp),
        "total_count": row.total_count,
        "success_count": row.success_count,
        "failure_count": row.failure_count,
        "pending_count": row.pending_count,
    }
    if accepted:
        body["successes"] = records
    else:
        body["failures"] = [{**r, "message": details["reason"]} for r in records]
    return body
