"""Reference data of the dimensions: Harmonized System titles and irregularity types.

Section and chapter titles are shortened from the HS 2022 nomenclature (all 21 sections, all
chapters); heading titles are given for the headings the synthetic data and the demo use, and
left NULL for the others.
"""

from __future__ import annotations

# (section, first chapter, last chapter, title)
SECTIONS: tuple[tuple[str, int, int, str], ...] = (
    ("I", 1, 5, "Live animals; animal products"),
    ("II", 6, 14, "Vegetable products"),
    ("III", 15, 15, "Animal, vegetable or microbial fats and oils"),
    ("IV", 16, 24, "Prepared foodstuffs; beverages, spirits and vinegar; tobacco"),
    ("V", 25, 27, "Mineral products"),
    ("VI", 28, 38, "Products of the chemical or allied industries"),
    ("VII", 39, 40, "Plastics and rubber, and articles thereof"),
    ("VIII", 41, 43, "Hides, skins, leather, furskins; saddlery, handbags"),
    ("IX", 44, 46, "Wood, cork and basketware"),
    ("X", 47, 49, "Pulp of wood; paper and paperboard"),
    ("XI", 50, 63, "Textiles and textile articles"),
    ("XII", 64, 67, "Footwear, headgear, umbrellas; artificial flowers"),
    ("XIII", 68, 70, "Articles of stone, plaster, cement; ceramics; glass"),
    ("XIV", 71, 71, "Pearls, precious stones and metals; jewellery; coin"),
    ("XV", 72, 83, "Base metals and articles of base metal"),
    ("XVI", 84, 85, "Machinery and mechanical appliances; electrical equipment"),
    ("XVII", 86, 89, "Vehicles, aircraft, vessels and transport equipment"),
    ("XVIII", 90, 92, "Optical, medical and precision instruments; clocks; musical instruments"),
    ("XIX", 93, 93, "Arms and ammunition"),
    ("XX", 94, 96, "Miscellaneous manufactured articles"),
    ("XXI", 97, 97, "Works of art, collectors' pieces and antiques"),
)

_CHAPTERS = """
01 Live animals
02 Meat and edible meat offal
03 Fish and crustaceans, molluscs
04 Dairy produce; eggs; honey
05 Other products of animal origin
06 Live trees and other plants; cut flowers
07 Edible vegetables
08 Edible fruit and nuts
09 Coffee, tea, mate and spices
10 Cereals
11 Products of the milling industry; malt; starches
12 Oil seeds and oleaginous fruits
13 Lac; gums, resins
14 Vegetable plaiting materials
15 Animal, vegetable or microbial fats and oils
16 Preparations of meat, fish or crustaceans
17 Sugars and sugar confectionery
18 Cocoa and cocoa preparations
19 Preparations of cereals, flour, starch or milk; bakers' wares
20 Preparations of vegetables, fruit or nuts
21 Miscellaneous edible preparations
22 Beverages, spirits and vinegar
23 Residues from the food industries; animal fodder
24 Tobacco and manufactured tobacco substitutes
25 Salt; sulphur; earths and stone; lime and cement
26 Ores, slag and ash
27 Mineral fuels, mineral oils
28 Inorganic chemicals
29 Organic chemicals
30 Pharmaceutical products
31 Fertilisers
32 Tanning or dyeing extracts; paints; inks
33 Essential oils; perfumery, cosmetic or toilet preparations
34 Soap, washing and lubricating preparations; candles
35 Albuminoidal substances; glues; enzymes
36 Explosives; pyrotechnic products; matches
37 Photographic or cinematographic goods
38 Miscellaneous chemical products
39 Plastics and articles thereof
40 Rubber and articles thereof
41 Raw hides and skins and leather
42 Articles of leather; handbags; travel goods
43 Furskins and artificial fur
44 Wood and articles of wood; wood charcoal
45 Cork and articles of cork
46 Manufactures of straw; basketware
47 Pulp of wood
48 Paper and paperboard
49 Printed books, newspapers, pictures
50 Silk
51 Wool, fine or coarse animal hair
52 Cotton
53 Other vegetable textile fibres
54 Man-made filaments
55 Man-made staple fibres
56 Wadding, felt and nonwovens; twine, cordage
57 Carpets and other textile floor coverings
58 Special woven fabrics; lace; embroidery
59 Impregnated, coated or laminated textile fabrics
60 Knitted or crocheted fabrics
61 Apparel, knitted or crocheted
62 Apparel, not knitted or crocheted
63 Other made up textile articles; worn clothing
64 Footwear, gaiters and the like
65 Headgear
66 Umbrellas, walking sticks, whips
67 Prepared feathers; artificial flowers
68 Articles of stone, plaster, cement, asbestos, mica
69 Ceramic products
70 Glass and glassware
71 Pearls, precious stones, precious metals; jewellery
72 Iron and steel
73 Articles of iron or steel
74 Copper and articles thereof
75 Nickel and articles thereof
76 Aluminium and articles thereof
77 (reserved)
78 Lead and articles thereof
79 Zinc and articles thereof
80 Tin and articles thereof
81 Other base metals; cermets
82 Tools, cutlery of base metal
83 Miscellaneous articles of base metal
84 Nuclear reactors, boilers, machinery and mechanical appliances
85 Electrical machinery and equipment; sound and television apparatus
86 Railway locomotives and rolling stock
87 Vehicles other than railway rolling stock
88 Aircraft, spacecraft
89 Ships, boats and floating structures
90 Optical, photographic, measuring, medical instruments
91 Clocks and watches
92 Musical instruments
93 Arms and ammunition
94 Furniture; bedding; lamps; prefabricated buildings
95 Toys, games and sports requisites
96 Miscellaneous manufactured articles
97 Works of art, collectors' pieces and antiques
"""

