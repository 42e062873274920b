"""How well profiles find irregularities: hits among controlled selections, lift over random controls."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from icrms.controls.outcomes import CONTROLLED, Baseline, baseline, window_sql
from icrms.profiles.schemas import ProfileRead
from icrms.warehouse.base import Warehouse


@dataclass
class ProfileEffectiveness:
    """One profile's record over the assessments in the warehouse."""

    code: str
    matches: int
    selected: int
    controls: int
    hits: int
    hit_rate: float | None
    lift: float | None
    revenue: float
    last_hit: str | None
    flags: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def profile_effectiveness(
    warehouse: Warehouse,
    *,
    profiles: list[ProfileRead],
    as_of: date,
    no_hit_days: int = 90,
    date_from: date | None = None,
    date_to: date | None = None,
) -> tuple[Baseline, list[ProfileEffectiveness]]:
    """Per profile: matches, selections, controls, hits, hit rate, lift and revenue; with flags."""
    base = baseline(warehouse, date_from=date_from, date_to=date_to)
    rows = warehouse.sql(
        f"""WITH r AS (
                SELECT declaration_id, version, code, max(CASE WHEN selected THEN 1 ELSE 0 END) AS selected
                FROM fact_assessment_reason
                WHERE kind = 'profile' AND {window_sql("date_key", date_from, date_to)}
                GROUP BY declaration_id, version, code),
            c AS ({CONTROLLED})
            SELECT r.code, count(*) AS matches, sum(r.selected) AS selected,
                   sum(CASE WHEN r.selected = 1 AND c.hit IS NOT NULL THEN 1 ELSE 0 END) AS controls,
                   sum(CASE WHEN r.selected = 1 THEN coalesce(c.hit, 0) ELSE 0 END) AS hits,
                   sum(CASE WHEN r.selected = 1 THEN coalesce(c.revenue, 0) ELSE 0 END) AS revenue,
                   max(CASE WHEN r.selected = 1 AND c.hit = 1 THEN c.date_key END) AS last_hit
            FROM r LEFT JOIN c ON c.declaration_id = r.declaration_id AND c.version = r.version
            GROUP BY r.code ORDER BY r.code"""
    ).to_pylist()
    found = {r["code"]: r for r in rows}
    out = []
    for p in profiles:
        r = found.get(p.code, {})
        controls, hits = int(r.get("controls") or 0), int(r.get("hits") or 0)
        hit_rate = hits / controls if controls else None
        lift = hit_rate / base.hit_rate if hit_rate is not None and base.hit_rate else None
        last = r.get("last_hit")
        last_hit = f"{last // 10000:04d}-{last // 100 % 100:02d}-{last % 100:02d}" if last else None
        flags = []
        if lift is not None and lift <= 1:
            flags.append("lift<=1")
        if last_hit is None or date.fromisoformat(last_hit) < as_of - timedelta(days=no_hit_days):
            flags.append(f"no_hit_in_{no_hit_days}_days")
        if p.review_date is not None and p.review_date < as_of:
            flags.append("past_review_date")
        out.append(
            ProfileEffectiveness(
                p.code,
                int(r.get("matches") or 0),
                int(r.get("selected") or 0),
                controls,
                hits,
                round(hit_rate, 4) if hit_rate is not None else None,
                round(lift, 3) if lift is not None else None,
                round(float(r.get("revenue") or 0), 2),
                last_hit,
                flags,
            )
        )
    return base, out
