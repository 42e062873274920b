"""Exchange flows that read other domains: seizure cases from control results, control feedback.

Feedback: for every received indicator adopted as a local profile, the live assessments in which
that profile selected a declaration and the control results recorded on them give the sighting
sent back to the issuer (count = hits, with selections, controls, outcomes and offices). A new
version goes only when the figures changed, and only where the agreement covers sightings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from icrms.controls.tables import ControlResultRow
from icrms.core.clock import now
from icrms.declarations.service import get_declaration
from icrms.errors import NotFoundError, ValidationError
from icrms.exchange import objects as objs
from icrms.exchange import outbox, partners
from icrms.exchange.administration import Administration
from icrms.exchange.schemas import SentBundle, ShareRequest
from icrms.exchange.tables import FeedbackSentRow, InboxItemRow
from icrms.selectivity.tables import AssessmentRow


def seizure_case(session: Session, *, seq: int, country: str) -> dict[str, Any]:
    """A seizure record built from a control result and its declaration (traders included)."""
    control = session.get(ControlResultRow, seq)
    if control is None:
        raise NotFoundError(f"control result {seq} not found")
    if control.outcome != "seizure":
        raise ValidationError("control", seq, f"outcome is {control.outcome}, not a seizure")
    declaration = get_declaration(
        session, declaration_id=control.declaration_id, version=control.version
    )
    item = next(
        (i for i in declaration.items if i.item_no == (control.item_no or 1)), declaration.items[0]
    )
    traders = [
        {"role": role, "id": value}
        for role, value in (
            ("importer", declaration.importer_id),
            ("declarant", declaration.declarant_id),
            ("seller", declaration.seller_id),
        )
        if value
    ]
    return {
        "case_reference": f"{declaration.office_code}/{control.declaration_id}/{seq}"[:64],
        "seized_on": control.controlled_at.date().isoformat(),
        "country": country,
        "office": declaration.office_code,
        "goods_description": control.seizure_goods or item.description or item.hs_code,
        "hs_code": item.hs_code,
        "quantity": item.quantity,
        "quantity_unit": item.quantity_unit,
        "offence_types": list(control.irregularity_types) or ["other"],
        "concealment": control.concealment,
        "modus_operandi": control.modus_operandi,
        "transport_mode": declaration.transport_mode,
        "country_of_departure": declaration.country_of_export,
        "country_of_destination": country,
        "detection": control.selection,
        "critical": control.critical,
        "traders": traders,
    }


def share_seizure(
    session: Session,
    *,
    admin: Administration,
    seq: int,
    request: ShareRequest,
    days: int,
    actor: str,
) -> list[SentBundle]:
    """Share a seizure (non-nominal unless the agreement with a recipient allows traders)."""
    if admin.country is None:
        raise ValidationError(
            "exchange.country", None, "set ICRMS_EXCHANGE__COUNTRY to share seizures"
        )
    case = seizure_case(session, seq=seq, country=admin.country)
    obj = objs.seizure(admin.stix_id, case, request.tlp, now())
    return outbox.share_objects(
        session, admin=admin, objects=[obj], recipients=request.recipients, days=days, actor=actor
    )


@dataclass
class Feedback:
    """What a derived profile did: selections, controls, hits, outcomes, offices, first/last hit."""

    selections: int
    controls: int
    hits: int
    outcomes: dict[str, int]
    offices: list[str]
    first_seen: datetime | None
    last_seen: datetime | None

    def extension(self, profile_code: str) -> dict[str, Any]:
        """The control-feedback extension body."""
        return {
            "selections": self.selections,
            "controls": self.controls,
            "hits": self.hits,
            "outcomes": self.outcomes,
            "offices": self.offices,
            "local_profile": profile_code,
        }


def profile_feedback(session: Session, *, profile_code: str) -> Feedback:
    """Selections of a profile in live assessments and the control results recorded on them."""
    rows = session.scalars(
        select(AssessmentRow).where(cast(AssessmentRow.reasons, String).like(f"%{profile_code}%"))
    ).all()
    chosen = {
        r.id: r
        for r in rows
        if any(
            x.get("kind") == "profile" and x.get("code") == profile_code and x.get("selected")
            for x in r.reasons
        )
    }
    outcomes = {"no_finding": 0, "irregularity": 0, "seizure": 0}
    offices: set[str] = set()
    hit_times: list[datetime] = []
    controls = (
        session.scalars(
            select(ControlResultRow).where(ControlResultRow.assessment_id.in_(list(chosen)))
        ).all()
        if chosen
        else []
    )
    for control in controls:
        outcomes[control.outcome] += 1
        if control.outcome != "no_finding":
            offices.add(chosen[control.assessment_id].office_code)  # type: ignore[index]
            hit_times.append(control.controlled_at)
    return Feedback(
        selections=len(chosen),
        controls=len(controls),
        hits=outcomes["irregularity"] + outcomes["seizure"],
        outcomes=outcomes,
        offices=sorted(offices),
        first_seen=min(hit_times) if hit_times else None,
        last_seen=max(hit_times) if hit_times else None,
    )


@dataclass
class FeedbackResult:
    """Feedback sent, and feedback held back with the reason."""

    sent: list[SentBundle]
    skipped: list[dict[str, str]]


def send_feedback(
    session: Session, *, admin: Administration, days: int, actor: str
) -> FeedbackResult:
    """Send a sighting to the issuer of every adopted indicator whose control figures changed."""
    adopted = session.scalars(
        select(InboxItemRow)
        .where(
            InboxItemRow.object_type == "indicator",
            InboxItemRow.state == "accepted",
            InboxItemRow.local_ref.is_not(None),
        )
        .order_by(InboxItemRow.id)
    ).all()
    latest: dict[str, InboxItemRow] = {row.object_id: row for row in adopted}
    sent: list[SentBundle] = []
    skipped: list[dict[str, str]] = []
    for indicator_id, item in sorted(latest.items()):
        code = str(item.local_ref)
        feedback = profile_feedback(session, profile_code=code)
        body = feedback.extension(code)
        previous = session.get(FeedbackSentRow, indicator_id)
        if feedback.controls == 0 or (previous is not None and previous.feedback == body):
            continue
        agreement = partners.get_agreement(session, code=item.issuer)
        if "sighting" not in agreement.send_types:
            skipped.append(
                {
                    "indicator": indicator_id,
                    "reason": f"the agreement with {item.issuer} does not cover sending sightings",
                }
            )
            continue
        at = now()
        first = previous.first_sent_at if previous is not None else at
        obj = objs.sighting(
            admin.code,
            admin.stix_id,
            indicator_id,
            body,
            feedback.first_seen,
            feedback.last_seen,
            item.tlp,
            at,
            first,
        )
        sent += outbox.share_objects(
            session, admin=admin, objects=[obj], recipients=[item.issuer], days=days, actor=actor
        )
        if previous is None:
            session.add(
                FeedbackSentRow(
                    indicator_id=indicator_id,
                    issuer=item.issuer,
                    profile_code=code,
                    feedback=body,
                    first_sent_at=at,
                    sent_at=at,
                )
            )
        else:
            previous.feedback, previous.sent_at = body, at
    session.flush()
    return FeedbackResult(sent, skipped)
