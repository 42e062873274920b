"""Mirror fields for the channel decision, from the pre-arrival data stored at a moment.

Live, a declaration's items get the mirror fields of the partners' export declarations stored
when it is assessed (replay reads the versions in force at the assessment's time), computed in
Python (:mod:`icrms.exchange.mirror_one`); in bulk, the items get them from every export
declaration stored when the run starts, computed by the SQL of :mod:`icrms.exchange.mirror`.
An item without a match has NULL mirror fields.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import pyarrow as pa
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from icrms.declarations.fields import MIRROR_COLUMNS, mirror_schema
from icrms.exchange import mirror, mirror_one, rates
from icrms.exchange.tables import CurrencyRateRow, PreArrivalRow
from icrms.profiles import rules
from icrms.profiles.backtest import window_sql
from icrms.profiles.schemas import ProfileCreate
from icrms.warehouse.base import Warehouse
from icrms.warehouse.schema import FACT_ITEM

ITEM_SCHEMA = pa.schema([FACT_ITEM.field(name) for name in mirror.ITEM_COLUMNS])


def in_force(at: datetime | None = None) -> ColumnElement[bool]:
    """Pre-arrival versions stored at ``at`` and not yet superseded then (None: now)."""
    if at is None:
        return PreArrivalRow.superseded_at.is_(None)
    return and_(
        PreArrivalRow.received_at <= at,
        or_(PreArrivalRow.superseded_at.is_(None), PreArrivalRow.superseded_at > at),
    )


def stored_exports(session: Session, *where: ColumnElement[bool]) -> pa.Table:
    """Export item rows of the stored pre-arrival declarations that ``where`` selects."""
    rows = session.execute(select(PreArrivalRow.issuer, PreArrivalRow.payload).where(*where)).all()
    return mirror.exports_from_objects((r[0], r[1]) for r in rows)


class MirrorFacts:
    """The mirror fields of a live declaration's items (:class:`selectivity.engine.ItemFacts`)."""

    def __init__(self) -> None:
        self._rates: mirror_one.Rates | None = None
        self._stamp: tuple[Any, ...] | None = None

    def add(self, session: Any, rows: Sequence[Mapping[str, Any]], *, at: datetime) -> list[Any]:
        """The rows with their mirror fields, from the pre-arrival data stored at ``at``.

        Only export declarations that could match are read: the same transport document, the
        same first container, or the same parties; :mod:`mirror_one` then applies every
        condition of the match, as the warehouse's SQL does.
        """
        head = rows[0]
        could: list[ColumnElement[bool]] = []
        if head.get("transport_document"):
            could.append(PreArrivalRow.transport_document == head["transport_document"])
        first = (head.get("containers") or "").split(";")[0]
        if first:
            could.append(PreArrivalRow.first_container == first)
        if head.get("importer_id") and head.get("seller_id"):
            could.append(
                and_(
                    PreArrivalRow.consignee_id == head["importer_id"],
                    PreArrivalRow.exporter_id == head["seller_id"],
                )
            )
        if not could:
            return [{**row, **mirror_one.NO_MATCH} for row in rows]
        exports = session.execute(
            select(PreArrivalRow.issuer, PreArrivalRow.payload).where(in_force(at), or_(*could))
        ).all()
        if not exports:
            return [{**row, **mirror_one.NO_MATCH} for row in rows]
        return mirror_one.with_mirror_fields(
            rows, [(r[0], r[1]) for r in exports], self.rates(session)
        )

    def rates(self, session: Session) -> mirror_one.Rates:
        """The stored exchange rates (read again only when they changed)."""
        stamp = session.execute(
            select(
                func.count(),
                func.max(CurrencyRateRow.valid_from),
                func.sum(CurrencyRateRow.usd_per_unit),
            )
        ).one()
        if self._rates is None or self._stamp != tuple(stamp):
            table = rates.rates_table(session)
            self._rates = mirror_one.Rates(
                zip(
                    table.column("currency").to_pylist(),
                    table.column("valid_from").to_pylist(),
                    table.column("usd_per_unit").to_pylist(),
                    strict=True,
                )
            )
            self._stamp = tuple(stamp)
        return self._rates


def bulk_fields(session: Session, warehouse: Warehouse, *, items_sql: str) -> pa.Table:
    """The mirror fields of the items ``items_sql`` selects, from every export stored now.

    On DuckDB they are computed in the warehouse; on Spark the columns matching reads are
    brought out and compared by DuckDB in memory with the same SQL.
    """
    exports = stored_exports(session, in_force())
    rate_table = rates.rates_table(session)
    if warehouse.backend == "duckdb":
        mirror.register(warehouse, exports, rate_table)
        warehouse.execute(f"CREATE OR REPLACE TEMP VIEW mirror_items AS {items_sql}")
        return warehouse.sql(mirror.item_fields_sql("mirror_items")).cast(mirror_schema())
    items = warehouse.sql(f"SELECT {', '.join(mirror.ITEM_COLUMNS)} FROM ({items_sql}) i")
    return mirror.item_fields(items.cast(ITEM_SCHEMA), exports, rate_table)


def bulk_fields_for(
    session: Session, warehouse: Warehouse, *, items_sql: str, fields: frozenset[str]
) -> pa.Table | None:
    """:func:`bulk_fields` when ``fields`` (those the criteria read) include a mirror field."""
    if not fields & set(MIRROR_COLUMNS):
        return None
    return bulk_fields(session, warehouse, items_sql=items_sql)


def backtest_mirror(
    session: Session,
    warehouse: Warehouse,
    profile: ProfileCreate,
    *,
    date_from: date,
    date_to: date,
) -> pa.Table | None:
    """The mirror fields a backtest of ``profile`` over the period reads (None: it reads none)."""
    return bulk_fields_for(
        session,
        warehouse,
        items_sql=window_sql(date_from, date_to),
        fields=rules.parse_criterion(profile.criteria).fields,
    )
