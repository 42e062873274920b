"""Threat analysis finds the planted emerging route, and drafts a profile from it."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from scipy.stats import fisher_exact
from typer.testing import CliRunner

from icrms.cli import app
from icrms.core.db import Store
from icrms.generator import generate
from icrms.ingest.flows import ingest_file
from icrms.kpis.flows import draft_profile
from icrms.kpis.reports import monthly_report
from icrms.kpis.threats import (
    benjamini_hochberg,
    find_threats,
    last_control_day,
    smallest_p_value,
)
from icrms.profiles.service import get_profile
from icrms.settings import Settings
from icrms.warehouse.duckdb import DuckDBWarehouse
from icrms.web.reports import render_monthly


def test_benjamini_hochberg_matches_the_textbook_example() -> None:
    # Benjamini & Hochberg (1995)-style step-up: q_(i) = min_{j >= i} p_(j) * m / j
    p = [0.01, 0.04, 0.03, 0.005, 0.2]
    assert benjamini_hochberg(p) == pytest.approx([0.025, 0.05, 0.05, 0.025, 0.2])
    assert benjamini_hochberg([]) == []


@pytest.mark.parametrize(
    ("recent", "history", "hits"), [(5, 20, 3), (4, 4, 6), (30, 10, 1), (3, 9, 0)]
)
def test_the_smallest_p_value_is_that_of_every_hit_in_the_recent_window(
    recent: int, history: int, hits: int
) -> None:
    most = min(hits, recent)
    table = [[most, recent - most], [hits - most, history - (hits - most)]]
    expected = fisher_exact(table, alternative="greater")[1] if hits else 1.0
    assert smallest_p_value(recent, history, hits) == pytest.approx(expected)


def test_the_planted_emerging_route_is_found_and_drafted(
    tmp_path: Path, workspace: Settings
) -> None:
    data = tmp_path / "declarations.parquet"
    generate(20_000, 7, data)  # the demo's data
    with DuckDBWarehouse(workspace.warehouse_path) as wh:
        ingest_file(wh, data, fmt="native", settings=workspace)
        found = find_threats(wh, as_of=date(2025, 12, 31), window_days=122, measure="seizure")
        before = find_threats(wh, as_of=date(2025, 8, 31), window_days=122, measure="seizure")
        # with every default: the 90 days to the last control, finding and seizure rates
        assert last_control_day(wh) == date(2025, 12, 31)
        defaults = [(t.segment, t.measure) for t in find_threats(wh) if t.significant]
        october = monthly_report(wh, period="2025-10")
    assert defaults == [("0901-BR-1", "seizure")]
    assert [(t.segment, t.measure) for t in october.threats] == [("0901-BR-1", "seizure")]
    assert "0901-BR-1" in render_monthly(october)
    shown = CliRunner().invoke(app, ["threats", "--json"])
    assert shown.exit_code == 0, shown.output
    listed = json.loads(shown.stdout)
    assert [t["segment"] for t in listed["threats"]] == ["0901-BR-1"]
    assert listed["tested"] > listed["testable"] > 0  # most segments could never be significant
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
