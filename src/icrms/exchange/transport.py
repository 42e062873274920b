"""TAXII 2.1 for one caller: which partner a token speaks for, what it may see, and the audit trail.

A partner token (role ``partner``) is issued to one registered partner (``PartnerRow.token_id``
holds its public id); it sees that partner's outbox and the inbox, nothing else. A partner token
given to no registered, active partner sees no collection. An administrator sees every partner's
outbox (read-only) and no inbox: it is nobody's partner. Every page of objects served and every
push received is in the audit trail (the bundles themselves are audited where they are signed
and where they are received).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from icrms.audit import service as audit
from icrms.auth import service as auth
from icrms.auth.schemas import Principal, Role, TokenCreate, TokenIssued
from icrms.auth.tables import ApiTokenRow
from icrms.core.clock import now
from icrms.errors import NotFoundError, PermissionDeniedError
from icrms.exchange import taxii
from icrms.exchange.administration import Administration
from icrms.exchange.tables import PartnerRow


@dataclass(frozen=True)
class Caller:
    """Who calls the TAXII endpoints: a partner (by code), an administrator, or neither."""

    actor: str
    partner: str | None
    admin: bool = False


def caller_of(session: Session, principal: Principal) -> Caller:
    """The partner a principal speaks for (None when its token was given to no active partner)."""
    if principal.role is Role.admin:
        return Caller(principal.actor, None, admin=True)
    if principal.role is not Role.partner or principal.token_id is None:
        raise PermissionDeniedError("the exchange endpoints answer partner API tokens only")
    public_id = session.scalar(
        select(ApiTokenRow.public_id).where(ApiTokenRow.id == principal.token_id)
    )
    code = session.scalar(
        select(PartnerRow.code).where(
            PartnerRow.token_id == public_id,
            PartnerRow.active.is_(True),
            PartnerRow.confirmed_at.is_not(None),
        )
    )
    return Caller(principal.actor, code)


def collections(session: Session, caller: Caller) -> list[taxii.Collection]:
    """The collections the caller may see."""
    if caller.partner is not None:
        return taxii.collections(partner=caller.partner)
    if not caller.admin:
        return []
    codes = session.scalars(select(PartnerRow.code).order_by(PartnerRow.code)).all()
    return [
        taxii.collections(partner=code)[0].model_copy(update={"can_write": False}) for code in codes
    ]


def collection(session: Session, caller: Caller, collection_id: str) -> taxii.Collection:
    """One collection the caller may see (any other answers not found)."""
    for item in collections(session, caller):
        if item.id == collection_id:
            return item
    raise NotFoundError(f"collection {collection_id} not found")


def _reader(session: Session, caller: Caller, collection_id: str) -> str:
    """The partner whose view of ``collection_id`` the caller reads."""
    if caller.partner is not None:
        taxii.collection(partner=caller.partner, collection_id=collection_id)
        return caller.partner
    if caller.admin:
        for code in session.scalars(select(PartnerRow.code)):
            if taxii.outbox_id(code) == collection_id:
                return code
    raise NotFoundError(f"collection {collection_id} not found")


def objects(
    session: Session, caller: Caller, collection_id: str, query: taxii.Query
) -> tuple[dict[str, Any], taxii.Page]:
    """A page of a collection's objects, recorded in the audit trail as sent to the caller."""
    owner = _reader(session, caller, collection_id)
    envelope, page = taxii.get_objects(
        session, partner=owner, collection_id=collection_id, query=query
    )
    _served(session, caller, owner, collection_id, page)
    return envelope, page


def one_object(
    session: Session, caller: Caller, collection_id: str, object_id: str, query: taxii.Query
) -> tuple[dict[str, Any], taxii.Page]:
    """One object's versions, recorded as sent."""
    owner = _reader(session, caller, collection_id)
    envelope, page = taxii.get_object(
        session, partner=owner, collection_id=collection_id, object_id=object_id, query=query
    )
    _served(session, caller, owner, collection_id, page)
    return envelope, page


def versions(
    session: Session, caller: Caller, collection_id: str, object_id: str, query: taxii.Query
) -> tuple[dict[str, Any], taxii.Page]:
    """The versions of one object."""
    owner = _reader(session, caller, collection_id)
    return taxii.get_versions(
        session, partner=owner, collection_id=collection_id, object_id=object_id, query=query
    )


def manifest(
    session: Session, caller: Caller, collection_id: str, query: taxii.Query
) -> tuple[dict[str, Any], taxii.Page]:
    """Manifest records of a page of objects."""
    owner = _reader(session, caller, collection_id)
    return taxii.get_manifest(session, partner=owner, collection_id=collection_id, query=query)


def push(
    session: Session, admin: Administration, caller: Caller, collection_id: str, envelope: bytes
) -> dict[str, Any]:
    """A partner pushes one signed bundle to our inbox; the status says accepted or why not."""
    if caller.partner is None:
        raise NotFoundError(f"collection {collection_id} not found")
    status = taxii.add_objects(
        session,
        admin=admin,
        partner=caller.partner,
        collection_id=collection_id,
        envelope=envelope,
    )
    audit.record(
        session,
        actor=caller.actor,
        action="exchange.push.received",
        object=f"taxii-status:{status['id']}",
        detail={
            "partner": caller.partner,
            "success_count": status["success_count"],
            "failure_count": status["failure_count"],
        },
    )
    return status


def status(session: Session, caller: Caller, status_id: str) -> dict[str, Any]:
    """A status resource the caller's pushes produced."""
    if caller.partner is None:
        raise NotFoundError(f"status {status_id} not found")
    return taxii.get_status(session, partner=caller.partner, status_id=status_id)


def _served(
    session: Session, caller: Caller, owner: str, collection_id: str, page: taxii.Page
) -> None:
    if not page.rows:
        return
    audit.record(
        session,
        actor=caller.actor,
        action="exchange.serve",
        object=f"collection:{collection_id}",
        detail={
            "partner": owner,
            "objects": len(page.rows),
            "bundles": sorted({r["bundle_id"] for r in page.rows if r.get("bundle_id")}),
            "first_added": page.first_added.isoformat() if page.first_added else None,
            "last_added": page.last_added.isoformat() if page.last_added else None,
        },
    )


def issue_token(session: Session, *, code: str, days: int, actor: str) -> TokenIssued:
    """Issue partner ``code`` an API token for our TAXII endpoints (replacing and revoking any
    earlier one); the secret is shown once."""
    row = session.get(PartnerRow, code)
    if row is None:
        raise NotFoundError(f"partner {code} not found")
    issued = auth.create_token(
        session,
        token=TokenCreate(
            name=f"partner-{code}", role=Role.partner, expires_at=now() + timedelta(days=days)
        ),
        actor=actor,
    )
    if row.token_id:
        earlier = session.scalar(select(ApiTokenRow).where(ApiTokenRow.public_id == row.token_id))
        if earlier is not None and earlier.revoked_at is None:
            auth.revoke_token(session, public_id=row.token_id, actor=actor)
    row.token_id = issued.public_id
    session.flush()
    return issued
