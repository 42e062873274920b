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
    weight: float


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
    ),
)

for _r in ROUTES:
    assert _r.irregularity in IRREGULARITY_TYPES, _r

ROUTE_CUM = np.cumsum([r.weight for r in ROUTES])
ROUTE_MODE = np.array([r.mode for r in ROUTES])
_SECTOR_OF = {p.hs6: cat.SECTORS.index(p.sector) for p in cat.PRODUCTS}
ROUTE_SECTOR = np.array([_SECTOR_OF[r.hs6[0]] for r in ROUTES])  # sector of the other items
ROUTE_CRITICAL = np.array([r.critical for r in ROUTES])
ROUTE_TYPE_BIT = np.array([1 << IRREGULARITY_TYPES.index(r.irregularity) for r in ROUTES])
# (route, country) and (route, product) membership; rows for product choice.
ROUTE_EXPORTS = np.array([geo.country_weights(dict.fromkeys(r.exports, 1.0)) for r in ROUTES])
ROUTE_PRODUCTS = np.array([[1.0 if p.hs6 in r.hs6 else 0.0 for p in cat.PRODUCTS] for r in ROUTES])
