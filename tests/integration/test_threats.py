"""Threat analysis finds the planted emerging route, and drafts a profile from it."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from scipy.stats import fisher_exact
from typer.testing import CliRunner

from icrms.cli import app
from icrms.core.db import Store
from icrms.exchange import objects as objs
from icrms.exchange.tables import InboxItemRow
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
        tested = find_threats(wh)
        reported_before = [t for t in tested if t.significant]
        defaults = [(t.segment, t.measure) for t in reported_before]
        october = monthly_report(wh, period="2025-10")
    assert defaults == [("0901-BR-1", "seizure")]
    assert [(t.segment, t.measure) for t in october.threats] == [("0901-BR-1", "seizure")]
    assert "0901-BR-1" in render_monthly(october)
    # a partner's seizures, accepted into our intelligence, raise a quiet segment of ours and one
    # we have no controls on; the reported segment stays first, on our own evidence
    quiet = next(t for t in tested if t.segment not in {r.segment for r in reported_before})
    with Store(workspace.store_url).session() as s:
        for n, (hs4, country, mode) in enumerate(
            [(quiet.hs4, quiet.country_of_export, quiet.transport_mode), ("2402", "PY", "3")]
        ):
            case = {"seized_on": "2025-12-15", "country": "XB", "goods_description": "goods",
                    "hs_code": f"{hs4}000000", "offence_types": ["drugs"], "transport_mode": mode,
                    "country_of_departure": country, "case_reference": f"XB-{n}"}  # fmt: skip
            obj = objs.seizure("identity--x", case, "amber", datetime.now(UTC))
            s.add(
                InboxItemRow(
                    issuer="XB",
                    bundle_id=f"b{n}",
                    object_id=obj["id"],
                    object_version=obj["modified"],
                    object_type=obj["type"],
                    tlp="amber",
                    title="seizure",
                    payload=obj,
                    received_at=datetime.now(UTC),
                    state="accepted",
                )
            )
    etl = CliRunner().invoke(app, ["warehouse", "etl", "--json"])  # feeds the warehouse
    assert etl.exit_code == 0, etl.output
    assert json.loads(etl.stdout)["partner_information"] == 2
    shown = CliRunner().invoke(app, ["threats", "--json"])
    assert shown.exit_code == 0, shown.output
    listed = json.loads(shown.stdout)
    segments = [t["segment"] for t in listed["threats"]]
    assert segments[0] == "0901-BR-1" and set(segments[1:]) == {quiet.segment, "2402-PY-3"}
    assert listed["reported"] == 1 and listed["raised_by_partner"] == len(segments) - 1
    raised = [t for t in listed["threats"] if t["raised_by_partner"]]
    assert {t["partner"][0]["reference"] for t in raised} == {"XB-0", "XB-1"}
    assert not listed["threats"][0]["partner"]
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
