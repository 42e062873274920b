"""Emerging threats: segments whose finding or seizure rate rose against their own history.

A segment is goods (HS heading) x country of departure x mode of transport: the shape of a
smuggling route. For each segment with controls in the recent window, the share of controls that
found something (``finding``: an irregularity or a seizure) and the share that ended in a seizure
(``seizure``) are each compared with the same segment's earlier controls by a one-sided Fisher
exact test (H1: the recent rate is higher).

Many segments are tested at once, so false alarms are controlled by the Benjamini-Hochberg
procedure (a segment is reported when its q-value, the false discovery rate at which it would be
called, is at most ``alpha``). Most segments have so few controls or findings that no outcome
could make them significant (a segment with no seizure at all can never show a rising seizure
rate); counting them would only dilute the others. So, as Tarone (1990) proposed for discrete
tests and Gilbert (2005) for the false discovery rate, only the tests whose smallest attainable
p-value is at most ``alpha / K`` take part, K the smallest number such that at most K tests
qualify; the others keep q = 1 and are listed as untestable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from typing import Any, Literal

from scipy.stats import fisher_exact, hypergeom

from icrms.errors import ValidationError
from icrms.kpis.sql import KpiDialect
from icrms.warehouse.base import Warehouse

WINDOWS: tuple[int, ...] = (30, 60, 90, 120)  # recent windows tried, in days
ANY_MODE = "*"  # a partner segment that names no mode of transport
Measure = Literal["both", "finding", "seizure"]
MEASURES: tuple[str, ...] = ("both", "finding", "seizure")


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
    measure: str = "finding"
    window_days: int = 90  # the recent window: the days to as_of
    as_of: str = ""  # the window's last day
    windows_tried: int = 1
    window_p_value: float = 1.0  # the p-value in that window, before the windows' correction
    min_p_value: float = 0.0  # the smallest p-value these counts could give
    testable: bool = True  # took part in the false discovery rate control
    q_value: float = 1.0
    significant: bool = False
    monthly: list[dict[str, object]] = field(default_factory=list)
    # partner information naming the segment (accepted partner seizures and alerts): shown
    # beside our own evidence, never counted in our rates or tests
    partner: list[dict[str, Any]] = field(default_factory=list)

    @property
    def raised_by_partner(self) -> bool:
        """Listed for partner information rather than for our own evidence."""
        return bool(self.partner) and not self.significant

    @property
    def segment(self) -> str:
        """The segment's name: ``0901-BR-1``."""
        return f"{self.hs4}-{self.country_of_export}-{self.transport_mode}"

    @property
    def criteria(self) -> str:
        """The segment as a rule-language criterion (any mode for ``*``)."""
        text = f"hs4 = '{self.hs4}' AND country_of_export = '{self.country_of_export}'"
        if self.transport_mode == ANY_MODE:
            return text
        return f"{text} AND transport_mode = '{self.transport_mode}'"

    def as_dict(self) -> dict[str, object]:
        return {
            "segment": self.segment,
            **asdict(self),
            "criteria": self.criteria,
            "raised_by_partner": self.raised_by_partner,
        }


def with_partner_information(
    found: list[Threat], records: Iterable[Mapping[str, Any]]
) -> list[Threat]:
    """The threats with partner information attached to every segment it names.

    A record names a segment by HS heading, country of departure and mode (None: every mode).
    A segment that partners name but that we have no controls to test is listed too, untested
    (no counts of ours, q = 1). Order: segments reported on our own evidence, then segments
    raised by partner information, then the rest, each in the order found.
    """
    out = [replace(t, partner=list(t.partner)) for t in found]  # the found list may be kept
    for record in records:
        mode = record.get("transport_mode")
        hits = [
            t
            for t in out
            if t.hs4 == record["hs4"]
            and t.country_of_export == record["country_of_export"]
            and (mode is None or t.transport_mode in (mode, ANY_MODE))
        ]
        if not hits:
            hits = [_partner_segment(record, out[0].as_of if out else "")]
            out.append(hits[0])
        for threat in hits:
            threat.partner.append(dict(record))
    return sorted(out, key=lambda t: (not t.significant, not t.partner))


def _partner_segment(record: Mapping[str, Any], as_of: str) -> Threat:
    mode = record.get("transport_mode") or ANY_MODE
    threat = Threat(record["hs4"], record["country_of_export"], mode, 0, 0, 0, 0, 0.0, 0.0, 1.0)
    threat.measure, threat.as_of, threat.testable, threat.min_p_value = "partner", as_of, False, 1.0
    return threat


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


