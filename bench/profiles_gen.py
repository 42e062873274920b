"""Generated risk profiles for the selectivity benchmark: realistic shapes, many fields."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pyarrow as pa

from icrms.profiles.schemas import ProfileRead

CURRENCIES = "('USD', 'EUR', 'GBP', 'CHF')"


def generated_profiles(items: pa.Table, count: int, seed: int = 5) -> list[ProfileRead]:
    """``count`` profiles whose constants come from the data, so that they match some rows."""
    rng = random.Random(seed)
    sample = items.slice(0, min(items.num_rows, 50_000)).to_pylist()
    shapes = [
        lambda r: (
            f"hs6 = '{r['hs6']}' AND unit_value < {round((r['unit_value'] or 1) * 0.3, 3)} AND currency IN {CURRENCIES}"
        ),
        lambda r: (
            f"hs6 = '{r['hs6']}' AND country_of_origin = '{r['country_of_origin']}' AND country_of_export <> '{r['country_of_origin']}'"
        ),
        lambda r: f"importer_id = '{r['importer_id']}'",
        lambda r: f"declarant_id = '{r['declarant_id']}' AND hs4 = '{r['hs4']}'",
        lambda r: (
            f"seller_id = '{r['seller_id']}' AND customs_value > {round((r['customs_value'] or 0) * 2)}"
        ),
        lambda r: (
            f"office_code = '{r['office_code']}' AND hs6 = '{r['hs6']}' AND net_mass_kg > {round((r['net_mass_kg'] or 0) * 5, 1)}"
        ),
        lambda r: (
            f"preference LIKE 'FTA%' AND country_of_export = '{r['country_of_export']}' AND hs6 = '{r['hs6']}' AND country_of_origin <> country_of_export"
        ),
        lambda r: (
            f"lower(description) LIKE '%{(r['description'] or 'x').split()[0].lower()}%' AND unit_value < {round((r['unit_value'] or 1) * 0.2, 3)}"
        ),
        lambda r: f"gross_mass_kg > net_mass_kg * 1.24 AND hs_code = '{r['hs_code']}'",
        lambda r: (
            f"transport_mode = '{r['transport_mode']}' AND hs6 IN ('{r['hs6']}') AND (aeo IS NULL OR NOT aeo) AND customs_value > {round((r['customs_value'] or 0) * 3)}"
        ),
    ]
    now = datetime.now(UTC)
    profiles = []
    for n in range(count):
        row = rng.choice(sample)
        profiles.append(
            ProfileRead(
                code=f"GEN-{n:04d}",
                name=f"generated {n}",
                purpose="benchmark",
                category=rng.choice(["revenue", "security", "other"]),
                criteria=shapes[n % len(shapes)](row),
                score=rng.choice([10, 20, 30, 40, 60]),
                min_channel=rng.choice(["yellow", "yellow", "blue", "red"]),
                selection_rate=rng.choice([1.0, 1.0, 0.5, 0.2]),
                version=1,
                status="active",
                created_at=now,
            )
        )
    return profiles
