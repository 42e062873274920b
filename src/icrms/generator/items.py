"""Item-level draws: goods, origin, quantity, mass and value as they truly are.

The declared version of each item (and its irregularities) is made in ``fraud.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from icrms.generator import catalogue as cat
from icrms.generator import geography as geo
from icrms.generator import routes as rt
from icrms.generator.headers import Headers, Run
from icrms.generator.rand import row_cumulative

ITEM_KEY_BASE = 16  # item key = declaration number * 16 + item number
SECTOR_LOYALTY = 0.85  # share of an importer's items from its own sector
ORIGIN_IS_EXPORT = 0.92  # share of items made in the (non-hub) export country
LOT_SIGMA = 1.0  # spread of item net mass (log scale)
PRICE_SIGMA = 0.25  # spread of unit values around the importer's level (log scale)
# Item size relative to sea freight, per mode (sea, rail, road, air, postal).
MODE_SCALE = np.array([1.0, 1.0, 0.5, 0.12, 0.01])
# FOB value as a share of CIF: uniform between this and 0.98, per mode.
FOB_LOW = np.array([0.88, 0.92, 0.95, 0.80, 0.85])

_SECTOR_PRODUCTS = row_cumulative(cat.SECTOR_PRODUCTS)
_ROUTE_PRODUCTS = row_cumulative(rt.ROUTE_PRODUCTS)
_ALL_PRODUCTS = np.cumsum(cat.ALL_PRODUCTS)
_PRODUCT_ORIGIN = row_cumulative(cat.PRODUCT_ORIGIN_WEIGHTS)


@dataclass(frozen=True)
class Items:
    """Per-item arrays of a chunk (true goods and their true value)."""

    decl: np.ndarray  # position of the item's declaration in the chunk
    item_no: np.ndarray
    key: np.ndarray  # global item key for draws
    product: np.ndarray
    origin: np.ndarray
    quantity: np.ndarray
    net: np.ndarray
    gross: np.ndarray
    value_usd: np.ndarray  # true customs (CIF) value in USD
    fob_share: np.ndarray


def draw_items(run: Run, h: Headers) -> Items:
    """Draw the true goods of every item of the chunk's declarations."""
    r = run.draws
    decl = np.repeat(np.arange(h.d.size), h.n_items)
    starts = np.cumsum(h.n_items) - h.n_items
    item_no = np.arange(decl.size) - starts[decl] + 1
    key = h.d[decl] * ITEM_KEY_BASE + item_no
    sector, export, mode = h.sector[decl], h.export[decl], h.mode[decl]

    product = np.where(
        r.chance("loyal", key, SECTOR_LOYALTY),
        r.choice_rows("product", key, sector, _SECTOR_PRODUCTS),
        r.choice("product.any", key, _ALL_PRODUCTS),
    )
    route = h.route[decl]
    route_item = (route >= 0) & (item_no == 1)
    product = np.where(
        route_item,
        r.choice_rows("product.route", key, np.maximum(route, 0), _ROUTE_PRODUCTS),
        product,
    )
    from_export = (
        ~geo.IS_HUB[export]
        & cat.PRODUCES[product, export]
        & r.chance("origin", key, ORIGIN_IS_EXPORT)
    ) | route_item
    origin = np.where(
        from_export, export, r.choice_rows("origin.any", key, product, _PRODUCT_ORIGIN)
    )

    lot = cat.LOT_KG[product] * MODE_SCALE[mode] * r.lognormal("lot", key, LOT_SIGMA)
    kg_unit = cat.KG_PER_UNIT[product]
    counted = cat.COUNTS_UNITS[product]
    quantity = np.where(
        counted, np.maximum(1.0, np.round(lot / kg_unit)), np.round(lot / kg_unit, 2)
    )
    quantity = np.maximum(quantity, 0.01)
    net = quantity * kg_unit * np.where(counted, r.lognormal("net", key, 0.03), 1.0)
    net = np.maximum(np.round(net, 3), 0.001)
    gross = np.round(net * r.between("gross", key, 1.02, 1.25), 3)

    unit_value = (
        cat.USD_PER_KG[product]
        * geo.PRICE_FACTOR[origin]
        * run.pools.premium[h.importer[decl]]
        * r.lognormal("price", key, PRICE_SIGMA)
    )
    fob_low = FOB_LOW[mode]
    fob_share = fob_low + (0.98 - fob_low) * r.uniform("fob", key)
    return Items(
        decl=decl,
        item_no=item_no,
        key=key,
        product=product,
        origin=origin,
        quantity=quantity,
        net=net,
        gross=gross,
        value_usd=net * unit_value,
        fob_share=fob_share,
    )
