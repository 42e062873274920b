"""Declaration-level draws: trader, route, countries, mode, office, currency and lodgement time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from icrms.generator import catalogue as cat
from icrms.generator import geography as geo
from icrms.generator import params as P
from icrms.generator import routes as rt
from icrms.generator.entities import Pools, build_pools
from icrms.generator.rand import Draws, row_cumulative
from icrms.generator.seasons import day_weights

START = datetime.fromisoformat("2025-01-01T00:00:00+09:00")
DAYS = 365
MAX_ITEMS = 10
ITEM_COUNT_WEIGHTS = np.array([45, 20, 10, 7, 5, 4, 3, 2.5, 2, 1.5])
HUB_SHARE = 0.08  # declarations exported from a transhipment hub
UTC_STAMP_SHARE = 0.1  # lodgements stamped in UTC ('Z') rather than local time

DAY_SHARE = day_weights(START.date(), DAYS)
DAY_CUM = np.cumsum(DAY_SHARE)
_HUB_CUM = np.cumsum(geo.HUB_WEIGHTS)
_FO_CLAIMED = np.array([geo.COUNTRY_INDEX[c] for c in P.FALSE_ORIGIN_CLAIMED])
_SECTOR_EXPORT = row_cumulative(cat.SECTOR_ORIGIN_WEIGHTS)
# Mode rows: sector * 2 + shares a land border; rail and road need a land border.
_MODES = row_cumulative(
    np.repeat(cat.SECTOR_MODES, 2, axis=0)
    * np.tile([[1, 0, 0, 1, 1], [1, 1, 1, 1, 1]], (len(cat.SECTORS), 1))
)
_OFFICE = row_cumulative(geo.OFFICE_BY_MODE)
_ROUTE_EXPORT = row_cumulative(rt.ROUTE_EXPORTS)


def _cum(pairs: tuple[tuple[str, float], ...]) -> np.ndarray:
    return np.cumsum([w for _, w in pairs])


@dataclass(frozen=True)
class Run:
    """What every chunk of one run shares."""

    seed: int
    declarations: int
    draws: Draws
    pools: Pools

    @classmethod
    def create(cls, seed: int, declarations: int) -> Run:
        """Set up a run (draws the trader pools)."""
        return cls(seed, declarations, Draws(seed), build_pools(seed, declarations))


@dataclass(frozen=True)
class Headers:
    """Per-declaration arrays for the declarations ``d`` of a chunk."""

    d: np.ndarray
    importer: np.ndarray
    declarant: np.ndarray
    seller: np.ndarray
    sector: np.ndarray
    route: np.ndarray  # route index, -1 when not a route shipment
    contraband: np.ndarray
    false_origin: np.ndarray  # shipped via CN under the false-origin scheme
    claimed_origin: np.ndarray  # country declared by the scheme
    export: np.ndarray
    mode: np.ndarray
    office: np.ndarray
    currency: np.ndarray
    courier: np.ndarray  # index into COURIERS, -1 for none
    n_items: np.ndarray
    lodged: np.ndarray  # epoch seconds (UTC)
    utc_stamp: np.ndarray  # lodged_at written with 'Z'
    codes: dict[str, np.ndarray]  # indices into the geography code lists


def draw_headers(run: Run, d: np.ndarray) -> Headers:
    """Draw the header of each declaration in ``d`` (global declaration numbers)."""
    r, p = run.draws, run.pools
    lodged = _lodged(run, d)
    day = lodged_day(lodged)
    importer = r.choice("importer", d, p.importer_cum)
    absent = (day < p.entry_day[importer]) | (day >= p.exit_day[importer])
    importer = np.where(absent, r.choice("importer.established", d, p.established_cum), importer)
    route = _routes(r, d, day)
    on_route = route >= 0
    importer = np.where(on_route, p.fronts[r.integers("front", d, p.fronts.size)], importer)
    false_origin = (
        p.false_origin[importer]
        & role_active(run, importer, day)
        & ~on_route
        & r.chance("fo", d, P.FALSE_ORIGIN_DECLARATIONS)
    )
    rroute = np.maximum(route, 0)
    sector = np.where(on_route, rt.ROUTE_SECTOR[rroute], p.sector[importer])
    export = np.where(
        r.chance("hub", d, HUB_SHARE),
        r.choice("hub.which", d, _HUB_CUM),
        r.choice_rows("export", d, sector, _SECTOR_EXPORT),
    )
    export = np.where(false_origin, geo.COUNTRY_INDEX["CN"], export)
    export = np.where(on_route, r.choice_rows("route.export", d, rroute, _ROUTE_EXPORT), export)
    mode = r.choice_rows("mode", d, sector * 2 + geo.IS_LAND[export], _MODES)
    mode = np.where(on_route, rt.ROUTE_MODE[rroute], mode)
    local = r.chance("currency", d, geo.LOCAL_SHARE[export])
    courier = np.where(
        mode == geo.POSTAL,
        len(geo.COURIERS) - 1,
        np.where(
            (mode == geo.AIR) & r.chance("courier", d, 0.5), r.integers("courier.which", d, 4), -1
        ),
    )
    count = p.seller_count[export]
    usual = (importer * 2654435761 + export * 97) % count
    seller_local = np.where(r.chance("seller", d, 0.75), usual, r.integers("seller.any", d, count))
    declarant = np.where(
        r.chance("broker", d, P.USUAL_BROKER),
        p.broker[importer],
        r.choice("declarant", d, p.declarant_cum),
    )
    n_items = r.choice("items", d, np.cumsum(ITEM_COUNT_WEIGHTS)) + 1
    return Headers(
        d=d,
        importer=importer,
        declarant=declarant,
        seller=p.seller_offset[export] + seller_local,
        sector=sector,
        route=route,
        contraband=on_route
        & r.chance("contraband", d, rt.ROUTE_CONTRABAND[rroute])
        & (lodged_day(lodged) >= rt.ROUTE_CONTRABAND_FROM[rroute]),
        false_origin=false_origin,
        claimed_origin=_FO_CLAIMED[r.integers("fo.claimed", d, _FO_CLAIMED.size)],
        export=export,
        mode=mode,
        office=r.choice_rows("office", d, mode, _OFFICE),
        currency=np.where(local, geo.LOCAL_CURRENCY[export], 0),
        courier=courier,
        n_items=n_items.astype(np.int64),
        lodged=lodged,
        utc_stamp=r.chance("utc", d, UTC_STAMP_SHARE),
        codes={
            name: r.choice(name, d, _cum(pairs))
            for name, pairs in (
                ("declaration_type", geo.DECLARATION_TYPES),
                ("procedure", geo.PROCEDURES),
                ("import_use", geo.IMPORT_USES),
                ("payment_method", geo.PAYMENT_METHODS),
            )
        },
    )


def _routes(r: Draws, d: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Route of each declaration (-1: none), within each route's window of days."""
    route = np.where(
        r.chance("route", d, rt.ROUTE_SHARE), r.choice("route.which", d, rt.ROUTE_CUM), -1
    )
    route = np.where((route >= 0) & (day >= rt.ROUTE_END[np.maximum(route, 0)]), -1, route)
    for k, each in enumerate(rt.ROUTES):
        if each.extra_share:
            window = (day >= each.start_day) & (day < each.end_day)
            extra = window & r.chance(f"route.extra.{each.name}", d, each.extra_share)
            route = np.where((route < 0) & extra, k, route)
    return route


def role_active(run: Run, importer: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Whether each importer's fraud roles are active on the day (drift: roles come and go)."""
    p = run.pools
    return (day >= p.role_from[importer]) & (day < p.role_until[importer])


def lodged_day(lodged: np.ndarray) -> np.ndarray:
    """Day of the year (0 = 1 January, local time) of lodgement times."""
    return (lodged - int(START.timestamp())) // 86400


def _lodged(run: Run, d: np.ndarray) -> np.ndarray:
    """Lodgement times in order of declaration number, local office hours 07:00-20:00.

    Days are busier or quieter by season and weekday (``seasons.DAY_WEIGHTS``): declaration
    numbers are spread over the year by the cumulative day weights, so they stay in order.
    """
    u = (d + run.draws.uniform("lodged", d)) / run.declarations
    day = np.minimum(np.searchsorted(DAY_CUM, u, side="right"), DAYS - 1)
    before = np.where(day > 0, DAY_CUM[day - 1], 0.0)
    within = np.clip((u - before) / DAY_SHARE[day], 0.0, 1.0 - 1e-9)
    seconds = day * 86400 + 7 * 3600 + within * 13 * 3600
    return int(START.timestamp()) + seconds.astype(np.int64)
