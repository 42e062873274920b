"""Pools of traders: importers, declarants (brokers) and overseas sellers.

Pools are drawn once per run from the seed (with ``numpy.random.Generator``) and sized from the
number of declarations. Activity follows a Zipf-like law: the importer of rank ``r`` lodges in
proportion to ``(r + 3) ** -0.8``. Fraud roles are given only to non-AEO importers outside
the top 1 %, so that no single trader dominates a planted pattern.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from icrms.generator import catalogue as cat
from icrms.generator import geography as geo

AEO_SHARE_TOP = 0.5  # share of AEO among the top 2 % importers
AEO_SHARE_REST = 0.06
UNDERVALUER_SHARE = 0.10  # of eligible (non-AEO, not top 1 %) importers
MISCLASSIFIER_SHARE = 0.07
FALSE_ORIGIN_SHARE = 0.07
FRONT_SHARE = 0.05  # importers used as fronts on concealment routes


@dataclass(frozen=True)
class Pools:
    """Trader pools for one run; arrays are indexed by importer (or declarant) number."""

    importer_ids: pa.Array
    importer_cum: np.ndarray
    sector: np.ndarray
    aeo: np.ndarray
    undervaluer: np.ndarray
    misclassifier: np.ndarray
    false_origin: np.ndarray
    premium: np.ndarray  # importer's price level (log-normal, median 1)
    broker: np.ndarray  # usual declarant of each importer
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
    aeo = rng.random(n_imp) < np.where(top2, AEO_SHARE_TOP, AEO_SHARE_REST)
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
    fronts = np.flatnonzero(eligible & (rng.random(n_imp) < FRONT_SHARE))
    if fronts.size == 0:
        fronts = np.flatnonzero(eligible)[:1]
    return Pools(
        importer_ids=_ids(rng, "TIN-", n_imp, 7),
        importer_cum=np.cumsum(_zipf(n_imp, 0.8)),
        sector=sector,
        aeo=aeo,
        undervaluer=eligible & (rng.random(n_imp) < UNDERVALUER_SHARE),
        misclassifier=eligible & (rng.random(n_imp) < MISCLASSIFIER_SHARE),
        false_origin=eligible & (rng.random(n_imp) < FALSE_ORIGIN_SHARE),
        premium=np.exp(rng.normal(0.0, 0.15, n_imp)),
        broker=rng.choice(n_decl, size=n_imp, p=brokers / brokers.sum()),
        fronts=fronts,
        declarant_ids=_ids(rng, "BRK-", n_decl, 5),
        declarant_cum=np.cumsum(brokers),
        seller_ids=pa.array(seller_ids, pa.string()),
        seller_offset=seller_offset,
        seller_count=seller_count,
    )
