"""The channel decision: precedence, AEO facilitation, random draw, capacity, watchlists."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from icrms.profiles.schemas import ProfileRead, WatchlistRead
from icrms.profiles.watchlists import WatchlistSnapshot
from icrms.selectivity.draw import draw_hex, selected, threshold_hex
from icrms.selectivity.engine import CompiledProfile, Snapshot, decide
from icrms.selectivity.schemas import PolicyConfig

SECRET = b"test-secret"


def prof(
    code: str,
    criteria: str,
    score: int,
    category: str = "revenue",
    min_channel: str = "yellow",
    rate: float = 1.0,
) -> CompiledProfile:
    return CompiledProfile.of(
        ProfileRead(
            code=code,
            name=code,
            purpose="p",
            category=category,
            criteria=criteria,
            score=score,
            min_channel=min_channel,
            selection_rate=rate,
            version=1,
            status="active",
            created_at=datetime.now(UTC),
        )
    )


def snap(
    *profiles: CompiledProfile,
    policy: PolicyConfig | None = None,
    lists: dict[str, WatchlistSnapshot] | None = None,
) -> Snapshot:
    return Snapshot(
        1, policy or PolicyConfig(random_share=0.0), 1, list(profiles), lists or {}, SECRET
    )


def rows(n: int = 1, **header: Any) -> list[dict[str, Any]]:
    base = {
        "declaration_id": "D1",
        "version": 1,
        "office_code": "0042",
        "procedure": "4000",
        "aeo": False,
        "importer_id": "TIN-1",
        "lodged_date": date(2026, 3, 2),
        "containers": "CSQU3054383",
    }
    base.update(header)
    return [
        {
            **base,
            "item_no": i,
            "hs_code": "8517130000",
            "hs4": "8517",
            "unit_value": 10.0 * i,
            "country_of_origin": "CN",
        }
        for i in range(1, n + 1)
    ]


def test_green_without_any_reason() -> None:
    d = decide(snap(prof("P1", "hs4 = '6109'", 40)), rows())
    assert (d.channel, d.score, d.reasons) == ("green", 0, [])


def test_scores_add_up_to_thresholds_and_min_channel_applies() -> None:
    s = snap(prof("A", "hs4 = '8517'", 35), prof("B", "unit_value < 15", 30, min_channel="blue"))
    d = decide(s, rows(2))
    assert d.score == 65 and d.channel == "red"
    a = next(r for r in d.reasons if r["code"] == "A")
    assert a["items"] == [1, 2] and a["version"] == 1
    assert next(r for r in d.reasons if r["code"] == "B")["items"] == [1]
    assert (
        decide(snap(prof("B", "unit_value < 15", 10, min_channel="blue")), rows()).channel == "blue"
    )


def test_aeo_facilitation_reduces_revenue_but_not_security() -> None:
    s = snap(
        prof("R", "hs4 = '8517'", 60, min_channel="red"),
        policy=PolicyConfig(random_share=0, aeo_revenue_score_pct=50),
    )
    d = decide(s, rows(aeo=True))
    assert (d.channel, d.score) == ("yellow", 30) and d.reasons[0]["aeo_facilitated"]
    sec = snap(prof("S", "hs4 = '8517'", 60, category="security", min_channel="red"))
    assert decide(sec, rows(aeo=True)).channel == "red"


def test_watchlist_hit_on_container_and_in_criteria() -> None:
    w = WatchlistRead(
        name="boxes",
        kind="container",
        purpose="x",
        min_channel="red",
        score=50,
        created_at=datetime.now(UTC),
    )
    lists = {"boxes": WatchlistSnapshot(w, frozenset({"CSQU3054383"}))}
    d = decide(
        snap(prof("W", "in_watchlist('boxes', importer_id)", 5), lists=lists), rows(aeo=True)
    )
    assert d.channel == "red"
    assert {
        "kind": "watchlist",
        "list": "boxes",
        "field": "containers",
        "value": "CSQU3054383",
        "score": 50,
        "min_channel": "red",
    } in d.reasons
    assert not any(r.get("code") == "W" for r in d.reasons)


def test_random_draw_is_keyed_and_replays() -> None:
    policy = PolicyConfig(random_share=0.5)
    picked = [
        i
        for i in range(400)
        if any(
            r["kind"] == "random"
            for r in decide(snap(policy=policy), rows(declaration_id=f"D{i}")).reasons
        )
    ]
    assert 150 < len(picked) < 250
    again = [
        i
        for i in range(400)
        if any(
            r["kind"] == "random"
            for r in decide(snap(policy=policy), rows(declaration_id=f"D{i}")).reasons
        )
    ]
    assert picked == again
    other = Snapshot(1, policy, 1, [], {}, b"another-secret")
    assert picked != [
        i
        for i in range(400)
        if any(r["kind"] == "random" for r in decide(other, rows(declaration_id=f"D{i}")).reasons)
    ]


def test_random_share_by_office_overrides_overall() -> None:
    policy = PolicyConfig(random_share=0.0, random_share_by_office={"0042": 1.0})
    d = decide(snap(policy=policy), rows())
    assert d.channel == "red" and d.reasons[-1]["kind"] == "random"
    assert decide(snap(policy=policy), rows(office_code="0099")).channel == "green"


def test_capacity_downgrades_red_but_not_security_or_random() -> None:
    policy = PolicyConfig(random_share=0.0, red_capacity_by_office={"0042": 2})
    s = snap(prof("R", "hs4 = '8517'", 70), policy=policy)
    assert decide(s, rows(), reds_so_far=1).channel == "red"
    full = decide(s, rows(), reds_so_far=2)
    assert full.channel == "yellow" and full.reasons[-1]["kind"] == "quota"
    sec = snap(prof("S", "hs4 = '8517'", 70, category="security", min_channel="red"), policy=policy)
    assert decide(sec, rows(), reds_so_far=5).channel == "red"


def test_selection_rate_selects_a_share_of_matches() -> None:
    s = snap(prof("HALF", "hs4 = '8517'", 40, rate=0.3))
    chosen = sum(decide(s, rows(declaration_id=f"D{i}")).channel == "yellow" for i in range(1000))
    assert 230 < chosen < 370


def test_draw_threshold_orders_like_numbers() -> None:
    assert threshold_hex(0.0) == "0" * 13 and threshold_hex(1.0) > "f" * 13
    digits = draw_hex(SECRET, "D1", 1, "random")
    value = int(digits, 16) / 16**13
    assert selected(SECRET, "D1", 1, "random", value + 1e-9)[0]
    assert not selected(SECRET, "D1", 1, "random", max(value - 1e-9, 0))[0]
