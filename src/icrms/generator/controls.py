"""Control results: which declarations are controlled, how they were selected and what was found.

Random controls are drawn uniformly (``params.RANDOM_SHARE`` of all declarations), so their hit rate is
an unbiased estimate of the irregularity rate. Targeted controls follow observable risk
indicators, as a reasonable set of risk profiles would, so their hit rate is higher. A control
finds every irregularity that is there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from icrms.generator import catalogue as cat
from icrms.generator import geography as geo
from icrms.generator import params as P
from icrms.generator import routes as rt
from icrms.generator.clearance import Clearance, clear
from icrms.generator.fraud import Declared
from icrms.generator.headers import Headers, Run
from icrms.generator.items import Items

NONE, RANDOM, TARGETED = 0, 1, 2
NO_FINDING, IRREGULARITY, SEIZURE = 0, 1, 2


@dataclass(frozen=True)
class Controls:
    """Per-declaration control result of a chunk (``selection == NONE``: not controlled)."""

    selection: np.ndarray
    outcome: np.ndarray
    types: np.ndarray  # irregularity bit mask found
    extra_usd: np.ndarray
    controlled: np.ndarray  # epoch seconds (UTC) the control ended
    seized_on: np.ndarray  # route index of a seizure, -1 otherwise
    clearance: Clearance  # channel and milestone times of every declaration


def _any(flags: np.ndarray, starts: np.ndarray) -> np.ndarray:
    return np.logical_or.reduceat(flags, starts)


def indicators(h: Headers, it: Items, dc: Declared) -> dict[str, np.ndarray]:
    """Observable risk indicators per declaration (any item)."""
    starts = np.cumsum(h.n_items) - h.n_items
    export = h.export[it.decl]
    norm = cat.USD_PER_KG[dc.product] * geo.PRICE_FACTOR[dc.origin]
    ratio = dc.value_usd / it.net / norm
    on_route = (
        (rt.ROUTE_EXPORTS[:, export] > 0)
        & (rt.ROUTE_MODE[:, None] == h.mode[it.decl])
        & (rt.ROUTE_PRODUCTS[:, dc.product] > 0)
    ).any(axis=0)
    pref_elsewhere = (dc.preference > 0) & (dc.origin != export) & ~geo.IS_HUB[export]
    return {
        "low_value": _any(ratio < P.LOW_VALUE, starts),
        "high_value": _any(ratio > P.HIGH_VALUE, starts),
        "preference": _any(pref_elsewhere, starts),
        "route": _any(on_route, starts),
    }


def control(run: Run, h: Headers, it: Items, dc: Declared) -> Controls:
    """Select declarations for control and record what each control found."""
    r, d = run.draws, h.d
    starts = np.cumsum(h.n_items) - h.n_items
    score = np.full(d.size, P.TARGET_BASE)
    flags = indicators(h, it, dc)
    for name, flag in flags.items():
        score += P.TARGET_WEIGHTS[name] * flag
    score = np.minimum(
        score * np.where(run.pools.aeo[h.importer], P.TARGET_AEO_FACTOR, 1.0), P.TARGET_MAX
    )
    random = r.chance("control.random", d, P.RANDOM_SHARE)
    targeted = ~random & r.chance("control.targeted", d, score)
    selection = np.where(random, RANDOM, np.where(targeted, TARGETED, NONE))

    types = np.bitwise_or.reduceat(dc.types, starts)
    seizure = h.contraband
    outcome = np.where(seizure, SEIZURE, np.where(types > 0, IRREGULARITY, NO_FINDING))
    done = selection != NONE
    times = clear(run, h, done, random, flags["route"], outcome != NO_FINDING, done & seizure)
    return Controls(
        selection=selection,
        outcome=outcome,
        types=types,
        extra_usd=np.add.reduceat(dc.extra_usd, starts),
        controlled=times.finished,
        seized_on=np.where(seizure, h.route, -1),
        clearance=times,
    )