def last_control_day(warehouse: Warehouse) -> date | None:
    """The latest day with a control result in the warehouse (the default end of the window)."""
    key = warehouse.sql("SELECT max(date_key) AS k FROM fact_control").column("k")[0].as_py()
    if key is None:
        return None
    text = str(key)
    return date(int(text[:4]), int(text[4:6]), int(text[6:]))


def find_threats(
    warehouse: Warehouse,
    *,
    as_of: date | None = None,
    window_days: int | None = None,
    measure: Measure = "both",
    alpha: float = 0.05,
    min_recent_controls: int = 3,
) -> list[Threat]:
    """Every segment tested (per measure), most significant first; ``significant`` marks those
    reported.

    ``as_of`` defaults to the last day with a control result. Without ``window_days`` each
    segment's recent window is the one of :data:`WINDOWS` days ending at ``as_of`` with the
    strongest evidence, its p-value multiplied by the number of windows tried (Bonferroni), so
    that a pattern that began four months ago is not diluted by a three-month window, nor a new
    one by a four-month window. ``both`` tests the finding and the seizure rate of each segment;
    every test is under one false discovery rate. Partner information of the longest window
    (``fact_partner_information``) is attached to the segments it names
    (:func:`with_partner_information`).
    """
    if measure not in MEASURES:
        raise ValidationError("measure", measure, f"is not one of {', '.join(MEASURES)}")
    if window_days is not None and window_days < 1:
        raise ValidationError("window_days", window_days, "must be at least 1")
    if not 0 < alpha < 1:
        raise ValidationError("alpha", alpha, "must be between 0 and 1")
    as_of = as_of or last_control_day(warehouse)
    if as_of is None:
        return []
    measures = ("finding", "seizure") if measure == "both" else (measure,)
    windows = WINDOWS if window_days is None else (window_days,)
    counts = _segments(warehouse, as_of, windows)
    best: dict[tuple[str, str], Threat] = {}  # (segment, measure): its strongest window
    for m in measures:
        for days in windows:
            for t in _tests(counts, m, days, min_recent_controls):
                t.window_days, t.as_of = days, as_of.isoformat()
                kept = best.get((t.segment, m))
                if kept is None:
                    best[(t.segment, m)] = t
                    continue
                floor = min(kept.min_p_value, t.min_p_value)
                if t.p_value < kept.p_value:
                    best[(t.segment, m)] = kept = t
                kept.min_p_value = floor
    tested = list(best.values())
    for t in tested:  # Bonferroni over the windows tried
        t.windows_tried = len(windows)
        t.window_p_value = t.p_value
        t.p_value = min(1.0, t.p_value * len(windows))
        t.min_p_value = min(1.0, t.min_p_value * len(windows))
    _control_false_discoveries(tested, alpha)
    found = sorted(tested, key=lambda t: (t.q_value, t.p_value, t.segment, t.measure))
    since = as_of - timedelta(days=max(windows) - 1)
    return with_partner_information(found, partner_records(warehouse, since, as_of))


def partner_records(warehouse: Warehouse, since: date, until: date) -> list[dict[str, Any]]:
    """Partner information of the period from the warehouse (accepted partner seizures seized
    in it, alerts issued in it or valid into it), as :func:`with_partner_information` reads it."""
    rows = warehouse.sql(
        f"""SELECT * FROM fact_partner_information
            WHERE reported_on <= DATE '{until.isoformat()}'
              AND valid_until >= DATE '{since.isoformat()}'
            ORDER BY inbox_item, hs4, country_of_export, transport_mode"""
    ).to_pylist()
    return [
        {
            "hs4": r["hs4"],
            "country_of_export": r["country_of_export"],
            "transport_mode": None if r["transport_mode"] == ANY_MODE else r["transport_mode"],
            "kind": r["kind"],
            "issuer": r["issuer"],
            "on": r["reported_on"].isoformat(),
            "reference": r["reference"],
            "inbox_item": r["inbox_item"],
        }
        for r in rows
    ]


Counts = dict[tuple[str, str, str], dict[tuple[str, int], list[int]]]


