"""Receive a bundle: accepted whole or refused with its reason, never in part.

A bundle is accepted when its issuer is a confirmed partner whose registered key signed it, it is
addressed to us, it has not expired, it was not accepted before, every object is valid STIX 2.1
and valid icrms, the agreement with the issuer covers every object kind (and trader identities,
if any), and no object is a re-share of another administration's AMBER or RED object. Every
bundle that arrives is logged, with the reason when refused.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from icrms.audit import service as audit
from icrms.core.clock import now
from icrms.errors import ValidationError
from icrms.exchange import objects as objs
from icrms.exchange import stix
from icrms.exchange.administration import Administration
from icrms.exchange.intake import store_objects
from icrms.exchange.schemas import FRAME_TYPES, KIND_OF_TYPE, AgreementRead, PartnerRead, Received
from icrms.exchange.signing import header_of, verify_bundle
from icrms.exchange.tables import AgreementRow, PartnerRow, ReceivedBundleRow
from icrms.exchange.validate import check_bundle

MAX_BUNDLE_BYTES = 64 * 1024 * 1024


class Refusal(Exception):
    """Why a bundle is refused (``code`` is stable, ``message`` says what was wrong)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass
class Checked:
    """A bundle that passed every check."""

    bundle: dict[str, Any]
    header: dict[str, Any]
    partner: PartnerRead
    agreement: AgreementRead


def receive(
    session: Session,
    *,
    admin: Administration,
    raw: bytes,
    via: str,
    sender: str | None = None,
    skew: timedelta = timedelta(minutes=5),
) -> Received:
    """Check a received bundle and, if it passes, store what it carries (one transaction).

    ``sender`` is the partner whose credentials delivered it (the partner we pulled from, or
    whose token pushed it); None for a file carried by hand.
    """
    digest = hashlib.sha256(raw).hexdigest()
    at = now()
    try:
        checked = _check(session, admin, raw, sender, at, skew)
    except Refusal as refusal:
        bundle_id, issuer = _peek(raw)
        row = _log(session, bundle_id, issuer, via, at, "refused", str(refusal), 0, digest, None)
        _audit(session, row, sender)
        return Received(
            received_id=row.id,
            bundle_id=bundle_id,
            issuer=issuer,
            status="refused",
            reason=str(refusal),
        )
    bundle, header = checked.bundle, checked.header
    members = [o for o in bundle["objects"] if o["type"] not in FRAME_TYPES]
    items = store_objects(
        session, issuer=checked.partner.code, bundle_id=bundle["id"], objects=members, at=at
    )
    row = _log(
        session,
        bundle["id"],
        header["issuer"],
        via,
        at,
        "accepted",
        None,
        len(members),
        digest,
        raw.decode("utf-8"),
    )
    _audit(session, row, sender)
    return Received(
        received_id=row.id,
        bundle_id=bundle["id"],
        issuer=header["issuer"],
        status="accepted",
        objects=len(members),
        inbox_items=items,
    )


def already_accepted(session: Session, *, bundle_id: str) -> bool:
    """Whether a bundle with this id was accepted before."""
    return (
        session.scalar(
            select(ReceivedBundleRow.id)
            .where(ReceivedBundleRow.bundle_id == bundle_id, ReceivedBundleRow.status == "accepted")
            .limit(1)
        )
        is not None
    )


def _check(
    session: Session,
    admin: Administration,
    raw: bytes,
    sender: str | None,
    at: datetime,
    skew: timedelta,
) -> Checked:
    if len(raw) > MAX_BUNDLE_BYTES:
        raise Refusal("too-large", f"{len(raw)} bytes; at most {MAX_BUNDLE_BYTES}")
    try:
        bundle = json.loads(raw)
        header = header_of(bundle)
    except (ValueError, ValidationError, AttributeError, TypeError) as exc:
        raise Refusal("malformed", f"not an icrms bundle: {exc}") from exc
    _structure(bundle, header)
    issuer = str(header.get("issuer"))
    partner_row = session.get(PartnerRow, issuer)
    if partner_row is None:
        raise Refusal("unknown-issuer", f"{issuer} is not a registered partner")
    if partner_row.confirmed_at is None or not partner_row.active:
        raise Refusal(
            "unconfirmed-issuer", f"partner {issuer}'s key is not confirmed or it is inactive"
        )
    if sender is not None and sender != issuer:
        raise Refusal("wrong-sender", f"delivered by {sender} but issued by {issuer}")
    if header.get("key_fingerprint") != partner_row.fingerprint:
        raise Refusal(
            "key-mismatch",
            f"signed with key {header.get('key_fingerprint')}, not {issuer}'s registered key",
        )
    if not verify_bundle(bundle, base64.b64decode(partner_row.public_key)):
        raise Refusal(
            "bad-signature",
            f"the signature does not verify under {issuer}'s key: altered or forged",
        )
    if admin.code not in header["recipients"]:
        raise Refusal(
            "not-recipient", f"addressed to {', '.join(header['recipients'])}, not {admin.code}"
        )
    _times(header, at, skew)
    if already_accepted(session, bundle_id=bundle["id"]):
        raise Refusal("replay", f"bundle {bundle['id']} was already received and accepted")
    try:
        check_bundle(bundle)
        _aggregate_cells(bundle)
    except ValidationError as exc:
        raise Refusal("invalid", exc.message) from exc
    partner = PartnerRead.model_validate(
        {c.key: getattr(partner_row, c.key) for c in PartnerRow.__table__.columns}
    )
    agreement = _agreement(session, issuer)
    _rules(bundle, header, agreement)
    return Checked(bundle, header, partner, agreement)


