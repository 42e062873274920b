"""Threat analysis finds the planted emerging route, and drafts a profile from it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from icrms.core.db import Store
from icrms.generator import generate
from icrms.ingest.flows import ingest_file
from icrms.kpis.threats import benjamini_hochberg, draft_profile, find_threats
from icrms.profiles.service import get_profile
from icrms.settings import Settings
from icrms.warehouse.duckdb import DuckDBWarehouse


def test_benjamini_hochberg_matches_the_textbook_example() -> None:
    # Benjamini & Hochberg (1995)-style step-up: q_(i) = min_{j >= i} p_(j) * m / j
    p = [0.01, 0.04, 0.03, 0.005, 0.2]
    assert benjamini_hochberg(p) == pytest.approx([0.025, 0.05, 0.05, 0.025, 0.2])
    assert benjamini_hochberg([]) == []


def test_the_planted_emerging_route_is_found_and_drafted(
    tmp_path: Path, workspace: Settings
) -> None:
    data = tmp_path / "declarations.parquet"
    generate(20_000, 7, data)
    with DuckDBWarehouse(tmp_path / "w.duckdb") as wh:
        ingest_file(wh, data, fmt="native", settings=workspace)
        found = find_threats(wh, as_of=date(2025, 12, 31), window_days=122, measure="seizure")
        before = find_threats(wh, as_of=date(2025, 8, 31), window_days=122, measure="seizure")
    reported = [t for t in found if t.significant]
    assert [t.segment for t in reported] == ["0901-BR-1"]
    threat = reported[0]
    assert threat.history_hits == 0 and threat.recent_hits >= 10
    assert threat.q_value < 0.01 and len(found) > 50  # many segments tested, one reported
    assert [m["month"] for m in threat.monthly][-4:] == ["2025-09", "2025-10", "2025-11", "2025-12"]
    assert not any(t.significant for t in before)  # nothing to find before the route started
    store = Store(workspace.store_url)
    with store.session() as s:
        drafted = draft_profile(s, threat=threat)
    with store.session() as s:
        profile = get_profile(s, code="THREAT-0901-BR-1")
    assert profile.status == "draft" == drafted.status
    assert profile.criteria == "hs4 = '0901' AND country_of_export = 'BR' AND transport_mode = '1'"
    store.dispose()
