"""icrms things as STIX objects and back: indicators, alerts, seizures, sightings, pre-arrival data."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, time
from typing import Any

from icrms.exchange import stix
from icrms.exchange.schemas import AlertCreate
from icrms.profiles.schemas import ProfileCreate, ProfileRead

TRADER_FIELDS = ("traders", "exporter_id", "consignee_id")


def _common(
    stix_type: str,
    object_id: str,
    creator: str,
    tlp: str,
    at: datetime,
    created: datetime | None = None,
) -> dict[str, Any]:
    """The common properties; ``created`` is the first version's time (default ``at``)."""
    return {
        "type": stix_type,
        "spec_version": "2.1",
        "id": object_id,
        "created": stix.timestamp(min(created or at, at)),
        "modified": stix.timestamp(at),
        "created_by_ref": creator,
        "object_marking_refs": [stix.TLP_IDS[tlp]],
    }


def _new_sdo(
    name: str, object_id: str, creator: str, tlp: str, at: datetime, body: dict[str, Any]
) -> dict[str, Any]:
    ext_id, stix_type = stix.EXTENSIONS[name]
    obj = _common(stix_type, object_id, creator, tlp, at)
    obj.update({k: v for k, v in body.items() if v is not None and v != []})
    obj["extensions"] = {ext_id: {"extension_type": "new-sdo"}}
    return obj


def indicator_id(issuer: str, profile_code: str) -> str:
    """The STIX id of a shared profile: the same for every version of it."""
    return stix.stable_id("indicator", issuer, "profile", profile_code)


def indicator(
    issuer: str,
    creator: str,
    profile: ProfileRead,
    tlp: str,
    at: datetime,
    created: datetime | None = None,
) -> dict[str, Any]:
    """A profile's criteria as a STIX indicator with the risk-indicator extension."""
    obj = _common("indicator", indicator_id(issuer, profile.code), creator, tlp, at, created)
    start = profile.valid_from or at.date()
    obj.update(
        {
            "name": profile.name,
            "description": profile.purpose,
            "indicator_types": ["anomalous-activity"],
            "pattern": profile.criteria,
            "pattern_type": stix.PATTERN_TYPE,
            "valid_from": stix.timestamp(datetime.combine(start, time(), UTC)),
        }
    )
    if profile.valid_to is not None:
        obj["valid_until"] = stix.timestamp(datetime.combine(profile.valid_to, time.max, UTC))
    obj["extensions"] = {
        stix.EXT["risk-indicator"]: {
            "extension_type": "property-extension",
            "code": profile.code,
            "criteria_language": "icrms-rule/1",
            "purpose": profile.purpose,
            "category": profile.category,
            "suggested_score": profile.score,
            "suggested_channel": profile.min_channel,
            "selection_rate": profile.selection_rate,
        }
    }
    return obj


def profile_from_indicator(obj: dict[str, Any], issuer: str, bundle_id: str) -> ProfileCreate:
    """A local draft profile from a received indicator, its provenance naming the source."""
    ext = obj["extensions"][stix.EXT["risk-indicator"]]
    code = f"{issuer}.{ext['code']}"[:40]
    valid_until = obj.get("valid_until")
    return ProfileCreate(
        code=code,
        name=str(obj.get("name") or ext["code"])[:200],
        purpose=ext["purpose"],
        category=ext["category"],
        criteria=obj["pattern"],
        score=ext["suggested_score"],
        min_channel=ext["suggested_channel"],
        selection_rate=ext.get("selection_rate", 1.0),
        valid_to=stix.parse_timestamp(valid_until).date() if valid_until else None,
        provenance=f"partner {issuer}: {obj['id']} v{stix.version_of(obj)} in {bundle_id}"[:200],
    )


def alert(
    creator: str, spec: AlertCreate, indicator_refs: list[str], tlp: str, at: datetime
) -> dict[str, Any]:
    """A risk alert (RIF-like) object."""
    body = spec.model_dump(exclude={"indicator_profiles", "valid_until"}, exclude_none=True)
    body["goods"] = [g for g in body.get("goods", [])]
    body["routes"] = [
        {k: v for k, v in r.items() if v not in (None, [])} for r in body.get("routes", [])
    ]
    body["indicator_refs"] = indicator_refs
    if spec.valid_until is not None:
        body["valid_until"] = stix.timestamp(spec.valid_until)
    return _new_sdo("alert", stix.new_id("x-icrms-alert"), creator, tlp, at, body)


