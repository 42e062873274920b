"""How long clearance takes: the channel each declaration got and the times it passed through.

The milestones follow the WCO Time Release Study: lodgement, risk assessment (channel), start
and end of the control, release. Waits are log-normal around medians that grow with the office's
load and the season; a physical inspection (red) waits longer and lasts longer than a documentary
check (yellow). One office, the Second Seaport, runs short of inspectors from May on: its waits
grow through the year, which the release-time dashboards show.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from icrms.generator import geography as geo
from icrms.generator.headers import START, Headers, Run, lodged_day
from icrms.generator.seasons import month_volume

GREEN, BLUE, YELLOW, RED = 0, 1, 2, 3
CHANNELS = ("green", "blue", "yellow", "red")
ASSESS_SECONDS = 90.0  # median lodgement -> channel (validation and risk assessment)
RED_SHARE_RANDOM = 0.5  # random controls that are physical inspections
RED_SHARE_TARGETED = 0.35  # targeted controls on value or origin indicators that are physical
RED_SHARE_ROUTE = 0.9  # targeted controls of shipments on a smuggling route that are physical
BLUE_SHARE = 0.04  # uncontrolled declarations flagged for post-clearance audit
QUEUE_HOURS = np.array([0.0, 0.0, 1.0, 3.0])  # median wait for an officer, per channel
DURATION_HOURS = np.array([0.0, 0.0, 0.6, 2.0])  # median length of the control, per channel
PAYMENT_HOURS = 0.25  # median release after the channel (green, blue) or a clean control
REASSESS_HOURS = 20.0  # median release after an irregularity (extra duty assessed and paid)
# Office load: waits at busy offices are longer (offices in geography.OFFICE_CODES order).
OFFICE_LOAD = np.array([1.4, 1.6, 1.0, 1.2, 1.1, 0.9, 0.8, 1.0])
SLOW_OFFICE = geo.OFFICE_CODES.index("0030")
SLOW_FROM_DAY = 120  # the slow office's waits grow from this day on ...
SLOW_GROWTH = 3.0  # ... to (1 + this) times the usual wait at the end of the year


@dataclass(frozen=True)
class Clearance:
    """Per-declaration channel and milestone times (epoch seconds, UTC; -1 when none)."""

    channel: np.ndarray
    assessed: np.ndarray
    started: np.ndarray
    finished: np.ndarray
    released: np.ndarray


def office_factor(office: np.ndarray, day: np.ndarray) -> np.ndarray:
    """How much longer than usual waits are at an office on a day of the year."""
    slow = np.clip((day - SLOW_FROM_DAY) / (365 - SLOW_FROM_DAY), 0.0, 1.0) * SLOW_GROWTH
    return OFFICE_LOAD[office] * (1.0 + np.where(office == SLOW_OFFICE, slow, 0.0))


def clear(
    run: Run,
    h: Headers,
    controlled: np.ndarray,
    random: np.ndarray,
    on_route: np.ndarray,
    found: np.ndarray,
    seized: np.ndarray,
) -> Clearance:
    """Channel and milestones of each declaration, given how its control went.

    Args:
        run: The generation run.
        h: Declaration headers.
        controlled: The declaration was controlled.
        random: It was chosen at random.
        on_route: A route indicator made it a target.
        found: The control found an irregularity (or contraband).
        seized: Goods were seized (never released).
    """
    r, d = run.draws, h.d
    red_share = np.where(
        random, RED_SHARE_RANDOM, np.where(on_route, RED_SHARE_ROUTE, RED_SHARE_TARGETED)
    )
    channel = np.where(
        controlled,
        np.where(r.chance("clear.red", d, red_share), RED, YELLOW),
        np.where(r.chance("clear.blue", d, BLUE_SHARE), BLUE, GREEN),
    )
    day = lodged_day(h.lodged)
    load = office_factor(h.office, day) * month_volume(day, START.date())
    assessed = h.lodged + (ASSESS_SECONDS * r.lognormal("clear.assess", d, 0.6)).astype(np.int64)
    wait = QUEUE_HOURS[channel] * load * r.lognormal("clear.queue", d, 0.7)
    started = assessed + (3600 * wait).astype(np.int64) + 60
    length = DURATION_HOURS[channel] * r.lognormal("clear.duration", d, 0.5)
    finished = started + (3600 * length).astype(np.int64) + 300
    reassessed = found & controlled  # extra duty is assessed only where a control found it
    after = np.where(reassessed, REASSESS_HOURS, PAYMENT_HOURS) * r.lognormal(
        "clear.release", d, 0.8
    )
    after = after * np.where(h.office == SLOW_OFFICE, office_factor(h.office, day), 1.0)
    released = np.where(controlled, finished, assessed) + (3600 * after).astype(np.int64) + 60
    none = np.full(d.size, -1, dtype=np.int64)
    return Clearance(
        channel=channel,
        assessed=assessed,
        started=np.where(controlled, started, none),
        finished=np.where(controlled, finished, none),
        released=np.where(seized, none, released),
    )
