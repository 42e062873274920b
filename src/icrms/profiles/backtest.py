"""Backtest a profile over warehouse history without switching it on."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

import pyarrow as pa

from icrms.controls.outcomes import CONTROLLED, baseline
from icrms.declarations.fields import MIRROR_COLUMNS
from icrms.profiles import rules
from icrms.profiles.schemas import ProfileCreate
from icrms.profiles.watchlists import WatchlistSnapshot
from icrms.selectivity.draw import draw_function, sql_draw, threshold_hex
from icrms.selectivity.matching import criterion_sql, items_view, watchlist_table
from icrms.selectivity.sql import lit, run_query
from icrms.warehouse.base import Warehouse


@dataclass
class BacktestReport:
    """What the profile would have done in the period."""

    code: str
    date_from: str
    date_to: str
    declarations: int
    matches: int
    selections: int
    controls: int
    hits: int
    hit_rate: float | None
    revenue: float
    baseline_source: str
    baseline_hit_rate: float | None
    lift: float | None
    daily_load_by_office: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def window_sql(date_from: date, date_to: date) -> str:
    """The item rows a backtest of the period reads."""
    return (
        f"SELECT * FROM fact_item WHERE lodged_date BETWEEN DATE '{date_from.isoformat()}' "
        f"AND DATE '{date_to.isoformat()}'"
    )


def backtest(
    warehouse: Warehouse,
    profile: ProfileCreate,
    *,
    watchlists: dict[str, WatchlistSnapshot],
    secret: bytes,
    date_from: date,
    date_to: date,
    mirror: pa.Table | None = None,
) -> BacktestReport:
    """Matches, would-be selections (after the selection rate), known outcomes and lift in a period.

    ``mirror``: the mirror fields of the period's matched items (:func:`window_sql` selects
    them), when the criterion reads one; NULL otherwise.
    """
    criterion = rules.parse_criterion(profile.criteria)
    warehouse.register("bulk_watchlist", watchlist_table(watchlists))
    items_view(
        warehouse,
        window_sql(date_from, date_to),
        mirror=mirror,
        reads_mirror=not criterion.fields.isdisjoint(MIRROR_COLUMNS),
    )
    draw = sql_draw("m.declaration_id", "m.version", lit(f"profile:{profile.code}"))
    with draw_function(warehouse, secret):
        result = run_query(
            warehouse,
            f"""WITH m AS (SELECT DISTINCT declaration_id, version, office_code FROM bulk_items
                       WHERE {criterion_sql(criterion, warehouse.backend)}),
            s AS (SELECT m.*, CASE WHEN {draw} < '{threshold_hex(profile.selection_rate)}' THEN 1 ELSE 0 END AS selected
                  FROM m),
            c AS ({CONTROLLED})
            SELECT s.office_code, count(*) AS matches, sum(s.selected) AS selections,
                   sum(CASE WHEN s.selected = 1 AND c.hit IS NOT NULL THEN 1 ELSE 0 END) AS controls,
                   sum(CASE WHEN s.selected = 1 THEN coalesce(c.hit, 0) ELSE 0 END) AS hits,
                   sum(CASE WHEN s.selected = 1 THEN coalesce(c.revenue, 0) ELSE 0 END) AS revenue
            FROM s LEFT JOIN c ON c.declaration_id = s.declaration_id AND c.version = s.version
            GROUP BY s.office_code ORDER BY s.office_code""",
            "backtest",
        ).to_pylist()
    total = warehouse.sql(
        "SELECT count(*) AS n FROM (SELECT DISTINCT declaration_id, version FROM bulk_items) d"
    ).to_pylist()[0]["n"]
    days = (date_to - date_from).days + 1
    base = baseline(warehouse, date_from=date_from, date_to=date_to)
    controls = sum(int(r["controls"]) for r in result)
    hits = sum(int(r["hits"]) for r in result)
    hit_rate = hits / controls if controls else None
    return BacktestReport(
        code=profile.code,
        date_from=str(date_from),
        date_to=str(date_to),
        declarations=int(total),
        matches=sum(int(r["matches"]) for r in result),
        selections=sum(int(r["selections"]) for r in result),
        controls=controls,
        hits=hits,
        hit_rate=round(hit_rate, 4) if hit_rate is not None else None,
        revenue=round(sum(float(r["revenue"] or 0) for r in result), 2),
        baseline_source=base.source,
        baseline_hit_rate=round(base.hit_rate, 4) if base.hit_rate is not None else None,
        lift=round(hit_rate / base.hit_rate, 3) if hit_rate is not None and base.hit_rate else None,
        daily_load_by_office={
            r["office_code"]: round(int(r["selections"]) / days, 2) for r in result
        },
    )
