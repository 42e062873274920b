"""Pools of traders: importers, declarants (brokers) and overseas sellers.

Pools are drawn once per run from the seed (with ``numpy.random.Generator``) and sized from the
number of declarations. Activity follows a Zipf-like law: the importer of rank ``r`` lodges in
proportion to ``(r + 3) ** -0.8``. Fraud roles are given only to non-AEO importers outside
the top 1 %, so that no single trader dominates a planted pattern; each role holder cheats at
its own rate (log-normal intensity), within its own window of days. New entrants appear during
the year; complicit brokers lodge for many role holders. Parameters: ``params.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from icrms.generator import catalogue as cat
from icrms.generator import geography as geo
from icrms.generator import params as P


@dataclass(frozen=True)
class Pools:
    """Trader pools for one run; arrays are indexed by importer (or declarant) number."""

    importer_ids: pa.Array
    importer_cum: np.ndarray  # activity, entrants included
    established_cum: np.ndarray  # activity of importers present all year
    sector: np.ndarray
    aeo: np.ndarray
    undervaluer: np.ndarray
    misclassifier: np.ndarray
    false_origin: np.ndarray
    short_quantity: np.ndarray  # short-declares quantity and value
    intensity: np.ndarray  # role rate multiplier (log-normal, median 1)
    careless: np.ndarray  # background-mistake rate multiplier (log-normal, median 1)
    role_from: np.ndarray  # first day the importer's roles are active
    role_until: np.ndarray  # the day they stop
    entry_day: np.ndarray  # first day the importer trades (0 for established importers)
    exit_day: np.ndarray  # the day it stops trading (366: never)
    premium: np.ndarray  # importer's price level (log-normal, median 1)
    broker: np.ndarray  # usual declarant of each importer
    complicit: np.ndarray  # per declarant: facilitates its clients' fraud
    risky: np.ndarray  # (half of the year, product, origin): a risky goods x origin pair
    fronts: np.ndarray  # importer numbers used on concealment routes
    declarant_ids: pa.Array
    declarant_cum: np.ndarray
    seller_ids: pa.Array
    seller_offset: np.ndarray  # first seller number per country
    seller_count: np.ndarray  # sellers per country


def _zipf(n: int, exponent: float) -> np.ndarray:
    """Zipf-like activity weights by rank."""
    return (np.arange(n) + 3.0) ** -exponent


def _ids(rng: np.random.Generator, prefix: str, n: int, digits: int) -> pa.Array:
    numbers = rng.choice(9 * 10 ** (digits - 1), size=n, replace=False) + 10 ** (digits - 1)
    return pa.array([f"{prefix}{x}" for x in numbers.tolist()], pa.string())


def build_pools(seed: int, declarations: int) -> Pools:
    """Draw the trader pools for a run.

    Args:
        seed: The generation seed.
        declarations: Number of declarations of the run (sets the pool sizes).
    """
    rng = np.random.default_rng([seed, 0x706F6F6C])
    n_imp = int(np.clip(declarations // 4, 60, 600_000))
    n_decl = int(np.clip(n_imp // 15, 10, 20_000))
    rank = np.arange(n_imp)
    brokers = _zipf(n_decl, 0.9)
    top2, top1 = rank < max(1, n_imp // 50), rank < max(5, n_imp // 100)
    aeo = rng.random(n_imp) < np.where(top2, P.AEO_SHARE_TOP, P.AEO_SHARE_REST)
    eligible = ~aeo & ~top1
    sector = rng.choice(
        len(cat.SECTORS), size=n_imp, p=cat.SECTOR_WEIGHTS / cat.SECTOR_WEIGHTS.sum()
    )
    export_share = cat.SECTOR_ORIGIN_WEIGHTS.sum(axis=0) / cat.SECTOR_ORIGIN_WEIGHTS.sum()
    export_share = export_share + geo.HUB_WEIGHTS / geo.HUB_WEIGHTS.sum() * 0.08
    seller_count = np.maximum(5, np.round(export_share * n_imp)).astype(np.int64)
    seller_offset = np.concatenate([[0], np.cumsum(seller_count)[:-1]])
    seller_ids = [
        f"SUP-{code}{i + 1:05d}"
        for code, n in zip(geo.COUNTRY_CODES, seller_count.tolist(), strict=True)
        for i in range(n)
    ]
    fronts = np.flatnonzero(eligible & (rng.random(n_imp) < P.FRONT_SHARE))
    if fronts.size == 0:
        fronts = np.flatnonzero(eligible)[:1]
    ids = _ids(rng, "TIN-", n_imp, 7)
    premium = np.exp(rng.normal(0.0, 0.15, n_imp))
    usual = rng.choice(n_decl, size=n_imp, p=brokers / brokers.sum())
    entrant = ~top2 & ~np.isin(rank, fronts) & (rng.random(n_imp) < P.ENTRANT_SHARE)
    entry = np.where(entrant, rng.integers(P.ENTRANT_FIRST_DAY, 365, n_imp), 0)
    factor = np.where(entrant, P.ENTRANT_ROLE_FACTOR, 1.0)
    roles = {
        name: eligible & (rng.random(n_imp) < share * factor)
        for name, share in (
            ("undervaluer", P.UNDERVALUER_SHARE),
            ("misclassifier", P.MISCLASSIFIER_SHARE),
            ("false_origin", P.FALSE_ORIGIN_SHARE),
            ("short_quantity", P.QUANTITY_SHARE),
        )
    }
    any_role = np.logical_or.reduce(list(roles.values()))
    late = rng.random(n_imp) < P.LATE_START_SHARE
    role_from = np.where(late, rng.integers(0, P.LATE_START_LAST, n_imp), 0)
    role_from = np.where(entrant, np.maximum(role_from, entry), role_from)
    stops = rng.random(n_imp) < P.STOP_SHARE
    until = role_from + P.STOP_MIN_DAYS + (rng.random(n_imp) * 365).astype(np.int64)
    role_until = np.where(stops, np.minimum(until, 366), 366)
    fly = entrant & any_role
    exit_day = np.where(fly, entry + rng.integers(*P.FLY_BY_NIGHT_DAYS, n_imp), 366)
    n_complicit = max(1, round(P.COMPLICIT_BROKER_SHARE * n_decl))
    complicit_ids = rng.choice(np.arange(min(3, n_decl - 1), n_decl), n_complicit, replace=False)
    complicit = np.zeros(n_decl, dtype=bool)
    complicit[complicit_ids] = True
    lured = any_role & (rng.random(n_imp) < P.BROKER_LURE)
    broker = np.where(lured, rng.choice(complicit_ids, n_imp), usual)
    activity = _zipf(n_imp, 0.8)
    pairs = (cat.PRODUCT_ORIGIN_WEIGHTS * (cat.MFN > 0)[:, None]).ravel()
    chosen = rng.choice(pairs.size, P.RISKY_PAIRS, replace=False, p=pairs / pairs.sum())
    risky = np.zeros((2, *cat.PRODUCT_ORIGIN_WEIGHTS.shape), dtype=bool)
    for n, flat in enumerate(chosen.tolist()):
        risky[n % 2].flat[flat] = True
    return Pools(
        importer_ids=ids,
        importer_cum=np.cumsum(activity * np.where(entrant, P.ENTRANT_ACTIVITY, 1.0)),
        established_cum=np.cumsum(np.where(entrant, 0.0, activity)),
        sector=sector,
        aeo=aeo,
        undervaluer=roles["undervaluer"],
        misclassifier=roles["misclassifier"],
        false_origin=roles["false_origin"],
        short_quantity=roles["short_quantity"],
        intensity=np.exp(rng.normal(0.0, P.ROLE_INTENSITY_SIGMA, n_imp)),
        careless=np.exp(rng.normal(0.0, P.CARELESS_SIGMA, n_imp) - P.CARELESS_SIGMA**2 / 2),
        role_from=role_from,
        role_until=role_until,
        entry_day=entry,
        exit_day=exit_day,
        premium=premium,
        broker=broker,
        complicit=complicit,
        risky=risky,
        fronts=fronts,
        declarant_ids=_ids(rng, "BRK-", n_decl, 5),
        declarant_cum=np.cumsum(brokers),
        seller_ids=pa.array(seller_ids, pa.string()),
        seller_offset=seller_offset,
        seller_count=seller_count,
    )
