"""Emerging threats: segments whose finding rate rose against their own history.

A segment is goods (HS heading) x country of departure x mode of transport: the shape of a
smuggling route. For each segment with controls in the recent window, the share of controls that
found something (or ended in a seizure) is compared with the same segment's earlier controls by
a one-sided Fisher exact test (H1: the recent rate is higher). Many segments are tested at once,
so the p-values are adjusted by Benjamini-Hochberg: a segment is reported when its q-value (the
false discovery rate at which it would be called) is at most ``alpha``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Literal

from scipy.stats import fisher_exact
from sqlalchemy.orm import Session

from icrms.errors import ValidationError
from icrms.kpis.sql import KpiDialect
from icrms.profiles import service as profiles
from icrms.profiles.schemas import ProfileCreate, ProfileRead
from icrms.warehouse.base import Warehouse

Measure = Literal["finding", "seizure"]
MEASURES: tuple[str, ...] = ("finding", "seizure")


@dataclass
class Threat:
    """A tested segment with its evidence."""

    hs4: str
    country_of_export: str
    transport_mode: str
    recent_controls: int
    recent_hits: int
    history_controls: int
    history_hits: int
    recent_rate: float
    history_rate: float
    p_value: float
    q_value: float = 1.0
    significant: bool = False
    monthly: list[dict[str, object]] = field(default_factory=list)

    @property
    def segment(self) -> str:
        """The segment's name: ``0901-BR-1``."""
        return f"{self.hs4}-{self.country_of_export}-{self.transport_mode}"

    @property
    def criteria(self) -> str:
        """The segment as a rule-language criterion."""
        return (
            f"hs4 = '{self.hs4}' AND country_of_export = '{self.country_of_export}' "
            f"AND transport_mode = '{self.transport_mode}'"
        )

    def as_dict(self) -> dict[str, object]:
        return {"segment": self.segment, **asdict(self), "criteria": self.criteria}


def benjamini_hochberg(p_values: list[float]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values (q-values), in the input order."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    q = [1.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running = min(running, p_values[i] * m / rank)
        q[i] = running
    return q


def find_threats(
    warehouse: Warehouse,
    *,
    as_of: date,
    window_days: int = 90,
    measure: Measure = "finding",
    alpha: float = 0.05,
    min_recent_controls: int = 3,
) -> list[Threat]:
    """Every segment tested, most significant first (``significant`` marks those reported)."""
    if measure not in MEASURES:
        raise ValidationError("measure", measure, f"is not one of {', '.join(MEASURES)}")
    if window_days < 1:
        raise ValidationError("window_days", window_days, "must be at least 1")
    if not 0 < alpha < 1:
        raise ValidationError("alpha", alpha, "must be between 0 and 1")
    start = as_of - timedelta(days=window_days - 1)
    hit = "c.outcome = 'seizure'" if measure == "seizure" else "c.outcome <> 'no_finding'"
    period = KpiDialect(warehouse.backend).period("k.date_key", "month")
    rows = warehouse.sql(
        f"""WITH k AS (
                SELECT c.declaration_id, c.version, max(CASE WHEN {hit} THEN 1 ELSE 0 END) AS hit,
                       max(c.date_key) AS date_key
                FROM fact_control c WHERE c.date_key <= {as_of:%Y%m%d}
                GROUP BY c.declaration_id, c.version),
            s AS (
                SELECT DISTINCT i.declaration_id, i.version, i.hs4,
                       coalesce(i.country_of_export, '?') AS country_of_export,
                       coalesce(i.transport_mode, '?') AS transport_mode
                FROM fact_item i WHERE i.hs4 IS NOT NULL)
            SELECT s.hs4, s.country_of_export, s.transport_mode, {period} AS month,
                   CASE WHEN k.date_key >= {start:%Y%m%d} THEN 1 ELSE 0 END AS recent,
                   count(*) AS controls, sum(k.hit) AS hits
            FROM k JOIN s ON s.declaration_id = k.declaration_id AND s.version = k.version
            GROUP BY s.hs4, s.country_of_export, s.transport_mode, {period},
                     CASE WHEN k.date_key >= {start:%Y%m%d} THEN 1 ELSE 0 END"""
    ).to_pylist()
    counts: dict[tuple[str, str, str], list[int]] = {}  # recent and earlier controls, hits
    months: dict[tuple[str, str, str], dict[str, list[int]]] = {}
    for r in rows:
        key = (r["hs4"], r["country_of_export"], r["transport_mode"])
        seg = counts.setdefault(key, [0, 0, 0, 0])
        at = 0 if r["recent"] else 2
        seg[at] += int(r["controls"])
        seg[at + 1] += int(r["hits"])
        month = months.setdefault(key, {}).setdefault(r["month"], [0, 0])
        month[0] += int(r["controls"])
        month[1] += int(r["hits"])
    tested: list[Threat] = []
    for (hs4, export, mode), (rc, rh, hc, hh) in counts.items():
        if rc < min_recent_controls or hc == 0:
            continue
        _, p = fisher_exact([[rh, rc - rh], [hh, hc - hh]], alternative="greater")
        monthly: list[dict[str, object]] = [
            {"month": m, "controls": c, "hits": h, "rate": h / c}
            for m, (c, h) in sorted(months[(hs4, export, mode)].items())
        ]
        tested.append(
            Threat(hs4, export, mode, rc, rh, hc, hh, rh / rc, hh / hc, float(p), monthly=monthly)
        )
    for threat, q in zip(tested, benjamini_hochberg([t.p_value for t in tested]), strict=True):
        threat.q_value = q
        threat.significant = q <= alpha and threat.recent_rate > threat.history_rate
    return sorted(tested, key=lambda t: (t.q_value, t.p_value, t.segment))


def draft_profile(session: Session, *, threat: Threat, category: str = "drugs") -> ProfileRead:
    """A draft profile whose criteria are the segment, for backtest and approval as usual."""
    profile = ProfileCreate(
        code=f"THREAT-{threat.segment}",
        name=f"Emerging threat {threat.segment}",
        purpose=(
            f"Drafted from the threat analysis: {threat.recent_hits} of {threat.recent_controls} "
            f"recent controls found something against {threat.history_hits} of "
            f"{threat.history_controls} before (Fisher p = {threat.p_value:.2g}, "
            f"BH q = {threat.q_value:.2g})."
        ),
        category=category,  # type: ignore[arg-type]
        criteria=threat.criteria,
        score=60,
        min_channel="red",
    )
    return profiles.add_profile(session, profile=profile, note="drafted from the threat analysis")
