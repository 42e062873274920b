"""Store and read declarations submitted live (idempotent by declaration id and version)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from icrms.core.clock import now
from icrms.declarations.schemas import DeclarationCreate, DeclarationRead
from icrms.declarations.tables import DeclarationRow
from icrms.errors import ConflictError, NotFoundError, cut, quote


@dataclass(frozen=True)
class Unreadable:
    """A stored declaration that the declaration model now refuses (stored before a bound)."""

    declaration_id: str
    version: int
    field: str
    value: str
    reason: str
    payload: str


def stored_version(session: Session, *, declaration: DeclarationCreate) -> DeclarationRead | None:
    """The stored declaration of the same id and version, or None when there is none.

    Raises:
        ConflictError: the same id and version was stored with other content.
    """
    payload = declaration.model_dump(mode="json", exclude_computed_fields=True)
    existing = session.scalar(
        select(DeclarationRow).where(
            DeclarationRow.declaration_id == declaration.declaration_id,
            DeclarationRow.version == declaration.version,
        )
    )
    if existing is None:
        return None
    if existing.payload != payload:
        raise ConflictError(
            f"declaration {declaration.declaration_id} version {declaration.version} "
            "is already stored with other content; lodge an amendment as a new version"
        )
    return _read(existing)


def submit_declaration(session: Session, *, declaration: DeclarationCreate) -> DeclarationRead:
    """Store a declaration version; resubmitting the same content returns the stored one.

    Raises:
        ConflictError: the same id and version was stored with other content.
    """
    existing = stored_version(session, declaration=declaration)
    if existing is not None:
        return existing
    payload = declaration.model_dump(mode="json", exclude_computed_fields=True)
    row = DeclarationRow(
        declaration_id=declaration.declaration_id,
        version=declaration.version,
        lodged_at=declaration.lodged_at,
        office_code=declaration.office_code,
        importer_id=declaration.importer_id,
        payload=payload,
        received_at=now(),
    )
    session.add(row)
    session.flush()
    return _read(row)


def get_declaration(
    session: Session, *, declaration_id: str, version: int | None = None
) -> DeclarationRead:
    """A stored declaration, the newest version unless one is named."""
    query = select(DeclarationRow).where(DeclarationRow.declaration_id == declaration_id)
    if version is not None:
        query = query.where(DeclarationRow.version == version)
    row = session.scalar(query.order_by(DeclarationRow.version.desc()).limit(1))
    if row is None:
        suffix = f" version {version}" if version is not None else ""
        raise NotFoundError(f"declaration {declaration_id}{suffix} not found")
    return _read(row)


def declarations_after(
    session: Session, *, seq: int, limit: int
) -> list[tuple[int, DeclarationRead | Unreadable]]:
    """Declarations stored after ``seq``, oldest first (for the incremental ETL).

    One that the model refuses comes back as ``Unreadable`` with the reason, so that it never
    stops the declarations after it.
    """
    rows = session.scalars(
        select(DeclarationRow)
        .where(DeclarationRow.seq > seq)
        .order_by(DeclarationRow.seq)
        .limit(limit)
    )
    out: list[tuple[int, DeclarationRead | Unreadable]] = []
    for row in rows:
        try:
            out.append((row.seq, _read(row)))
        except PydanticValidationError as exc:
            first = exc.errors()[0]
            out.append(
                (
                    row.seq,
                    Unreadable(
                        row.declaration_id,
                        row.version,
                        ".".join(str(p) for p in first["loc"]) or "declaration",
                        quote(first.get("input")),
                        cut(first["msg"]),
                        json.dumps(row.payload, default=str),
                    ),
                )
            )
    return out


def _read(row: DeclarationRow) -> DeclarationRead:
    return DeclarationRead.model_validate({**row.payload, "received_at": row.received_at})
