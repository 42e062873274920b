"""The declared version of each item, with the planted fraud patterns and honest mistakes.

Every irregularity is recorded as a bit in ``Declared.types`` (bit ``i`` =
``fields.IRREGULARITY_TYPES[i]``) with the duty it evades in ``Declared.extra_usd``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from icrms.declarations.fields import IRREGULARITY_TYPES
from icrms.generator import catalogue as cat
from icrms.generator import geography as geo
from icrms.generator import routes as rt
from icrms.generator.headers import Headers, Run
from icrms.generator.items import Items

BIT = {name: 1 << i for i, name in enumerate(IRREGULARITY_TYPES)}
REVENUE_BITS = BIT["undervaluation"] | BIT["misclassification"] | BIT["false_origin"]

UNDERVALUE_RATE = 0.8  # share of an undervaluing importer's dutiable items declared low
UNDERVALUE_FACTOR = (0.25, 0.55)  # declared / true value when undervaluing
MISCLASSIFY_RATE = 0.6  # share of a misclassifier's items with a lower-duty neighbour
MISCLASSIFY_OWN_TEXT = 0.3  # misclassified items that keep the true goods description
PREFERENCE_DIRECT = 0.75  # claim rate of qualifying goods shipped from their origin
PREFERENCE_INDIRECT = 0.2  # claim rate of qualifying goods shipped via a third country
# Honest mistakes and petty fraud of any importer (per item), scaled by AEO_FACTOR for AEO.
BACKGROUND = {
    "undervaluation": 0.006,
    "misclassification": 0.004,
    "quantity_weight": 0.012,
    "other": 0.006,
}
BACKGROUND_UNDERVALUE_FACTOR = (0.6, 0.85)
QUANTITY_FACTOR = (0.7, 0.9)  # declared / true quantity for quantity_weight
AEO_FACTOR = 0.3
MIN_EXTRA_USD = 0.02  # smaller evasions are not recorded (they would round to 0)


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


def declare(run: Run, h: Headers, it: Items) -> Declared:
    """Make the declared version of every item and record its irregularities."""
    r, p, k = run.draws, run.pools, it.key
    imp = h.importer[it.decl]
    bg = np.where(p.aeo[imp], AEO_FACTOR, 1.0)
    types = np.zeros(k.size, dtype=np.int64)

    # Legitimate preference claims for qualifying goods.
    export = h.export[it.decl]
    direct = (export == it.origin) | geo.IS_HUB[export]
    legit = (
        (cat.FTA[it.product] < cat.MFN[it.product])
        & (geo.AGREEMENT[it.origin] > 0)
        & r.chance("pref", k, np.where(direct, PREFERENCE_DIRECT, PREFERENCE_INDIRECT))
    )
    true_rate = np.where(legit, cat.FTA[it.product], cat.MFN[it.product])

    # Misclassification: declared under the lower-duty neighbour line.
    neighbour = cat.NEIGHBOUR[it.product]
    mis = (
        (neighbour >= 0)
        & ~legit
        & (
            (p.misclassifier[imp] & r.chance("mis", k, MISCLASSIFY_RATE))
            | r.chance("mis.bg", k, BACKGROUND["misclassification"] * bg)
        )
    )
    product = np.where(mis, neighbour, it.product)
    own_text = mis & r.chance("mis.text", k, MISCLASSIFY_OWN_TEXT)

    # False origin: a partner country declared and its preference claimed.
    fo = h.false_origin[it.decl] & ~legit & (cat.FTA[product] < cat.MFN[product])
    claimed = h.claimed_origin[it.decl]
    origin = np.where(fo, claimed, it.origin)
    preference = np.where(fo, geo.AGREEMENT[claimed], np.where(legit, geo.AGREEMENT[it.origin], 0))
    rate = np.where(preference > 0, cat.FTA[product], cat.MFN[product])

    # Undervaluation: planted for undervaluers, occasional for anyone.
    planted = p.undervaluer[imp] & r.chance("under", k, UNDERVALUE_RATE)
    casual = r.chance("under.bg", k, BACKGROUND["undervaluation"] * bg)
    factor = np.where(
        planted,
        r.between("under.f", k, *UNDERVALUE_FACTOR),
        np.where(casual, r.between("under.bgf", k, *BACKGROUND_UNDERVALUE_FACTOR), 1.0),
    )
    under = (planted | casual) & (rate > 0)
    value_usd = it.value_usd * np.where(under, factor, 1.0)

    # Non-revenue irregularities.
    qty = r.chance("qty", k, BACKGROUND["quantity_weight"] * bg)
    quantity = np.where(
        qty,
        np.maximum(np.round(it.quantity * r.between("qty.f", k, *QUANTITY_FACTOR), 2), 0.01),
        it.quantity,
    )
    other = r.chance("other", k, BACKGROUND["other"] * bg)

    extra = np.maximum(it.value_usd * true_rate - value_usd * rate, 0.0)
    types |= np.where(under, BIT["undervaluation"], 0)
    types |= np.where(mis, BIT["misclassification"], 0)
    types |= np.where(fo, BIT["false_origin"], 0)
    types = np.where(extra >= MIN_EXTRA_USD, types, types & ~REVENUE_BITS)
    types |= np.where(qty, BIT["quantity_weight"], 0) | np.where(other, BIT["other"], 0)
    hidden = h.contraband[it.decl] & (it.item_no == 1)
    types |= np.where(hidden, rt.ROUTE_TYPE_BIT[np.maximum(h.route[it.decl], 0)], 0)
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
    )
