"""Threat analysis as the command line and the web application ask for it, and a profile drafted
from a segment (the KPI layer reaching into the profiles domain, so here rather than in threats).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from icrms.errors import NotFoundError, ValidationError
from icrms.kpis.cache import WarehouseReader
from icrms.kpis.threats import MEASURES, Measure, Threat, find_threats
from icrms.profiles import service as profiles
from icrms.profiles.schemas import ProfileCreate, ProfileRead

THREAT_PARAMS = ("as_of", "window_days", "measure", "alpha", "all")


@dataclass(frozen=True)
class ThreatQuery:
    """What a threat analysis is asked: the window's end and length, the measure, the FDR."""

    as_of: date | None = None
    window_days: int | None = None
    measure: Measure = "both"
    alpha: float = 0.05


def read_threat_query(params: dict[str, str]) -> ThreatQuery:
    """A threat query from URL or form text (empty text = the default).

    Raises:
        ValidationError: an unknown parameter or a bad value, named.
    """
    unknown = sorted(set(params) - set(THREAT_PARAMS) - {"segment", "csrf_token", "category"})
    if unknown:
        raise ValidationError(
            "parameter", unknown[0], f"is not a threat parameter; known: {', '.join(THREAT_PARAMS)}"
        )
    as_of = params.get("as_of") or None
    window = params.get("window_days") or None
    measure = params.get("measure") or "both"
    alpha = params.get("alpha") or "0.05"
    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError as exc:
        raise ValidationError("as_of", as_of, "is not a date (YYYY-MM-DD)") from exc
    if window is not None and not window.isdigit():
        raise ValidationError("window_days", window, "is not a whole number of days")
    if measure not in MEASURES:
        raise ValidationError("measure", measure, f"is not one of {', '.join(MEASURES)}")
    try:
        level = float(alpha)
    except ValueError as exc:
        raise ValidationError("alpha", alpha, "is not a number between 0 and 1") from exc
    return ThreatQuery(day, int(window) if window else None, measure, level)  # type: ignore[arg-type]


def threats(reader: WarehouseReader, query: ThreatQuery) -> list[Threat]:
    """Every segment tested, most significant first, then those raised by partner information
    (kept while the warehouse is unchanged)."""
    return reader.kept(
        ("threats", query),
        lambda wh: find_threats(
            wh,
            as_of=query.as_of,
            window_days=query.window_days,
            measure=query.measure,
            alpha=query.alpha,
        ),
    )


def segment_of(found: list[Threat], segment: str) -> Threat:
    """The segment's strongest test among those found.

    Raises:
        NotFoundError: the segment had no recent and earlier controls to compare.
    """
    threat = next((t for t in found if t.segment == segment), None)  # most significant first
    if threat is None:
        raise NotFoundError(f"segment {segment} has no recent and earlier controls to compare")
    return threat


def draft_profile(
    session: Session, *, threat: Threat, category: str = "drugs", actor: str = "local"
) -> ProfileRead:
    """A draft profile whose criteria are the segment, for backtest and approval as usual."""
    rate = "ended in a seizure" if threat.measure == "seizure" else "found something"
    profile = ProfileCreate(
        code=f"THREAT-{threat.segment}",
        name=f"Emerging threat {threat.segment}",
        purpose=(
            f"Drafted from the threat analysis: {threat.recent_hits} of {threat.recent_controls} "
            f"controls in the last {threat.window_days} days {rate} against "
            f"{threat.history_hits} of {threat.history_controls} before (Fisher p = "
            f"{threat.p_value:.2g}, BH q = {threat.q_value:.2g})."
        ),
        category=category,  # type: ignore[arg-type]
        criteria=threat.criteria,
        score=60,
        min_channel="red",
    )
    return profiles.add_profile(
        session, profile=profile, note="drafted from the threat analysis", actor=actor
    )