def _structure(bundle: dict[str, Any], header: dict[str, Any]) -> None:
    objects = bundle["objects"][1:]
    refs, versions = header.get("contents"), header.get("content_versions")
    if not isinstance(refs, list) or not isinstance(versions, list) or len(refs) != len(versions):
        raise Refusal("malformed", "the header's contents and content_versions do not pair up")
    if header.get("bundle_id") != bundle.get("id"):
        raise Refusal(
            "malformed", f"header names bundle {header.get('bundle_id')}, not {bundle.get('id')}"
        )
    listed = [(o.get("id"), stix.version_of(o) if "created" in o else None) for o in objects]
    if listed != list(zip(refs, versions, strict=True)):
        raise Refusal("malformed", "the bundle's objects are not exactly those its header lists")
    if not isinstance(header.get("recipients"), list):
        raise Refusal("malformed", "the header has no recipients")


def _times(header: dict[str, Any], at: datetime, skew: timedelta) -> None:
    try:
        issued, expires = (
            stix.parse_timestamp(header["issued"]),
            stix.parse_timestamp(header["expires"]),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise Refusal("malformed", f"issued/expires: {exc}") from exc
    if expires <= at:
        raise Refusal("expired", f"expired at {header['expires']}")
    if issued > at + skew:
        raise Refusal("not-yet-valid", f"issued at {header['issued']}, in the future")


def _aggregate_cells(bundle: dict[str, Any]) -> None:
    for obj in bundle["objects"]:
        if obj["type"] == "x-icrms-aggregate-statistics":
            for cell in obj["cells"]:
                if cell["declarations"] < obj["min_cell_size"]:
                    raise ValidationError(
                        f"{obj['id']}.cells",
                        f"{cell['hs6']}/{cell['country_of_origin']}/{cell['period']}",
                        f"{cell['declarations']} declarations, below the stated minimum cell size {obj['min_cell_size']}",
                    )


def _agreement(session: Session, code: str) -> AgreementRead:
    row = session.get(AgreementRow, code)
    if row is None:
        return AgreementRead(partner_code=code, updated_at=now())
    return AgreementRead.model_validate(row, from_attributes=True)


def _rules(bundle: dict[str, Any], header: dict[str, Any], agreement: AgreementRead) -> None:
    for obj in bundle["objects"][1:]:
        if obj["type"] in FRAME_TYPES:
            continue
        kind = KIND_OF_TYPE.get(obj["type"])
        if kind is None or kind not in agreement.receive_types:
            raise Refusal(
                "not-agreed",
                f"the agreement with {header['issuer']} does not cover receiving {kind or obj['type']}",
            )
        if objs.has_traders(obj) and not agreement.share_traders:
            raise Refusal(
                "traders-not-agreed",
                f"{obj['id']} names traders; the agreement with {header['issuer']} excludes them",
            )
        level = stix.tlp_of(obj) or "red"
        if obj.get("created_by_ref") != header["issuer_ref"] and level in stix.NOT_RESHAREABLE:
            raise Refusal(
                "reshare",
                f"{obj['id']} was created by {obj.get('created_by_ref')} and is marked TLP:{level.upper()}; it may not be shared on",
            )


def _peek(raw: bytes) -> tuple[str | None, str | None]:
    try:
        bundle = json.loads(raw)
        header = bundle["objects"][0]
        return str(bundle["id"])[:64], str(header.get("issuer"))[:16] if header.get(
            "issuer"
        ) else None
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return None, None


def _log(
    session: Session,
    bundle_id: str | None,
    issuer: str | None,
    via: str,
    at: datetime,
    status: str,
    reason: str | None,
    count: int,
    digest: str,
    payload: str | None,
) -> ReceivedBundleRow:
    row = ReceivedBundleRow(
        bundle_id=bundle_id,
        issuer=issuer,
        via=via,
        received_at=at,
        status=status,
        reason=reason,
        objects=count,
        sha256=digest,
        payload=payload,
    )
    session.add(row)
    session.flush()
    return row


def _audit(session: Session, row: ReceivedBundleRow, sender: str | None) -> None:
    """Every bundle received goes into the audit trail, accepted or refused with its reason."""
    audit.record(
        session,
        actor=f"partner:{sender}" if sender else f"exchange:{row.via}",
        action=f"exchange.receive.{row.status}",
        object=f"bundle:{row.bundle_id}",
        detail={
            "via": row.via,
            "issuer": row.issuer,
            "objects": row.objects,
            "reason": row.reason,
            "sha256": row.sha256,
        },
    )