def _segments(warehouse: Warehouse, as_of: date, windows: tuple[int, ...]) -> Counts:
    """Per segment, month and age bucket (the shortest window holding the control, 0 = older
    than the longest): controls, controls with a finding, controls ending in a seizure. One
    pass over the warehouse for every window and both measures."""
    period = KpiDialect(warehouse.backend).period("k.date_key", "month")
    bucket = " ".join(
        f"WHEN k.date_key >= {as_of - timedelta(days=days - 1):%Y%m%d} THEN {days}"
        for days in sorted(windows)
    )
    age = f"CASE {bucket} ELSE 0 END"
    rows = warehouse.sql(
        f"""WITH k AS (
                SELECT c.declaration_id, c.version,
                       max(CASE WHEN c.outcome <> 'no_finding' THEN 1 ELSE 0 END) AS finding,
                       max(CASE WHEN c.outcome = 'seizure' THEN 1 ELSE 0 END) AS seizure,
                       max(c.date_key) AS date_key
                FROM fact_control c WHERE c.date_key <= {as_of:%Y%m%d}
                GROUP BY c.declaration_id, c.version),
            s AS (
                SELECT DISTINCT i.declaration_id, i.version, i.hs4,
                       coalesce(i.country_of_export, '?') AS country_of_export,
                       coalesce(i.transport_mode, '?') AS transport_mode
                FROM fact_item i JOIN k ON k.declaration_id = i.declaration_id
                 AND k.version = i.version
                WHERE i.hs4 IS NOT NULL)
            SELECT s.hs4, s.country_of_export, s.transport_mode, {period} AS month, {age} AS age,
                   count(*) AS controls, sum(k.finding) AS finding, sum(k.seizure) AS seizure
            FROM k JOIN s ON s.declaration_id = k.declaration_id AND s.version = k.version
            GROUP BY s.hs4, s.country_of_export, s.transport_mode, {period}, {age}"""
    ).to_pylist()
    out: Counts = {}
    for r in rows:
        key = (r["hs4"], r["country_of_export"], r["transport_mode"])
        cell = out.setdefault(key, {}).setdefault((r["month"], int(r["age"])), [0, 0, 0])
        cell[0] += int(r["controls"])
        cell[1] += int(r["finding"])
        cell[2] += int(r["seizure"])
    return out


def _tests(counts: Counts, measure: str, window: int, min_recent: int) -> list[Threat]:
    """One test per segment: hits in the last ``window`` days against those before."""
    at = 1 if measure == "finding" else 2
    tested = []
    for (hs4, export, mode), cells in counts.items():
        rc = rh = hc = hh = 0
        months: dict[str, list[int]] = {}
        for (month, age), cell in cells.items():
            controls, hits = cell[0], cell[at]
            if 0 < age <= window:
                rc, rh = rc + controls, rh + hits
            else:
                hc, hh = hc + controls, hh + hits
            m = months.setdefault(month, [0, 0])
            m[0] += controls
            m[1] += hits
        if rc < min_recent or hc == 0:
            continue
        _, p = fisher_exact([[rh, rc - rh], [hh, hc - hh]], alternative="greater")
        monthly: list[dict[str, object]] = [
            {"month": m, "controls": c, "hits": h, "rate": h / c}
            for m, (c, h) in sorted(months.items())
        ]
        threat = Threat(hs4, export, mode, rc, rh, hc, hh, rh / rc, hh / hc, float(p), measure)
        threat.min_p_value = smallest_p_value(rc, hc, rh + hh)
        threat.monthly = monthly
        tested.append(threat)
    return tested


def smallest_p_value(recent: int, history: int, hits: int) -> float:
    """The smallest one-sided Fisher p-value a segment with these margins could give: every hit
    in the recent window (or as many as it has controls)."""
    if hits == 0:
        return 1.0
    most = min(hits, recent)
    return float(hypergeom.sf(most - 1, recent + history, hits, recent))


def _control_false_discoveries(tested: list[Threat], alpha: float) -> None:
    """Tarone's screening, then Benjamini-Hochberg over the tests that could be significant."""
    k = 1
    while True:
        testable = [t for t in tested if t.min_p_value <= alpha / k]
        if len(testable) <= k:
            break
        k += 1
    chosen = {id(t) for t in testable}
    for t in tested:
        t.testable = id(t) in chosen
        t.q_value, t.significant = 1.0, False
    for threat, q in zip(testable, benjamini_hochberg([t.p_value for t in testable]), strict=True):
        threat.q_value = q
        threat.significant = q <= alpha and threat.recent_rate > threat.history_rate
