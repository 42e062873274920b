"""Concealment routes: export country x transport mode x goods on which contraband travels.

A small share of declarations are shipments on a route (lodged by front importers); some of
them carry contraband hidden as described. A control of such a declaration ends in a seizure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from icrms.declarations.fields import IRREGULARITY_TYPES
from icrms.generator import catalogue as cat
from icrms.generator import geography as geo

ROUTE_SHARE = 0.02  # share of all declarations that are shipments on a route
CONTRABAND_SHARE = 0.15  # share of route shipments that carry contraband


@dataclass(frozen=True)
class Route:
    """A route and what a seizure on it records."""

    name: str
    exports: tuple[str, ...]
    mode: int  # index into geography.MODES
    hs6: tuple[str, ...]
    irregularity: str
    goods: str
    concealment: str
    modus_operandi: str
    critical: bool
    weight: float  # share among route shipments (0: only its extra shipments)
    start_day: int = 0  # first day of the year (0 = 1 January) the route is used
    end_day: int = 366  # the day it stops: shipments drawn for it later are ordinary ones
    extra_share: float = 0.0  # share of all declarations in its window added as its shipments
    contraband_share: float = CONTRABAND_SHARE
    contraband_from_day: int = 0  # before this day its shipments are clean (building a history)


ROUTES: tuple[Route, ...] = (
    Route(
        "cocaine-bananas",
        ("EC", "CO"),
        geo.SEA,
        ("080390",),
        "drugs",
        "cocaine",
        "bricks inside banana boxes in a reefer container",
        "rip-on/rip-off: drugs added to a legitimate reefer shipment",
        True,
        1.0,
    ),
    Route(
        "meth-appliances",
        ("MX", "NL", "TH"),
        geo.AIR,
        ("850940", "851660"),
        "drugs",
        "methamphetamine",
        "packed inside the motor housing of small appliances",
        "air cargo consigned to a recently registered front company",
        True,
        1.0,
    ),
    Route(
        "counterfeit-post",
        ("CN", "HK"),
        geo.POSTAL,
        ("640411", "420221"),
        "ipr",
        "counterfeit branded footwear and handbags",
        "goods declared under a generic description, brand logos hidden under stickers",
        "splitting into many small postal consignments",
        False,
        1.5,
    ),
    Route(
        "cigarettes-furniture",
        ("VN", "MY"),
        geo.SEA,
        ("940360",),
        "other",
        "cigarettes (untaxed)",
        "cartons behind a cover load of furniture at the container doors",
        "cover load: legitimate goods hide undeclared dutiable goods",
        False,
        1.0,
        end_day=196,  # the smugglers left the route in mid-July: its profile stops hitting
    ),
    # The emerging threat of the demo: from September, cocaine in green coffee from Brazil.
    Route(
        "cocaine-coffee",
        ("BR",),
        geo.SEA,
        ("090111",),
        "drugs",
        "cocaine hydrochloride",
        "packed in the middle of sacks of green coffee beans",
        "contamination of legitimate coffee exports at the port of loading",
        True,
        0.0,
        start_day=120,  # front companies ship clean coffee from May, to look established ...
        extra_share=0.01,
        contraband_share=0.5,
        contraband_from_day=243,  # ... and hide cocaine in it from September
    ),
)

for _r in ROUTES:
    assert _r.irregularity in IRREGULARITY_TYPES, _r

ROUTE_CUM = np.cumsum([r.weight for r in ROUTES])  # weight 0 routes are never drawn
ROUTE_START = np.array([r.start_day for r in ROUTES])
ROUTE_END = np.array([r.end_day for r in ROUTES])
ROUTE_CONTRABAND = np.array([r.contraband_share for r in ROUTES])
ROUTE_CONTRABAND_FROM = np.array([r.contraband_from_day for r in ROUTES])
ROUTE_MODE = np.array([r.mode for r in ROUTES])
_SECTOR_OF = {p.hs6: cat.SECTORS.index(p.sector) for p in cat.PRODUCTS}
ROUTE_SECTOR = np.array([_SECTOR_OF[r.hs6[0]] for r in ROUTES])  # sector of the other items
ROUTE_CRITICAL = np.array([r.critical for r in ROUTES])
ROUTE_TYPE_BIT = np.array([1 << IRREGULARITY_TYPES.index(r.irregularity) for r in ROUTES])
# (route, country) and (route, product) membership; rows for product choice.
ROUTE_EXPORTS = np.array([geo.country_weights(dict.fromkeys(r.exports, 1.0)) for r in ROUTES])
ROUTE_PRODUCTS = np.array([[1.0 if p.hs6 in r.hs6 else 0.0 for p in cat.PRODUCTS] for r in ROUTES])
