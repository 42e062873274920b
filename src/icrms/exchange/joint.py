"""Joint risk assessment: our hit rate per HS6 x origin beside each partner's, over one window.

Ours is computed from the warehouse as the cells we would share (no minimum cell size: they stay
here); the partners' are the aggregate cells they sent, in the window's months. Rows come most
irregularities first, wherever they were found.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.orm import Session

from icrms.errors import ValidationError
from icrms.exchange import aggregates, rates
from icrms.warehouse.base import Warehouse


@dataclass(frozen=True)
class JointView:
    """The side-by-side rows of a window and the partners that appear in them."""

    date_from: date
    date_to: date
    partners: list[str]
    rows: list[dict[str, Any]]
    partner_cells: int


def default_window(session: Session, today: date) -> tuple[date, date]:
    """The months partners sent cells for; the last 12 months when they sent none."""
    periods = aggregates.partner_cells(session).column("period").to_pylist()
    if not periods:
        return today - timedelta(days=365), today
    first, last = min(periods), max(periods)
    end_year, end_month = int(last[:4]), int(last[5:7])
    following = date(end_year + end_month // 12, end_month % 12 + 1, 1)
    return date.fromisoformat(f"{first}-01"), following - timedelta(days=1)


def compare(
    session: Session, wh: Warehouse, *, date_from: date, date_to: date, top: int = 50
) -> JointView:
    """Our cells and the partners' side by side for ``date_from`` .. ``date_to``."""
    if date_to < date_from:
        raise ValidationError("until", date_to.isoformat(), f"is before {date_from.isoformat()}")
    theirs = aggregates.partner_cells(session)
    months = (date_from.strftime("%Y-%m"), date_to.strftime("%Y-%m"))
    theirs = theirs.filter(
        pc.and_(
            pc.greater_equal(theirs["period"], pa.scalar(months[0])),
            pc.less_equal(theirs["period"], pa.scalar(months[1])),
        )
    )
    ours = aggregates.compute_cells(
        wh, date_from=date_from, date_to=date_to, min_cell=1, rates=rates.rates_table(session)
    )
    rows = aggregates.side_by_side(ours, theirs, top=top)
    return JointView(
        date_from,
        date_to,
        sorted(set(theirs.column("issuer").to_pylist())),
        rows,
        theirs.num_rows,
    )
