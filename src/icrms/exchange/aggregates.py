"""Joint risk assessment without raw data: aggregate statistics per HS6 x origin x month.

A cell counts the declarations with at least one item of that HS6 and origin in that month, the
controlled ones, those where the control found an irregularity or a seizure, and the revenue the
controls recovered (in USD at the customs rate of the lodgement date; a control's revenue goes to
the cell of the item it was recorded on, item 1 when it names none). No trader identity appears;
cells with fewer declarations than the minimum cell size are left out, so no cell can point at a
handful of shipments. Computed on DuckDB.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from icrms.errors import ValidationError
from icrms.exchange.tables import AggregateCellRow
from icrms.warehouse.base import Warehouse

CELL_KEYS = ("hs6", "country_of_origin", "period")


def cells_sql(date_from: date, date_to: date, min_cell: int, items: str = "fact_item") -> str:
    """The aggregate cells of a period, as DuckDB SQL (needs ``agg_rates`` registered)."""
    return f"""
WITH i AS (
    SELECT declaration_id, version, item_no, hs6, country_of_origin, currency, lodged_date,
           strftime(lodged_date, '%Y-%m') AS period
    FROM {items}
    WHERE lodged_date BETWEEN DATE '{date_from}' AND DATE '{date_to}'
      AND hs6 IS NOT NULL AND country_of_origin IS NOT NULL),
d AS (SELECT DISTINCT declaration_id, version, hs6, country_of_origin, period FROM i),
c AS (SELECT declaration_id, version,
             max(CASE WHEN outcome IN ('irregularity', 'seizure') THEN 1 ELSE 0 END) AS hit
      FROM fact_control GROUP BY declaration_id, version),
r AS (SELECT i.hs6, i.country_of_origin, i.period,
             sum(coalesce(fc.extra_revenue, 0) * rt.usd_per_unit) AS revenue_usd
      FROM fact_control fc
      JOIN i ON i.declaration_id = fc.declaration_id AND i.version = fc.version
          AND i.item_no = coalesce(fc.item_no, 1)
      ASOF LEFT JOIN agg_rates rt ON rt.currency = i.currency AND i.lodged_date >= rt.valid_from
      GROUP BY ALL)
SELECT d.hs6, d.country_of_origin, d.period,
       count(*) AS declarations, count(c.hit) AS controls, coalesce(sum(c.hit), 0) AS irregularities,
       round(coalesce(any_value(r.revenue_usd), 0), 2) AS revenue_usd
FROM d LEFT JOIN c USING (declaration_id, version)
LEFT JOIN r USING (hs6, country_of_origin, period)
GROUP BY d.hs6, d.country_of_origin, d.period
HAVING count(*) >= {int(min_cell)}
ORDER BY d.period, d.hs6, d.country_of_origin"""


def compute_cells(
    warehouse: Warehouse,
    *,
    date_from: date,
    date_to: date,
    min_cell: int,
    rates: pa.Table,
    items: str = "fact_item",
) -> list[dict[str, Any]]:
    """Our aggregate cells of a period (cells under ``min_cell`` declarations left out)."""
    if warehouse.backend != "duckdb":
        raise ValidationError(
            "warehouse.type", warehouse.backend, "aggregate statistics are computed on DuckDB"
        )
    if date_to < date_from:
        raise ValidationError("date_to", str(date_to), f"is before date_from {date_from}")
    warehouse.register("agg_rates", rates)
    rows = warehouse.sql(cells_sql(date_from, date_to, min_cell, items)).to_pylist()
    return [
        {
            "hs6": r["hs6"],
            "country_of_origin": r["country_of_origin"],
            "period": r["period"],
            "declarations": int(r["declarations"]),
            "controls": int(r["controls"]),
            "irregularities": int(r["irregularities"]),
            "revenue_usd": float(r["revenue_usd"] or 0.0),
        }
        for r in rows
    ]


def partner_cells(session: Session, *, issuer: str | None = None) -> pa.Table:
    """Aggregate cells received from partners (all, or one issuer's), as Arrow."""
    query = select(AggregateCellRow).order_by(
        AggregateCellRow.issuer, AggregateCellRow.period, AggregateCellRow.hs6
    )
    if issuer is not None:
        query = query.where(AggregateCellRow.issuer == issuer)
    rows = session.scalars(query).all()
    return pa.Table.from_pylist(
        [
            {
                "issuer": r.issuer,
                "hs6": r.hs6,
                "country_of_origin": r.country_of_origin,
                "period": r.period,
                "declarations": r.declarations,
                "controls": r.controls,
                "irregularities": r.irregularities,
                "revenue_usd": r.revenue_usd,
            }
            for r in rows
        ],
        schema=CELLS,
    )


CELLS = pa.schema(
    [
        ("issuer", pa.string()),
        ("hs6", pa.string()),
        ("country_of_origin", pa.string()),
        ("period", pa.string()),
        ("declarations", pa.int64()),
        ("controls", pa.int64()),
        ("irregularities", pa.int64()),
        ("revenue_usd", pa.float64()),
    ]
)


def side_by_side(
    ours: list[dict[str, Any]], theirs: pa.Table, *, top: int = 50
) -> list[dict[str, Any]]:
    """Per HS6 x origin over the whole period: our hit rate beside each partner's."""
    mine: dict[tuple[str, str], list[int]] = {}
    for cell in ours:
        acc = mine.setdefault((cell["hs6"], cell["country_of_origin"]), [0, 0, 0])
        acc[0] += cell["declarations"]
        acc[1] += cell["controls"]
        acc[2] += cell["irregularities"]
    others: dict[tuple[str, str], dict[str, list[int]]] = {}
    for cell in theirs.to_pylist():
        acc = others.setdefault((cell["hs6"], cell["country_of_origin"]), {}).setdefault(
            cell["issuer"], [0, 0, 0]
        )
        acc[0] += cell["declarations"]
        acc[1] += cell["controls"]
        acc[2] += cell["irregularities"]
    rows: list[dict[str, Any]] = []
    for key in sorted(set(mine) | set(others)):
        ours_acc = mine.get(key, [0, 0, 0])
        partner = {
            code: {
                "declarations": a[0],
                "controls": a[1],
                "irregularities": a[2],
                "hit_rate": _rate(a),
            }
            for code, a in sorted(others.get(key, {}).items())
        }
        rows.append(
            {
                "hs6": key[0],
                "country_of_origin": key[1],
                "ours": {
                    "declarations": ours_acc[0],
                    "controls": ours_acc[1],
                    "irregularities": ours_acc[2],
                    "hit_rate": _rate(ours_acc),
                },
                "partners": partner,
            }
        )
    rows.sort(
        key=lambda r: (
            -max(
                [p["irregularities"] for p in r["partners"].values()]
                + [r["ours"]["irregularities"]]
            )
        )
    )
    return rows[:top]


def _rate(acc: list[int]) -> float | None:
    return round(acc[2] / acc[1], 4) if acc[1] else None
