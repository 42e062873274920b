"""The goods catalogue: real HS6 subheadings with plausible unit values and duty rates.

Unit values are USD per kg of net mass before the origin price factor; duty rates are
illustrative fractions, not any country's tariff. ``neighbour`` names the lower-duty
neighbouring line that misclassifying importers declare instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from icrms.generator.geography import country_weights


@dataclass(frozen=True)
class Product:
    """One HS6 line of the catalogue."""

    hs6: str
    descriptions: tuple[str, ...]
    sector: str
    unit: str  # UN/ECE Rec. 20 code of the supplementary unit
    kg_per_unit: float  # net kg per unit of quantity (1.0 for KGM)
    usd_per_kg: float  # customs value norm, USD per kg net
    mfn: float  # general duty rate
    fta: float  # preferential rate under any agreement
    lot_kg: float  # median net mass of one item line (sea freight)
    weight: float = 1.0  # popularity within the sector
    neighbour: str = ""  # lower-duty neighbouring line used when misclassifying
    national: tuple[str, ...] = ("0000", "9000")  # national 4-digit suffixes


# Columns: hs6, sector, unit, kg per unit, USD per kg, MFN rate, FTA rate, median lot kg,
# popularity weight within the sector, lower-duty neighbour ("-" = none).
_TABLE = """
hs6    sector      unit kg/unit usd/kg mfn   fta  lot_kg weight neighbour
851713 electronics NAR  0.2     1500   0     0    150    3      -
847130 electronics NAR  2.2     350    0     0    400    2      -
852872 electronics NAR  14      30     0.08  0    3000   1.5    852852
852852 electronics NAR  5       45     0     0    1500   1      -
850760 electronics NAR  0.05    60     0.08  0    300    1.5    -
854231 electronics NAR  0.004   2500   0     0    20     1      -
610910 apparel     NAR  0.18    28     0.13  0    900    3      611020
611020 apparel     NAR  0.45    22     0.08  0    900    1.5    -
620342 apparel     NAR  0.6     20     0.13  0    1200   2      -
620462 apparel     NAR  0.5     24     0.13  0    1000   2      -
420221 apparel     NAR  0.9     110    0.08  0    300    1      -
640399 footwear    PR   0.9     40     0.13  0    1500   2      640299
640299 footwear    PR   0.6     12     0.08  0    2000   2      -
640411 footwear    PR   0.7     32     0.13  0    1500   2.5    -
401110 auto        NAR  9       6      0.08  0    8000   2      401220
401220 auto        NAR  9       1.2    0.03  0    8000   0.5    -
870323 auto        NAR  1400    18     0.08  0    1400   1      870421
870421 auto        NAR  1900    12     0.04  0    1900   0.5    -
870899 auto        KGM  1       12     0.08  0    2500   3      -
721049 metals      KGM  1       0.9    0.08  0    60000  2      720916
720916 metals      KGM  1       0.8    0.03  0    60000  1.5    -
730890 metals      KGM  1       2.5    0.08  0    15000  1.5    -
760410 metals      KGM  1       3.5    0.08  0    12000  1      -
080390 food        KGM  1       0.9    0.3   0.3  18000  2      -
020130 food        KGM  1       9      0.4   0.27 5000   1.5    -
090121 food        KGM  1       12     0.08  0    2000   1      090111
090111 food        KGM  1       4.5    0.02  0    19000  1      -
220300 food        LTR  1       1.2    0.3   0    15000  1.5    220299
220299 food        LTR  1       1      0.08  0    15000  1      -
220830 food        LTR  1       15     0.2   0    3000   0.8    -
240220 food        MIL  1       25     0.4   0.2  2000   0.5    -
940360 household   NAR  25      6      0.08  0    6000   2      -
950300 household   NAR  0.5     16     0.08  0    1500   2      950450
950450 household   NAR  3       100    0     0    600    1      -
850940 household   NAR  3       15     0.08  0    1500   1.5    -
851660 household   NAR  8       10     0.08  0    2500   1      -
691110 household   KGM  1       4      0.08  0    4000   1      -
330499 chemicals   KGM  1       30     0.065 0    500    2      300490
392690 chemicals   KGM  1       6      0.065 0    3000   2      -
390110 chemicals   KGM  1       1.3    0.065 0    25000  1.5    -
300490 chemicals   KGM  1       80     0     0    300    1      -
"""
# Description variants per HS6, "; "-separated.
_DESCRIPTIONS = """
851713 SMARTPHONES; MOBILE PHONE 128GB; CELLULAR TELEPHONE
847130 LAPTOP COMPUTER; NOTEBOOK PC 14 INCH
852872 LED TELEVISION 55 INCH; TV RECEIVER
852852 LCD MONITOR FOR COMPUTER; COMPUTER MONITOR 27 INCH
850760 LITHIUM-ION BATTERY PACK; LI-ION CELLS
854231 MICROCONTROLLER IC; PROCESSOR CHIPS
610910 COTTON T-SHIRTS KNITTED; MENS T-SHIRT 100% COTTON
611020 COTTON PULLOVERS KNITTED; JERSEY COTTON
620342 MENS COTTON TROUSERS; DENIM JEANS MEN
620462 WOMENS COTTON TROUSERS; LADIES JEANS
420221 LEATHER HANDBAGS; HANDBAG GENUINE LEATHER
640399 LEATHER SHOES; FOOTWEAR LEATHER UPPERS
640299 PLASTIC SANDALS; RUBBER FOOTWEAR
640411 SPORTS SHOES TEXTILE UPPERS; RUNNING SHOES
401110 NEW CAR TYRES; PNEUMATIC TYRES RADIAL NEW
401220 USED TYRES; PNEUMATIC TYRES USED
870323 PASSENGER CAR 2000CC; MOTOR CAR SEDAN
870421 PICK-UP TRUCK DIESEL; LIGHT GOODS VEHICLE
870899 AUTO PARTS; PARTS FOR MOTOR VEHICLES
721049 GALVANISED STEEL COILS; ZINC COATED STEEL SHEET
720916 COLD ROLLED STEEL COILS; CR STEEL SHEET 1-3MM
730890 STEEL STRUCTURES; STEEL BEAMS FABRICATED
760410 ALUMINIUM PROFILES; ALUMINIUM BARS
080390 FRESH BANANAS; BANANAS CAVENDISH
020130 FRESH BONELESS BEEF; CHILLED BEEF CUTS
090121 ROASTED COFFEE BEANS; COFFEE ROASTED
090111 GREEN COFFEE BEANS; COFFEE NOT ROASTED
220300 BEER; LAGER BEER IN CANS
220299 NON-ALCOHOLIC BEVERAGES; SOFT DRINKS
220830 WHISKY; SCOTCH WHISKY 70CL
240220 CIGARETTES; CIGARETTES CONTAINING TOBACCO
940360 WOODEN FURNITURE; WOODEN CABINETS
950300 TOYS; PLASTIC TOYS ASSORTED
950450 VIDEO GAME CONSOLES; GAME CONSOLE
850940 FOOD MIXERS; ELECTRIC BLENDERS
851660 ELECTRIC OVENS; COOKERS AND HOT PLATES
691110 PORCELAIN TABLEWARE; CERAMIC DINNER SET
330499 SKIN CARE PREPARATIONS; COSMETIC CREAM
392690 PLASTIC ARTICLES; ARTICLES OF PLASTICS NES
390110 POLYETHYLENE GRANULES LDPE; LDPE RESIN
300490 MEDICAMENTS IN DOSES; PHARMACEUTICAL TABLETS
"""


def _parse(table: str, descriptions: str) -> tuple[Product, ...]:
    texts = {}
    for line in descriptions.strip().splitlines():
        hs6, text = line.split(maxsplit=1)
        texts[hs6] = tuple(d.strip() for d in text.split(";"))
    out = []
    for line in table.strip().splitlines()[1:]:
        f = line.split()
        nums = [float(x) for x in f[3:9]]
        out.append(
            Product(
                hs6=f[0],
                descriptions=texts[f[0]],
                sector=f[1],
                unit=f[2],
                kg_per_unit=nums[0],
                usd_per_kg=nums[1],
                mfn=nums[2],
                fta=nums[3],
                lot_kg=nums[4],
                weight=nums[5],
                neighbour="" if f[9] == "-" else f[9],
            )
        )
    return tuple(out)


PRODUCTS: tuple[Product, ...] = _parse(_TABLE, _DESCRIPTIONS)

# Where goods come from: weights over countries, per sector, then per HS6 where it differs.
_ORIGINS = """
electronics CN:40 VN:12 TW:10 JP:8 US:8 MY:5 DE:3 TH:3 MX:2 PH:2
apparel     CN:35 VN:15 BD:12 IN:6 KH:5 ID:5 TR:4 IT:4 PK:3 FR:2 TH:2 ES:2
footwear    CN:40 VN:20 ID:10 IT:8 IN:5 BR:3 ES:3 TH:3 KH:3
auto        DE:20 JP:20 CN:15 US:10 TH:6 MX:5 GB:4 FR:4 IT:3 IN:3 ES:3 PL:3 TR:3
metals      CN:35 JP:15 IN:10 TW:8 VN:6 DE:5 TR:5 BR:4 AU:3 US:3 MY:3 ID:3
food        US:12 AU:12 BR:10 VN:8 TH:8 CN:6 EC:6 CO:5 FR:5 IN:4 MX:4 ID:4 PH:4 GB:3 ES:3 IT:3 DE:3
household   CN:50 VN:12 MY:6 DE:5 IT:4 ID:4 TH:4 PL:3 JP:3 US:3 TW:3 IN:3
chemicals   US:15 DE:15 CN:15 JP:10 FR:8 CH:8 IN:6 GB:5 BE:4 IT:4
080390      EC:35 PH:35 CO:20 MX:10
020130      AU:45 US:40 BR:15
090121      IT:30 US:20 DE:20 BR:15 CO:15
090111      BR:40 VN:30 CO:20 ID:10
220300      DE:20 MX:20 JP:20 CN:20 NL:10 BE:10
220830      GB:80 US:10 JP:10
240220      ID:25 PH:20 CN:15 JP:15 DE:15 CH:10
"""


def _origins(table: str) -> dict[str, dict[str, float]]:
    out = {}
    for line in table.strip().splitlines():
        key, *pairs = line.split()
        out[key] = {c: float(w) for c, w in (p.split(":") for p in pairs)}
    return out


ORIGINS = _origins(_ORIGINS)  # sector or HS6 -> {country: weight}
SECTORS = tuple(k for k in ORIGINS if not k.isdigit())
# Share of importers in each sector.
SECTOR_WEIGHTS = np.array([18.0, 14.0, 8.0, 12.0, 8.0, 12.0, 16.0, 12.0])
# Mode weights (sea, rail, road, air, postal) per sector; rail and road only over land.
SECTOR_MODES = np.array(
    [
        [35, 3, 6, 50, 6],  # electronics
        [55, 3, 6, 28, 8],  # apparel
        [55, 3, 6, 26, 10],  # footwear
        [80, 6, 9, 5, 0],  # auto
        [85, 8, 7, 0, 0],  # metals
        [75, 4, 6, 14, 1],  # food
        [70, 5, 7, 12, 6],  # household
        [55, 4, 6, 33, 2],  # chemicals
    ],
    dtype=np.float64,
)

HS6 = tuple(p.hs6 for p in PRODUCTS)
_INDEX = {h: i for i, h in enumerate(HS6)}
UNIT_NAMES = tuple(sorted({p.unit for p in PRODUCTS}))
UNIT_OF = np.array([UNIT_NAMES.index(p.unit) for p in PRODUCTS])
COUNTS_UNITS = np.array([p.unit not in ("KGM", "LTR") for p in PRODUCTS])
KG_PER_UNIT = np.array([p.kg_per_unit for p in PRODUCTS])
USD_PER_KG = np.array([p.usd_per_kg for p in PRODUCTS])
MFN = np.array([p.mfn for p in PRODUCTS])
FTA = np.array([p.fta for p in PRODUCTS])
LOT_KG = np.array([p.lot_kg for p in PRODUCTS])
NEIGHBOUR = np.array([_INDEX[p.neighbour] if p.neighbour else -1 for p in PRODUCTS])

# Product choice within a sector: one row per sector, columns = products.
SECTOR_PRODUCTS = np.array(
    [[p.weight if p.sector == s else 0.0 for p in PRODUCTS] for s in SECTORS]
)
ALL_PRODUCTS = np.array([p.weight for p in PRODUCTS])
SECTOR_ORIGIN_WEIGHTS = np.array([country_weights(ORIGINS[s]) for s in SECTORS])
PRODUCT_ORIGIN_WEIGHTS = np.array(
    [country_weights(ORIGINS.get(p.hs6, ORIGINS[p.sector])) for p in PRODUCTS]
)
PRODUCES = PRODUCT_ORIGIN_WEIGHTS > 0  # (product, country): a plausible origin

# Flattened description and national-suffix tables: offsets and counts per product.
DESCRIPTIONS = tuple(d for p in PRODUCTS for d in p.descriptions)
DESC_COUNT = np.array([len(p.descriptions) for p in PRODUCTS])
DESC_OFFSET = np.concatenate([[0], np.cumsum(DESC_COUNT)[:-1]])
HS10 = tuple(p.hs6 + s for p in PRODUCTS for s in p.national)
HS10_COUNT = np.array([len(p.national) for p in PRODUCTS])
HS10_OFFSET = np.concatenate([[0], np.cumsum(HS10_COUNT)[:-1]])
