"""Send: check the sharing rules, sign one bundle per recipient variant, fill the partners' outboxes.

Rules: an object goes only to confirmed, active partners whose agreement lets it be sent; trader
identities only to partners whose agreement allows them (others get a copy without); objects
received from a partner marked AMBER, AMBER+STRICT or RED are never shared on.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from icrms.audit import service as audit
from icrms.core.clock import now
from icrms.errors import NotFoundError, ValidationError
from icrms.exchange import objects as objs
from icrms.exchange import partners, stix
from icrms.exchange.administration import Administration
from icrms.exchange.bundles import build_bundle
from icrms.exchange.schemas import KIND_OF_TYPE, AlertCreate, SentBundle, ShareRequest
from icrms.exchange.tables import InboxItemRow, OutboxObjectRow, SentBundleRow, SharedIndicatorRow
from icrms.profiles.service import get_profile


def share_objects(
    session: Session,
    *,
    admin: Administration,
    objects: list[dict[str, Any]],
    recipients: list[str],
    days: int,
    actor: str,
    urgent: bool = False,
) -> list[SentBundle]:
    """Sign and queue ``objects`` for ``recipients`` (partner codes or groups)."""
    codes = partners.resolve_recipients(session, names=recipients)
    with_traders: list[str] = []
    without: list[str] = []
    for code in codes:
        partner = partners.get_partner(session, code=code)
        if not partner.active or partner.confirmed_at is None:
            raise ValidationError(
                "recipients", code, "partner is not active with a confirmed key; nothing sent"
            )
        agreement = partners.get_agreement(session, code=code)
        for obj in objects:
            kind = KIND_OF_TYPE[obj["type"]]
            if kind not in agreement.send_types:
                raise ValidationError(
                    "recipients",
                    code,
                    f"the agreement with {code} does not cover sending {kind}; nothing sent",
                )
        (with_traders if agreement.share_traders else without).append(code)
    variants = [(with_traders, objects), (without, [objs.without_traders(o) for o in objects])]
    issued = now()
    sent = []
    for group, members in variants:
        if group:
            sent.append(_send(session, admin, members, group, issued, days, actor, urgent))
    return sent


def _send(
    session: Session,
    admin: Administration,
    members: list[dict[str, Any]],
    recipients: list[str],
    issued: Any,
    days: int,
    actor: str,
    urgent: bool,
) -> SentBundle:
    expires = issued + timedelta(days=days)
    bundle = build_bundle(admin, members, recipients=recipients, issued=issued, expires=expires)
    payload = json.dumps(bundle, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(payload.encode()).hexdigest()
    header = bundle["objects"][0]
    levels = [stix.tlp_of(o) or "clear" for o in members]
    tlp = max(levels, key=stix.TLP_LEVELS.index)
    session.add(
        SentBundleRow(
            bundle_id=bundle["id"],
            recipients=recipients,
            tlp=tlp,
            issued=issued,
            expires=expires,
            objects=len(bundle["objects"]),
            urgent=urgent,
            sha256=digest,
            payload=payload,
            created_by=actor,
        )
    )
    for code in recipients:
        known = {
            (row[0], row[1])
            for row in session.execute(
                select(OutboxObjectRow.object_id, OutboxObjectRow.object_version).where(
                    OutboxObjectRow.partner_code == code,
                    OutboxObjectRow.object_id.in_(header["contents"]),
                )
            ).all()
        }
        for obj in bundle["objects"]:
            key = (obj["id"], stix.version_of(obj))
            if key in known:
                continue
            session.add(
                OutboxObjectRow(
                    partner_code=code,
                    object_id=key[0],
                    object_version=key[1],
                    object_type=obj["type"],
                    date_added=issued,
                    bundle_id=bundle["id"],
                    payload=json.dumps(obj, separators=(",", ":"), ensure_ascii=False),
                )
            )
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="exchange.send",
        object=f"bundle:{bundle['id']}",
        detail={
            "recipients": recipients,
            "tlp": tlp,
            "objects": len(bundle["objects"]),
            "urgent": urgent,
            "sha256": digest,
        },
    )
    return SentBundle(
        bundle_id=bundle["id"],
        recipients=recipients,
        tlp=tlp,
        objects=len(bundle["objects"]),
        issued=issued,
        expires=expires,
        urgent=urgent,
        sha256=digest,
    )


def check_reshare(session: Session, *, local_ref: str, tlp: str) -> None:
    """Refuse to share something derived from a partner's object that may not be shared on.

    Objects received as AMBER, AMBER+STRICT or RED never leave; GREEN ones not under CLEAR.
    """
    for source in session.scalars(select(InboxItemRow).where(InboxItemRow.local_ref == local_ref)):
        if source.tlp in stix.NOT_RESHAREABLE:
            raise ValidationError(
                "share",
                local_ref,
                f"derived from {source.issuer}'s {source.object_id} marked TLP:{source.tlp.upper()}, "
                "which may not be shared with another administration",
            )
        if stix.TLP_LEVELS.index(tlp) < stix.TLP_LEVELS.index(source.tlp):
            raise ValidationError(
                "tlp",
                tlp,
                f"{local_ref} comes from {source.issuer} as TLP:{source.tlp.upper()}; "
                "it cannot be shared under a looser marking",
            )


def share_profile(
    session: Session,
    *,
    admin: Administration,
    code: str,
    request: ShareRequest,
    days: int,
    actor: str,
) -> list[SentBundle]:
    """Share a profile's current version as an indicator."""
    obj = _profile_indicator(session, admin, code, request.tlp)
    return share_objects(
        session, admin=admin, objects=[obj], recipients=request.recipients, days=days, actor=actor
    )