_HEADINGS = """
0201 Meat of bovine animals, fresh or chilled
0803 Bananas, fresh or dried
0901 Coffee; coffee husks and skins
2202 Waters and non-alcoholic beverages
2203 Beer made from malt
2208 Spirits, liqueurs and other spirituous beverages
2402 Cigars, cigarillos and cigarettes
3004 Medicaments in measured doses
3304 Beauty, make-up and skin-care preparations
3901 Polymers of ethylene, in primary forms
3926 Other articles of plastics
4011 New pneumatic tyres, of rubber
4012 Retreaded or used pneumatic tyres
4202 Trunks, suitcases, handbags and similar containers
6109 T-shirts, singlets and vests, knitted
6110 Jerseys, pullovers, cardigans, knitted
6203 Men's suits, jackets, trousers, not knitted
6204 Women's suits, dresses, trousers, not knitted
6402 Footwear with outer soles and uppers of rubber or plastics
6403 Footwear with uppers of leather
6404 Footwear with uppers of textile materials
6911 Tableware and kitchenware of porcelain or china
7209 Flat-rolled iron or steel, cold-rolled, not clad
7210 Flat-rolled iron or steel, clad, plated or coated
7308 Structures and parts of structures of iron or steel
7604 Aluminium bars, rods and profiles
8471 Automatic data-processing machines (computers)
8507 Electric accumulators (batteries)
8509 Electro-mechanical domestic appliances
8516 Electric heaters, ovens, cookers
8517 Telephone sets, including smartphones
8528 Monitors and projectors; television receivers
8542 Electronic integrated circuits
8703 Motor cars for the transport of persons
8704 Motor vehicles for the transport of goods
8708 Parts and accessories of motor vehicles
9403 Other furniture and parts thereof
9503 Toys, scale models, puzzles
9504 Video game consoles, table and parlour games
"""


def _lines(text: str) -> dict[str, str]:
    return dict(line.split(" ", 1) for line in text.strip().splitlines())  # type: ignore[misc]


CHAPTER_TITLES = _lines(_CHAPTERS)
HEADING_TITLES = _lines(_HEADINGS)

IRREGULARITY_DESCRIPTIONS: dict[str, str] = {
    "undervaluation": "customs value declared below the true transaction value",
    "misclassification": "goods declared under a wrong (usually lower-duty) HS code",
    "false_origin": "origin or preference wrongly claimed",
    "quantity_weight": "quantity or weight declared below what was shipped",
    "prohibited_restricted": "prohibited or restricted goods",
    "ipr": "goods infringing intellectual property rights (counterfeit, pirated)",
    "drugs": "narcotic drugs or psychotropic substances",
    "other": "any other irregularity (e.g. undeclared goods, smuggling)",
}


def hs_section(chapter: str) -> tuple[str, str] | None:
    """(Roman numeral, title) of the HS section holding a two-digit chapter, None if unknown."""
    if not chapter.isdigit():
        return None
    number = int(chapter)
    for section, first, last, title in SECTIONS:
        if first <= number <= last:
            return section, title
    return None


def hs_titles(hs6: str) -> dict[str, str | None]:
    """The dimension attributes of an HS6 code: section, section title, chapter and heading titles."""
    section = hs_section(hs6[:2])
    return {
        "section": section[0] if section else None,
        "section_title": section[1] if section else None,
        "chapter_title": CHAPTER_TITLES.get(hs6[:2]),
        "heading_title": HEADING_TITLES.get(hs6[:4]),
    }