def seizure(creator: str, case: dict[str, Any], tlp: str, at: datetime) -> dict[str, Any]:
    """A seizure record (CEN-like) from a control result and its declaration."""
    body = {k: v for k, v in case.items() if v is not None}
    if isinstance(body.get("seized_on"), date):
        body["seized_on"] = body["seized_on"].isoformat()
    return _new_sdo("seizure", stix.new_id("x-icrms-seizure"), creator, tlp, at, body)


def sighting_id(issuer: str, indicator: str) -> str:
    """The STIX id of our feedback on a received indicator (one per indicator, new versions)."""
    return stix.stable_id("sighting", issuer, indicator)


def sighting(
    issuer: str,
    creator: str,
    indicator_ref: str,
    feedback: dict[str, Any],
    first_seen: datetime | None,
    last_seen: datetime | None,
    tlp: str,
    at: datetime,
    created: datetime | None = None,
) -> dict[str, Any]:
    """Control feedback on a received indicator as a STIX sighting."""
    obj = _common("sighting", sighting_id(issuer, indicator_ref), creator, tlp, at, created)
    obj.update(
        {
            "sighting_of_ref": indicator_ref,
            "count": int(feedback["hits"]),
            "where_sighted_refs": [creator],
        }
    )
    if first_seen is not None and last_seen is not None:
        obj["first_seen"] = stix.timestamp(first_seen)
        obj["last_seen"] = stix.timestamp(max(last_seen, first_seen))
    obj["extensions"] = {
        stix.EXT["control-feedback"]: {"extension_type": "property-extension", **feedback}
    }
    return obj


def pre_arrival(
    issuer: str, creator: str, export: dict[str, Any], tlp: str, at: datetime
) -> dict[str, Any]:
    """An export declaration sent as pre-arrival data (one id per export declaration)."""
    object_id = stix.stable_id("x-icrms-pre-arrival", issuer, export["export_declaration_id"])
    body = dict(export)
    if isinstance(body.get("exported_at"), datetime):
        body["exported_at"] = stix.timestamp(body["exported_at"])
    body["items"] = [{k: v for k, v in i.items() if v is not None} for i in body["items"]]
    return _new_sdo("pre-arrival", object_id, creator, tlp, at, body)


def aggregates(
    issuer: str,
    creator: str,
    cells: list[dict[str, Any]],
    start: date,
    end: date,
    min_cell: int,
    tlp: str,
    at: datetime,
) -> dict[str, Any]:
    """Aggregate statistics of a period (one id per issuer and period, new versions replace)."""
    object_id = stix.stable_id("x-icrms-aggregate-statistics", issuer, str(start), str(end))
    body = {
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "min_cell_size": min_cell,
        "cells": cells,
    }
    obj = _new_sdo("aggregate-statistics", object_id, creator, tlp, at, body)
    obj["cells"] = cells  # kept even when empty
    return obj


def has_traders(obj: dict[str, Any]) -> bool:
    """Whether an object names traders."""
    return any(obj.get(field) for field in TRADER_FIELDS)


def without_traders(obj: dict[str, Any]) -> dict[str, Any]:
    """A copy of an object with every trader identity removed."""
    out = copy.deepcopy(obj)
    for field in TRADER_FIELDS:
        out.pop(field, None)
    return out


def title_of(obj: dict[str, Any]) -> str:
    """A one-line title of a received object for lists."""
    kind = obj["type"]
    if kind == "indicator":
        return str(obj.get("name") or obj["pattern"])
    if kind == "x-icrms-alert":
        return str(obj["title"])
    if kind == "x-icrms-seizure":
        return f"{obj['goods_description']} seized {obj['seized_on']} ({obj['country']})"
    if kind == "x-icrms-pre-arrival":
        return f"export {obj['export_declaration_id']} {obj['country_of_export']}→{obj['country_of_destination']}"
    if kind == "sighting":
        return f"{obj.get('count', 0)} hits on {obj['sighting_of_ref']}"
    if kind == "x-icrms-aggregate-statistics":
        return f"aggregates {obj['period_start']}..{obj['period_end']} ({len(obj['cells'])} cells)"
    return str(obj.get("name") or obj["id"])
