"""What controls found, per controlled declaration, and the random-control baseline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from icrms.warehouse.base import Warehouse

HIT = "outcome IN ('irregularity', 'seizure')"

# One row per controlled declaration version: was anything found, what was recovered, how chosen.
CONTROLLED = f"""
    SELECT declaration_id, version, max(CASE WHEN {HIT} THEN 1 ELSE 0 END) AS hit,
           sum(coalesce(extra_revenue, 0)) AS revenue, max(date_key) AS date_key,
           max(CASE WHEN selection = 'random' THEN 1 ELSE 0 END) AS is_random
    FROM fact_control GROUP BY declaration_id, version"""


@dataclass
class Baseline:
    """The hit rate that targeting must beat: random controls, or all controls where none are random."""

    source: str
    controls: int
    hits: int

    @property
    def hit_rate(self) -> float | None:
        return self.hits / self.controls if self.controls else None


def window_sql(column: str, date_from: date | None, date_to: date | None) -> str:
    parts = []
    if date_from:
        parts.append(f"{column} >= {date_from:%Y%m%d}")
    if date_to:
        parts.append(f"{column} <= {date_to:%Y%m%d}")
    return " AND ".join(parts) or "TRUE"


def baseline(
    warehouse: Warehouse, *, date_from: date | None = None, date_to: date | None = None
) -> Baseline:
    """Random-control hit rate in the window (all controls when there were no random ones)."""
    row = warehouse.sql(
        f"""SELECT sum(is_random) AS random_controls, sum(CASE WHEN is_random = 1 THEN hit ELSE 0 END) AS random_hits,
                   count(*) AS controls, sum(hit) AS hits
            FROM ({CONTROLLED}) c WHERE {window_sql("date_key", date_from, date_to)}"""
    ).to_pylist()[0]
    if row["random_controls"]:
        return Baseline(
            "random_controls", int(row["random_controls"]), int(row["random_hits"] or 0)
        )
    return Baseline("all_controls", int(row["controls"] or 0), int(row["hits"] or 0))
