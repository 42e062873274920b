"""A shared selectivity setting for the live/bulk equivalence tests: profiles, lists, policy."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from icrms.profiles.schemas import ProfileRead, WatchlistRead
from icrms.profiles.watchlists import WatchlistSnapshot
from icrms.selectivity.engine import CompiledProfile, Scorer, Snapshot, decide
from icrms.selectivity.schemas import PolicyConfig

SECRET = b"equivalence-secret"

CRITERIA = [
    ("UV-PHONES", "hs4 = '8517' AND unit_value < 150", 45, "revenue", "yellow", 1.0),
    ("UV-STEEL", "hs2 = '72' AND unit_value < 0.4", 35, "revenue", "yellow", 0.5),
    (
        "ORIGIN-FTA",
        "preference LIKE 'FTA%' AND country_of_origin <> country_of_export",
        30,
        "revenue",
        "yellow",
        1.0,
    ),
    ("TOBACCO", "hs4 = '2402'", 70, "security", "red", 1.0),
    ("NO-DECLARANT", "declarant_id IS NULL OR courier_id IS NOT NULL", 10, "other", "blue", 0.3),
    (
        "HEAVY-LOW",
        "net_mass_kg > 10000 AND customs_value / net_mass_kg BETWEEN 0 AND 0.3",
        25,
        "revenue",
        "yellow",
        1.0,
    ),
    (
        "WL-IMPORTER",
        "in_watchlist('importers', importer_id) AND NOT aeo",
        20,
        "revenue",
        "yellow",
        1.0,
    ),
    (
        "ROUTE",
        "country_of_export IN ('AE', 'HK', 'SG') AND transport_mode = '1' AND hs2 IN ('85', '64')",
        40,
        "drugs",
        "red",
        0.8,
    ),
    (
        "LOWER-DESC",
        "lower(description) LIKE '%shoe%' OR left(hs_code, 4) = '6403'",
        15,
        "ipr",
        "yellow",
        1.0,
    ),
    ("NULL-VALUE", "coalesce(fob_value, 0) > customs_value", 30, "revenue", "red", 1.0),
]


def compiled(
    code: str, criteria: str, score: int, category: str, channel: str, rate: float
) -> CompiledProfile:
    return CompiledProfile.of(
        ProfileRead(
            code=code,
            name=code,
            purpose="equivalence",
            category=category,
            criteria=criteria,
            score=score,  # type: ignore[arg-type]
            min_channel=channel,
            selection_rate=rate,
            version=3,
            status="active",
            created_at=datetime.now(UTC),
        )
    )  # type: ignore[arg-type]


CATEGORIES = ("revenue", "security", "health", "ipr", "drugs", "other")
SHAPES = 10


def generated_profiles(items: pa.Table, count: int = 210, seed: int = 5) -> list[CompiledProfile]:
    """``count`` profiles over ten criterion shapes, their constants drawn from the data.

    Profiles of one shape differ only in constants, so the bulk engine matches each shape in
    one join; categories, scores, channels and selection rates vary so that AEO facilitation,
    sampling and every channel occur.
    """
    rng = random.Random(seed)

    def values(column: str) -> list[Any]:
        return sorted({v for v in items.column(column).to_pylist() if v is not None})

    hs2, hs4, hs6 = values("hs2"), values("hs4"), values("hs6")
    countries, importers, offices = (
        values("country_of_origin"),
        values("importer_id"),
        values("office_code"),
    )
    modes = values("transport_mode")
    words = sorted({w.lower() for d in values("description") for w in d.split() if len(w) >= 4})
    shapes: list[Callable[[], str]] = [
        lambda: f"hs4 = '{rng.choice(hs4)}' AND unit_value < {rng.choice([2, 15, 60, 400, 900])}",
        lambda: (
            f"hs6 IN ('{rng.choice(hs6)}', '{rng.choice(hs6)}') "
            f"AND country_of_origin = '{rng.choice(countries)}'"
        ),
        lambda: (
            f"importer_id = '{rng.choice(importers)}' AND customs_value > {rng.choice([0, 5000, 50000])}"
        ),
        lambda: (
            f"country_of_origin = '{rng.choice(countries)}' AND hs2 = '{rng.choice(hs2)}' AND NOT aeo"
        ),
        lambda: (
            f"lower(description) LIKE '%{rng.choice(words)}%' AND quantity > {rng.choice([10, 1000, 20000])}"
        ),
        lambda: f"in_watchlist('importers', importer_id) AND hs2 = '{rng.choice(hs2)}'",
        lambda: (
            f"office_code = '{rng.choice(offices)}' AND coalesce(duty_rate, 0) < {rng.choice([0.01, 0.07, 0.2])}"
        ),
        lambda: (
            f"transport_mode = '{rng.choice(modes)}' AND country_of_export <> country_of_origin "
            f"AND hs4 = '{rng.choice(hs4)}'"
        ),
        lambda: (
            f"net_mass_kg BETWEEN {rng.choice([0, 30, 1000])} AND {rng.choice([1300, 25000])} "
            f"AND hs2 IN ('{rng.choice(hs2)}', '{rng.choice(hs2)}')"
        ),
        lambda: (
            f"preference LIKE 'FTA%' AND unit_value > {rng.choice([1, 15, 700])} "
            f"AND country_of_export = '{rng.choice(countries)}'"
        ),
    ]
    assert len(shapes) == SHAPES
    return [
        compiled(
            f"GEN-{i:03d}",
            shapes[i % SHAPES](),
            rng.choice([5, 10, 20, 30, 45, 60]),
            CATEGORIES[(i // SHAPES) % len(CATEGORIES)],
            rng.choice(["blue", "yellow", "yellow", "red"]),
            rng.choice([1.0, 1.0, 0.5, 0.2]),
        )
        for i in range(count)
    ]


def snapshot(
    items: pa.Table,
    *,
    extra: list[CompiledProfile] | None = None,
    scorer: Scorer | None = None,
    capacity: dict[str, int] | None = None,
) -> Snapshot:
    """Profiles above (and ``extra``), watchlists drawn from the data, a policy using every option."""
    importers = sorted(set(items.column("importer_id").to_pylist()))[::40]
    containers = sorted(
        {c for v in items.column("containers").to_pylist() if v for c in v.split(";")}
    )[::60]
    offices = sorted(set(items.column("office_code").to_pylist()))
    now = datetime.now(UTC)
    lists = {
        "importers": WatchlistSnapshot(
            WatchlistRead(
                name="importers",
                kind="trader",
                purpose="x",
                score=15,
                min_channel="yellow",
                created_at=now,
            ),
            frozenset(importers),
        ),
        "boxes": WatchlistSnapshot(
            WatchlistRead(
                name="boxes",
                kind="container",
                purpose="x",
                score=50,
                min_channel="red",
                created_at=now,
            ),
            frozenset(containers),
        ),
        "hs": WatchlistSnapshot(
            WatchlistRead(
                name="hs",
                kind="hs",
                purpose="x",
                score=5,
                category="health",
                min_channel="blue",
                created_at=now,
            ),
            frozenset({"300490", "2106"}),
        ),
    }
    policy = PolicyConfig(
        yellow_threshold=30,
        red_threshold=60,
        random_share=0.03,
        random_share_by_office={offices[0]: 0.2},
        random_share_by_procedure={"94": 0.1},
        aeo_revenue_score_pct=50,
        red_capacity_by_office=capacity if capacity is not None else {offices[1]: 3, offices[2]: 1},
    )
    profiles = [compiled(*c) for c in CRITERIA] + (extra or [])
    return Snapshot(7, policy, 11, profiles, lists, SECRET, scorer)


def live_decisions(snap: Snapshot, items: pa.Table) -> dict[tuple[str, int], dict[str, Any]]:
    """The live engine over every declaration, in lodgement order, counting reds per office and day."""
    by_declaration: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for row in items.to_pylist():
        by_declaration[(row["declaration_id"], row["version"])].append(row)
    order = sorted(
        by_declaration, key=lambda k: (min(r["lodged_at"] for r in by_declaration[k]), k[0], k[1])
    )
    reds: dict[tuple[str, Any], int] = defaultdict(int)
    out = {}
    for key in order:
        rows = sorted(by_declaration[key], key=lambda r: r["item_no"])
        day = (rows[0]["office_code"], rows[0]["lodged_date"])
        decision = decide(snap, rows, reds_so_far=reds[day])
        reds[day] += decision.channel == "red"
        out[key] = {
            "channel": decision.channel,
            "score": decision.score,
            "reasons": decision.reasons,
        }
    return out


def without_nulls(reasons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Reasons with NULL-valued keys dropped (Spark's JSON leaves them out)."""
    return [{k: v for k, v in r.items() if v is not None} for r in reasons]
