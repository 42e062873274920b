"""A shared selectivity setting for the live/bulk equivalence tests: profiles, lists, policy."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from icrms.profiles.schemas import ProfileRead, WatchlistRead
from icrms.profiles.watchlists import WatchlistSnapshot
from icrms.selectivity.engine import CompiledProfile, Snapshot, decide
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


def snapshot(items: pa.Table) -> Snapshot:
    """Profiles above, watchlists drawn from the data, a policy using every option."""
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
        red_capacity_by_office={offices[1]: 3, offices[2]: 1},
    )
    return Snapshot(7, policy, 11, [compiled(*c) for c in CRITERIA], lists, SECRET)


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