def _profile_indicator(
    session: Session, admin: Administration, code: str, tlp: str
) -> dict[str, Any]:
    check_reshare(session, local_ref=code, tlp=tlp)
    profile = get_profile(session, code=code)
    row = session.get(SharedIndicatorRow, objs.indicator_id(admin.code, code))
    first = row.first_shared_at if row is not None else now()
    obj = objs.indicator(admin.code, admin.stix_id, profile, tlp, now(), first)
    if row is None:
        session.add(
            SharedIndicatorRow(
                object_id=obj["id"],
                profile_code=code,
                profile_version=profile.version,
                tlp=tlp,
                first_shared_at=first,
                shared_at=now(),
            )
        )
    else:
        row.profile_version, row.tlp, row.shared_at = profile.version, tlp, now()
    return obj


def share_alert(
    session: Session,
    *,
    admin: Administration,
    alert: AlertCreate,
    request: ShareRequest,
    days: int,
    actor: str,
) -> list[SentBundle]:
    """Share an alert with the indicators of the profiles it names; urgent alerts are pushed."""
    indicators = [
        _profile_indicator(session, admin, c, request.tlp) for c in alert.indicator_profiles
    ]
    obj = objs.alert(admin.stix_id, alert, [i["id"] for i in indicators], request.tlp, now())
    return share_objects(
        session,
        admin=admin,
        objects=[*indicators, obj],
        recipients=request.recipients,
        days=days,
        actor=actor,
        urgent=alert.urgency == "urgent",
    )


def forward(
    session: Session,
    *,
    admin: Administration,
    item_id: int,
    request: ShareRequest,
    days: int,
    actor: str,
) -> list[SentBundle]:
    """Share a received object on, unchanged (only objects marked GREEN or CLEAR)."""
    item = session.get(InboxItemRow, item_id)
    if item is None:
        raise NotFoundError(f"inbox item {item_id} not found")
    if item.tlp in stix.NOT_RESHAREABLE:
        raise ValidationError(
            "share",
            item_id,
            f"{item.object_id} from {item.issuer} is marked TLP:{item.tlp.upper()} and may not be shared on",
        )
    return share_objects(
        session,
        admin=admin,
        objects=[item.payload],
        recipients=request.recipients,
        days=days,
        actor=actor,
    )


def sent_bundle(session: Session, *, bundle_id: str) -> SentBundleRow:
    """A bundle as sent (its exact bytes are in ``payload``)."""
    row = session.get(SentBundleRow, bundle_id)
    if row is None:
        raise NotFoundError(f"sent bundle {bundle_id} not found")
    return row


def sent_bundles(session: Session, *, limit: int = 100) -> list[SentBundleRow]:
    """The latest bundles sent, newest first."""
    return list(
        session.scalars(select(SentBundleRow).order_by(SentBundleRow.issued.desc()).limit(limit))
    )
