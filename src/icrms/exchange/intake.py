"""Store what an accepted bundle carries, idempotent by object id and version.

Indicators, alerts and seizures wait in the inbox for an analyst. Pre-arrival declarations,
aggregate statistics and sightings (feedback on our own indicators) are data, stored directly:
the newest version of each replaces an older one, an older or equal one changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from icrms.exchange import objects as objs
from icrms.exchange import stix
from icrms.exchange.tables import AggregateCellRow, InboxItemRow, PreArrivalRow, SightingRow

INBOX_TYPES = frozenset({"indicator", "x-icrms-alert", "x-icrms-seizure"})


def store_objects(
    session: Session, *, issuer: str, bundle_id: str, objects: list[dict[str, Any]], at: datetime
) -> list[int]:
    """Store the objects of an accepted bundle; returns the ids of new inbox items."""
    items = [o for o in objects if o["type"] in INBOX_TYPES]
    new_items = _inbox(session, issuer, bundle_id, items, at)
    _pre_arrival(session, issuer, [o for o in objects if o["type"] == "x-icrms-pre-arrival"], at)
    for obj in objects:
        if obj["type"] == "sighting":
            _sighting(session, issuer, obj, at)
        elif obj["type"] == "x-icrms-aggregate-statistics":
            _aggregates(session, issuer, obj, at)
    session.flush()
    return new_items


def _inbox(
    session: Session, issuer: str, bundle_id: str, items: list[dict[str, Any]], at: datetime
) -> list[int]:
    if not items:
        return []
    known: set[tuple[str, str]] = {
        (row[0], row[1])
        for row in session.execute(
            select(InboxItemRow.object_id, InboxItemRow.object_version).where(
                InboxItemRow.issuer == issuer,
                InboxItemRow.object_id.in_([o["id"] for o in items]),
            )
        ).all()
    }
    rows = []
    for obj in items:
        key = (obj["id"], stix.version_of(obj))
        if key in known:
            continue
        known.add(key)
        rows.append(
            InboxItemRow(
                issuer=issuer,
                bundle_id=bundle_id,
                object_id=key[0],
                object_version=key[1],
                object_type=obj["type"],
                tlp=stix.tlp_of(obj) or "red",
                title=objs.title_of(obj)[:500],
                payload=obj,
                received_at=at,
                state="new",
            )
        )
    session.add_all(rows)
    session.flush()
    return [r.id for r in rows]


def _pre_arrival(
    session: Session, issuer: str, exports: list[dict[str, Any]], at: datetime
) -> None:
    """A newer version is stored beside the one it supersedes (marked ``superseded_at``)."""
    if not exports:
        return
    ids = [o["export_declaration_id"] for o in exports]
    current: dict[str, PreArrivalRow] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        current.update(
            (r.export_declaration_id, r)
            for r in session.scalars(
                select(PreArrivalRow).where(
                    PreArrivalRow.issuer == issuer,
                    PreArrivalRow.export_declaration_id.in_(chunk),
                    PreArrivalRow.superseded_at.is_(None),
                )
            )
        )
    for obj in exports:
        version = stix.version_of(obj)
        row = current.get(obj["export_declaration_id"])
        if row is not None:
            if stix.parse_timestamp(version) <= stix.parse_timestamp(row.object_version):
                continue
            row.superseded_at = at
        containers = obj.get("containers") or [None]
        new = PreArrivalRow(
            issuer=issuer,
            export_declaration_id=obj["export_declaration_id"],
            object_id=obj["id"],
            object_version=version,
            exported_at=stix.parse_timestamp(obj["exported_at"]),
            country_of_export=obj["country_of_export"],
            transport_document=obj.get("transport_document"),
            first_container=containers[0],
            consignee_id=obj.get("consignee_id"),
            exporter_id=obj.get("exporter_id"),
            payload=obj,
            received_at=at,
        )
        session.add(new)
        current[obj["export_declaration_id"]] = new


def _sighting(session: Session, issuer: str, obj: dict[str, Any], at: datetime) -> None:
    row = session.scalar(
        select(SightingRow).where(SightingRow.issuer == issuer, SightingRow.object_id == obj["id"])
    )
    version = stix.version_of(obj)
    if row is not None and stix.parse_timestamp(version) <= stix.parse_timestamp(
        row.object_version
    ):
        return
    feedback = obj["extensions"].get(stix.EXT["control-feedback"], {})
    values = {
        "object_version": version,
        "indicator_id": obj["sighting_of_ref"],
        "count": int(obj.get("count", 0)),
        "first_seen": stix.parse_timestamp(obj["first_seen"]) if obj.get("first_seen") else None,
        "last_seen": stix.parse_timestamp(obj["last_seen"]) if obj.get("last_seen") else None,
        "feedback": {k: v for k, v in feedback.items() if k != "extension_type"},
        "received_at": at,
    }
    if row is None:
        session.add(SightingRow(issuer=issuer, object_id=obj["id"], **values))
    else:
        for key, value in values.items():
            setattr(row, key, value)


def _aggregates(session: Session, issuer: str, obj: dict[str, Any], at: datetime) -> None:
    periods = sorted({c["period"] for c in obj["cells"]})
    existing = {
        (r.hs6, r.country_of_origin, r.period): r
        for r in session.scalars(
            select(AggregateCellRow).where(
                AggregateCellRow.issuer == issuer, AggregateCellRow.period.in_(periods)
            )
        )
    }
    for cell in obj["cells"]:
        key = (cell["hs6"], cell["country_of_origin"], cell["period"])
        values = {
            "declarations": cell["declarations"],
            "controls": cell["controls"],
            "irregularities": cell["irregularities"],
            "revenue_usd": float(cell["revenue_usd"]),
            "object_id": obj["id"],
            "received_at": at,
        }
        row = existing.get(key)
        if row is None:
            session.add(
                AggregateCellRow(
                    issuer=issuer, hs6=key[0], country_of_origin=key[1], period=key[2], **values
                )
            )
        else:
            for name, value in values.items():
                setattr(row, name, value)
