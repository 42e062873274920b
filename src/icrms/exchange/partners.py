"""Partner administrations, groups of partners and per-partner agreements."""

from __future__ import annotations

import base64
import os
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from icrms.core.clock import now
from icrms.core.identity import fingerprint as key_fingerprint
from icrms.errors import ConflictError, NotFoundError, ValidationError
from icrms.exchange.schemas import (
    AgreementRead,
    AgreementSet,
    GroupCreate,
    GroupRead,
    PartnerCreate,
    PartnerRead,
)
from icrms.exchange.tables import (
    AgreementRow,
    PartnerGroupMemberRow,
    PartnerGroupRow,
    PartnerRow,
)


def add_partner(session: Session, *, partner: PartnerCreate) -> PartnerRead:
    """Register a partner; it stays unconfirmed until its key fingerprint is confirmed."""
    if session.get(PartnerRow, partner.code) is not None:
        raise ConflictError(f"partner {partner.code} is already registered")
    row = PartnerRow(
        **partner.model_dump(),
        fingerprint=key_fingerprint(base64.b64decode(partner.public_key)),
        active=True,
        created_at=now(),
    )
    session.add(row)
    session.flush()
    return _read(session, row)


def confirm_partner(session: Session, *, code: str, fingerprint: str, actor: str) -> PartnerRead:
    """Confirm a partner's key: the fingerprint read out by the partner must match the stored key."""
    row = _row(session, code)
    if fingerprint.strip().lower() != row.fingerprint:
        raise ValidationError(
            "fingerprint",
            fingerprint,
            f"does not match partner {code}'s registered key ({row.fingerprint}); nothing confirmed",
        )
    row.confirmed_at, row.confirmed_by = now(), actor
    session.flush()
    return _read(session, row)


def update_partner(
    session: Session,
    *,
    code: str,
    api_root: str | None = None,
    token_id: str | None = None,
    active: bool | None = None,
) -> PartnerRead:
    """Change where a partner's API is, which of our tokens it uses, or whether it is active."""
    row = _row(session, code)
    if api_root is not None:
        PartnerCreate.model_validate(
            {
                **_read(session, row).model_dump(include=set(PartnerCreate.model_fields)),
                "api_root": api_root,
            }
        )
        row.api_root = api_root
    if token_id is not None:
        row.token_id = token_id
    if active is not None:
        row.active = active
    session.flush()
    return _read(session, row)


def get_partner(session: Session, *, code: str) -> PartnerRead:
    """A partner by code."""
    return _read(session, _row(session, code))


def list_partners(session: Session) -> list[PartnerRead]:
    """Every registered partner, by code."""
    return [
        _read(session, r) for r in session.scalars(select(PartnerRow).order_by(PartnerRow.code))
    ]


def partner_for_token(session: Session, *, token_id: str) -> PartnerRead | None:
    """The active partner that was given the API token ``token_id``, if any."""
    row = session.scalar(
        select(PartnerRow).where(PartnerRow.token_id == token_id, PartnerRow.active.is_(True))
    )
    return None if row is None else _read(session, row)


def set_agreement(session: Session, *, code: str, agreement: AgreementSet) -> AgreementRead:
    """Set what may be sent to and received from a partner."""
    _row(session, code)
    row = session.get(AgreementRow, code)
    values = agreement.model_dump()
    values["send_types"] = sorted(set(values["send_types"]))
    values["receive_types"] = sorted(set(values["receive_types"]))
    if row is None:
        row = AgreementRow(partner_code=code, **values, updated_at=now())
        session.add(row)
    else:
        for key, value in values.items():
            setattr(row, key, value)
        row.updated_at = now()
    session.flush()
    return AgreementRead.model_validate(row, from_attributes=True)


def get_agreement(session: Session, *, code: str) -> AgreementRead:
    """A partner's agreement; without one nothing may be sent or received."""
    _row(session, code)
    row = session.get(AgreementRow, code)
    if row is None:
        return AgreementRead(partner_code=code, updated_at=now())
    return AgreementRead.model_validate(row, from_attributes=True)


def create_group(session: Session, *, group: GroupCreate) -> GroupRead:
    """A new, empty group of partners."""
    if session.get(PartnerGroupRow, group.name) is not None:
        raise ConflictError(f"partner group {group.name} already exists")
    session.add(PartnerGroupRow(**group.model_dump(), created_at=now()))
    session.flush()
    return get_group(session, name=group.name)


def set_membership(session: Session, *, name: str, code: str, member: bool) -> GroupRead:
    """Add a partner to a group or remove it."""
    get_group(session, name=name)
    _row(session, code)
    row = session.get(PartnerGroupMemberRow, (name, code))
    if member and row is None:
        session.add(PartnerGroupMemberRow(group_name=name, partner_code=code))
    elif not member and row is not None:
        session.delete(row)
    session.flush()
    return get_group(session, name=name)


def get_group(session: Session, *, name: str) -> GroupRead:
    """A group with its members."""
    row = session.get(PartnerGroupRow, name)
    if row is None:
        raise NotFoundError(f"partner group {name} not found")
    members = session.scalars(
        select(PartnerGroupMemberRow.partner_code)
        .where(PartnerGroupMemberRow.group_name == name)
        .order_by(PartnerGroupMemberRow.partner_code)
    ).all()
    return GroupRead(
        name=row.name, purpose=row.purpose, members=list(members), created_at=row.created_at
    )


def list_groups(session: Session) -> list[GroupRead]:
    """Every group, by name."""
    names = session.scalars(select(PartnerGroupRow.name).order_by(PartnerGroupRow.name)).all()
    return [get_group(session, name=n) for n in names]


def resolve_recipients(session: Session, *, names: list[str]) -> list[str]:
    """Partner codes named directly or through groups (sorted, each once)."""
    codes: set[str] = set()
    for name in names:
        if session.get(PartnerRow, name) is not None:
            codes.add(name)
        elif session.get(PartnerGroupRow, name) is not None:
            codes.update(get_group(session, name=name).members)
        else:
            raise ValidationError("recipients", name, "neither a partner code nor a partner group")
    if not codes:
        raise ValidationError("recipients", names, "the groups named have no members")
    return sorted(codes)


def token_file(keys_dir: Path, code: str) -> Path:
    """Where the token a partner gave us for its API is kept (0600, never in the store)."""
    return keys_dir / "partners" / f"{code}.token"


def save_partner_token(keys_dir: Path, code: str, token: str) -> Path:
    """Keep the token a partner issued to us for reading its collections."""
    path = token_file(keys_dir, code)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(token.strip() + "\n")
    os.replace(tmp, path)
    return path


def partner_token(keys_dir: Path, code: str) -> str:
    """The token to call partner ``code``'s API with."""
    path = token_file(keys_dir, code)
    if not path.is_file():
        raise NotFoundError(
            f"no API token for partner {code}: icrms exchange partners token {code}"
        )
    return path.read_text(encoding="utf-8").strip()


def _row(session: Session, code: str) -> PartnerRow:
    row = session.get(PartnerRow, code)
    if row is None:
        raise NotFoundError(f"partner {code} not found")
    return row


def _read(session: Session, row: PartnerRow) -> PartnerRead:
    groups = session.scalars(
        select(PartnerGroupMemberRow.group_name)
        .where(PartnerGroupMemberRow.partner_code == row.code)
        .order_by(PartnerGroupMemberRow.group_name)
    ).all()
    return PartnerRead.model_validate({**_columns(row), "groups": list(groups)})


def _columns(row: PartnerRow) -> dict[str, object]:
    return {c.key: getattr(row, c.key) for c in PartnerRow.__table__.columns}
