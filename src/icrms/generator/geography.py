"""Countries, currencies, trade agreements and customs offices of the synthetic administration.

The administration is fictional, loosely modelled on the KCS synthetic data set (so KR is never a
partner): it sits in UTC+09:00, imports from the countries below and has the simplified
free-trade network of ``Country.agreement``. None of this is any real tariff or treaty list.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LOCAL_OFFSET = "+09:00"
LOCAL_OFFSET_SECONDS = 9 * 3600

# UN/CEFACT Rec. 19 modes used by the generator, index = position.
MODES = ("1", "2", "3", "4", "5")  # sea, rail, road, air, postal
SEA, RAIL, ROAD, AIR, POSTAL = range(5)

# USD value of one unit of each ISO 4217 currency (fixed, documented rates).
CURRENCIES = ("USD", "EUR", "JPY", "GBP", "CHF", "CNY")
USD_PER_UNIT = np.array([1.0, 1.08, 0.0067, 1.27, 1.12, 0.138])
CURRENCY_DECIMALS = np.array([2, 2, 0, 2, 2, 2])


@dataclass(frozen=True)
class Country:
    """A trading partner: ISO 3166-1 alpha-2 code and behaviour in the generator."""

    code: str
    price: float  # multiplier on the catalogue unit value (HS6 x origin norm)
    agreement: str = ""  # preference code when goods of this origin qualify ("" = none)
    currency: str = "USD"  # local invoicing currency
    local_share: float = 0.0  # share of invoices in the local currency
    hub: bool = False  # transhipment hub: exports goods of other origins
    land: bool = False  # shares a land border (road and rail possible)


COUNTRIES: tuple[Country, ...] = (
    Country("CN", 0.80, currency="CNY", local_share=0.15, land=True),
    Country("US", 1.25, "FTA-US"),
    Country("JP", 1.30, currency="JPY", local_share=0.5),
    Country("DE", 1.35, "FTA-EU", "EUR", 0.7),
    Country("VN", 0.75, "FTA-ASEAN"),
    Country("TW", 1.10),
    Country("IT", 1.40, "FTA-EU", "EUR", 0.7),
    Country("FR", 1.30, "FTA-EU", "EUR", 0.7),
    Country("NL", 1.20, "FTA-EU", "EUR", 0.6, hub=True),
    Country("BE", 1.20, "FTA-EU", "EUR", 0.6, hub=True),
    Country("ES", 1.10, "FTA-EU", "EUR", 0.7),
    Country("PL", 0.95, "FTA-EU", "EUR", 0.5),
    Country("GB", 1.25, "FTA-GB", "GBP", 0.5),
    Country("CH", 1.45, currency="CHF", local_share=0.5),
    Country("TH", 0.85, "FTA-ASEAN"),
    Country("MY", 0.90, "FTA-ASEAN"),
    Country("ID", 0.80, "FTA-ASEAN"),
    Country("PH", 0.80, "FTA-ASEAN"),
    Country("KH", 0.65, "FTA-ASEAN"),
    Country("SG", 1.10, "FTA-ASEAN", hub=True),
    Country("IN", 0.75, "FTA-IN"),
    Country("AU", 1.15, "FTA-AU"),
    Country("BD", 0.65),
    Country("PK", 0.70),
    Country("TR", 0.85),
    Country("BR", 0.90),
    Country("MX", 0.90),
    Country("EC", 1.00),
    Country("CO", 1.00),
    Country("HK", 1.00, hub=True),
    Country("AE", 1.00, hub=True),
)

COUNTRY_CODES = tuple(c.code for c in COUNTRIES)
COUNTRY_INDEX = {c: i for i, c in enumerate(COUNTRY_CODES)}
PRICE_FACTOR = np.array([c.price for c in COUNTRIES])
IS_HUB = np.array([c.hub for c in COUNTRIES])
IS_LAND = np.array([c.land for c in COUNTRIES])
PREFERENCES = ("MFN", *sorted({c.agreement for c in COUNTRIES if c.agreement}))
AGREEMENT = np.array([PREFERENCES.index(c.agreement) if c.agreement else 0 for c in COUNTRIES])
LOCAL_CURRENCY = np.array([CURRENCIES.index(c.currency) for c in COUNTRIES])
LOCAL_SHARE = np.array([c.local_share for c in COUNTRIES])
HUB_WEIGHTS = np.where(IS_HUB, 1.0, 0.0)


def country_weights(weights: dict[str, float]) -> np.ndarray:
    """A weight vector over ``COUNTRIES`` from a {code: weight} mapping."""
    out = np.zeros(len(COUNTRIES))
    for code, w in weights.items():
        out[COUNTRY_INDEX[code]] = w
    return out


@dataclass(frozen=True)
class Office:
    """A customs office of lodgement and the modes of transport it clears."""

    code: str
    name: str
    modes: tuple[float, float, float, float, float]  # weight per MODES entry


OFFICES: tuple[Office, ...] = (
    Office("0010", "Capital Airport Cargo", (0, 0, 0, 6, 0)),
    Office("0020", "Main Seaport", (6, 0, 0, 0, 0)),
    Office("0030", "Second Seaport", (3, 0, 0, 0, 0)),
    Office("0040", "Airport Express Centre", (0, 0, 0, 3, 1)),
    Office("0050", "International Mail Centre", (0, 0, 0, 0, 4)),
    Office("0060", "Northern Land Border", (0, 2, 5, 0, 0)),
    Office("0070", "Inland Container Depot", (1, 3, 0, 0, 0)),
    Office("0080", "Southern Port", (2, 0, 1, 0, 0)),
)
OFFICE_CODES = tuple(o.code for o in OFFICES)
# Office weights per mode (rows = MODES, columns = OFFICES).
OFFICE_BY_MODE = np.array([[o.modes[m] for o in OFFICES] for m in range(len(MODES))])

# Header code lists (KCS-like codes with their observed frequencies).
DECLARATION_TYPES = (("B", 97.0), ("A", 2.0), ("D", 1.0))
PROCEDURES = (("11", 87.0), ("87", 4.0), ("94", 3.2), ("15", 1.8), ("89", 1.4), ("29", 0.7))
IMPORT_USES = (("21", 91.0), ("11", 4.6), ("26", 2.1), ("23", 0.8), ("28", 0.6))
PAYMENT_METHODS = (("11", 67.0), ("43", 18.5), ("18", 6.7), ("14", 6.0), ("13", 0.5))
ORIGIN_MARKINGS = (("E", 28.0), ("G", 23.0), ("Y", 22.0), ("B", 14.5), ("S", 12.5))
COURIERS = ("DHL", "FEDEX", "UPS", "TNT", "EMS")
