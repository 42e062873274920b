"""The declared version of each item, with the planted fraud patterns and honest mistakes.

Every irregularity is recorded as a bit in ``Declared.types`` (bit ``i`` =
``fields.IRREGULARITY_TYPES[i]``) with the duty it evades in ``Declared.extra_usd``.

Each mechanism first computes the probability with which it strikes the item, from the trader's
persistent behaviour, its broker, the duty at stake and the day, then draws. The item's
probability of any irregularity, ``1 − Π(1 − p_m)``, and its expected evaded duty (each
mechanism's probability × the duty it evades on average) are kept in ``Declared.p_fraud`` and
``Declared.expected_usd`` for the oracle file: the draws are independent given the declaration's
header, and a mechanism that strikes always makes the item irregular. (Two approximations: a
revenue irregularity under 0.02 USD is not recorded, and the expected duty of two mechanisms
striking the same item is taken as the sum of each alone.) Parameters: ``params.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from icrms.declarations.fields import IRREGULARITY_TYPES
from icrms.generator import catalogue as cat
from icrms.generator import geography as geo
from icrms.generator import params as P
from icrms.generator import routes as rt
from icrms.generator.headers import Headers, Run, lodged_day, role_active
from icrms.generator.items import Items

BIT = {name: 1 << i for i, name in enumerate(IRREGULARITY_TYPES)}
REVENUE_BITS = (
    BIT["undervaluation"] | BIT["misclassification"] | BIT["false_origin"] | BIT["quantity_weight"]
)


@dataclass(frozen=True)
class Declared:
    """Per-item declared values and the truth behind them."""

    product: np.ndarray
    own_text: np.ndarray  # description taken from the true goods
    origin: np.ndarray
    preference: np.ndarray  # index into geography.PREFERENCES
    rate: np.ndarray
    value_usd: np.ndarray
    quantity: np.ndarray
    types: np.ndarray  # irregularity bit mask (the truth)
    extra_usd: np.ndarray  # duty evaded, USD
    p_fraud: np.ndarray  # probability of any irregularity the mechanisms used
    expected_usd: np.ndarray  # expected duty evaded, USD


def _factor(ratio: np.ndarray) -> np.ndarray:
    """The incentive factor of a duty rate (or saving) relative to its reference; 0 for none."""
    with np.errstate(divide="ignore"):
        f = np.clip(np.power(np.maximum(ratio, 0.0), P.DUTY_ELASTICITY), *P.DUTY_FACTOR_RANGE)
    return np.where(ratio > 0, f, 0.0)


def _either(*ps: np.ndarray) -> np.ndarray:
    """Probability that at least one of independent events happens."""
    out = np.ones_like(ps[0])
    for p in ps:
        out = out * (1.0 - p)
    return 1.0 - out


def _mean(bounds: tuple[float, float]) -> float:
    return (bounds[0] + bounds[1]) / 2


def declare(run: Run, h: Headers, it: Items) -> Declared:
    """Make the declared version of every item and record its irregularities."""
    r, p, k = run.draws, run.pools, it.key
    imp = h.importer[it.decl]
    day = lodged_day(h.lodged)[it.decl]
    aeo = p.aeo[imp]
    bg = np.where(aeo, P.AEO_FACTOR, 1.0) * p.careless[imp]
    broker = np.where(p.complicit[h.declarant[it.decl]], P.BROKER_FACTOR, 1.0)
    role = p.intensity[imp] * broker * role_active(run, imp, day)

    def role_rate(holder: np.ndarray, rate: float, incentive: np.ndarray) -> np.ndarray:
        return np.minimum(holder * rate * role * incentive, P.ROLE_RATE_MAX)

    # Legitimate preference claims for qualifying goods (no fraud).
    export = h.export[it.decl]
    direct = (export == it.origin) | geo.IS_HUB[export]
    legit = (
        (cat.FTA[it.product] < cat.MFN[it.product])
        & (geo.AGREEMENT[it.origin] > 0)
        & r.chance("pref", k, np.where(direct, P.PREFERENCE_DIRECT, P.PREFERENCE_INDIRECT))
    )
    true_rate = np.where(legit, cat.FTA[it.product], cat.MFN[it.product])
    duty = _factor(true_rate / P.REFERENCE_RATE)

    # Misclassification: declared under the lower-duty neighbour line.
    neighbour = cat.NEIGHBOUR[it.product]
    has_nb = (neighbour >= 0) & ~legit
    saving = np.where(has_nb, cat.MFN[it.product] - cat.MFN[np.maximum(neighbour, 0)], 0.0)
    p_mis = has_nb * _either(
        role_rate(p.misclassifier[imp], P.MISCLASSIFY_RATE, _factor(saving / P.REFERENCE_SAVING)),
        np.minimum(P.BACKGROUND["misclassification"] * bg, 1.0),
    )
    mis = r.chance("mis", k, p_mis)
    product = np.where(mis, neighbour, it.product)
    own_text = mis & r.chance("mis.text", k, P.MISCLASSIFY_OWN_TEXT)

    # False origin: on a scheme shipment, eligible items declared under a partner origin.
    def fo_eligible(goods: np.ndarray) -> np.ndarray:
        return h.false_origin[it.decl] & ~legit & (cat.FTA[goods] < cat.MFN[goods])

    p_fo = fo_eligible(it.product) * P.FALSE_ORIGIN_ITEM
    fo = fo_eligible(product) & r.chance("fo.item", k, P.FALSE_ORIGIN_ITEM)
    claimed = h.claimed_origin[it.decl]
    origin = np.where(fo, claimed, it.origin)
    preference = np.where(fo, geo.AGREEMENT[claimed], np.where(legit, geo.AGREEMENT[it.origin], 0))
    rate = np.where(preference > 0, cat.FTA[product], cat.MFN[product])

    # Undervaluation: role holders, anyone on a risky goods × origin pair, and mistakes.
    half = (day >= P.RISKY_SWITCH_DAY).astype(np.int64)
    risky = p.risky[half, it.product, it.origin] & ~aeo
    p_role_u = _either(
        role_rate(p.undervaluer[imp], P.UNDERVALUE_RATE, duty),
        np.minimum(risky * P.RISKY_PAIR_RATE * broker * duty, P.ROLE_RATE_MAX),
    )
    p_bg_u = np.minimum(P.BACKGROUND["undervaluation"] * bg, 1.0) * (true_rate > 0)
    planted = r.chance("under", k, p_role_u)
    casual = r.chance("under.bg", k, p_bg_u)
    factor = np.where(
        planted,
        r.between("under.f", k, *P.UNDERVALUE_FACTOR),
        np.where(casual, r.between("under.bgf", k, *P.BACKGROUND_UNDERVALUE_FACTOR), 1.0),
    )
    under = (planted | casual) & (rate > 0)

    # Short quantity: fewer units declared than shipped, value in proportion, mass as weighed.
    p_short = role_rate(p.short_quantity[imp], P.QUANTITY_RATE, duty)
    short = r.chance("short", k, p_short) & (rate > 0)
    short_f = np.where(short, r.between("short.f", k, *P.QUANTITY_FACTOR), 1.0)
    value_usd = it.value_usd * np.where(under, factor, 1.0) * short_f

    # Non-revenue irregularities: a wrong quantity (mass and value right), anything else.
    p_qty = np.minimum(P.BACKGROUND["quantity_weight"] * bg, 1.0)
    p_other = np.minimum(P.BACKGROUND["other"] * bg, 1.0)
    qty = r.chance("qty", k, p_qty)
    quantity = it.quantity * short_f
    quantity = np.where(
        qty, quantity * r.between("qty.f", k, *P.BACKGROUND_QUANTITY_FACTOR), quantity
    )
    quantity = np.where(short | qty, np.maximum(np.round(quantity, 2), 0.01), it.quantity)
    other = r.chance("other", k, p_other)

    extra = np.maximum(it.value_usd * true_rate - value_usd * rate, 0.0)
    types = np.zeros(k.size, dtype=np.int64)
    types |= np.where(under, BIT["undervaluation"], 0)
    types |= np.where(mis, BIT["misclassification"], 0)
    types |= np.where(fo, BIT["false_origin"], 0)
    types |= np.where(short, BIT["quantity_weight"], 0)
    types = np.where(extra >= P.MIN_EXTRA_USD, types, types & ~REVENUE_BITS)
    types |= np.where(qty, BIT["quantity_weight"], 0) | np.where(other, BIT["other"], 0)
    first = it.item_no == 1
    route = np.maximum(h.route[it.decl], 0)
    hidden = h.contraband[it.decl] & first
    types |= np.where(hidden, rt.ROUTE_TYPE_BIT[route], 0)

    # What the mechanisms used: the oracle's probability and expected evaded duty.
    p_seize = first * _contraband_chance(h)[it.decl] * rt.ROUTE_CONTRABAND[route]
    p_under = _either(p_role_u, p_bg_u) * (true_rate > 0)
    value = it.value_usd
    expected = (
        p_mis * value * saving
        + p_fo * value * (cat.MFN[it.product] - cat.FTA[it.product])
        + value
        * true_rate
        * (
            p_role_u * (1 - _mean(P.UNDERVALUE_FACTOR))
            + (1 - p_role_u) * p_bg_u * (1 - _mean(P.BACKGROUND_UNDERVALUE_FACTOR))
        )
        + p_short * (true_rate > 0) * value * true_rate * (1 - _mean(P.QUANTITY_FACTOR))
    )
    return Declared(
        product=product,
        own_text=own_text,
        origin=origin,
        preference=preference,
        rate=rate,
        value_usd=value_usd,
        quantity=quantity,
        types=types,
        extra_usd=np.where(types & REVENUE_BITS, extra, 0.0),
        p_fraud=_either(p_mis, p_fo, p_under, p_short * (true_rate > 0), p_qty, p_other, p_seize),
        expected_usd=expected,
    )


def _contraband_chance(h: Headers) -> np.ndarray:
    """Per declaration: 1 where a route shipment may carry contraband on its day, else 0."""
    route = np.maximum(h.route, 0)
    return ((h.route >= 0) & (lodged_day(h.lodged) >= rt.ROUTE_CONTRABAND_FROM[route])) * 1.0
