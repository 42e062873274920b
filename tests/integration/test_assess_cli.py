"""Live assessment, replay, control results, bulk assessment, backtest and effectiveness via the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from icrms.settings import Settings

KCS = Path(
    os.environ.get(
        "ICRMS_KCS_DATA", Path(__file__).resolve().parents[3] / "shared" / "data" / "kcs-synthetic"
    )
)

PROFILES = """
- code: REV-FTA-MISMATCH
  name: Preference with origin and export country apart
  purpose: FTA preference claimed where origin differs from the export country.
  category: revenue
  criteria: preference LIKE 'F%' AND country_of_origin <> country_of_export
  score: 40
- code: REV-LOW-VALUE-CN
  name: Low unit value from China
  purpose: Goods from China declared under 1,000 KRW per kg.
  category: revenue
  criteria: country_of_origin = 'CN' AND unit_value < 1000
  score: 35
  selection_rate: 0.5
"""

DECLARATION = {
    "declaration_id": "2026-0042-000123",
    "lodged_at": "2026-03-02T09:14:00+09:00",
    "office_code": "0042",
    "importer_id": "TIN-553201",
    "country_of_export": "CN",
    "transport_mode": "1",
    "currency": "USD",
    "containers": ["CSQU3054383"],
    "items": [
        {
            "item_no": 1,
            "hs_code": "8517130000",
            "country_of_origin": "VN",
            "preference": "FTA-ASEAN",
            "net_mass_kg": 110.0,
            "customs_value": 41000.0,
        }
    ],
}


def icrms(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "icrms", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "ICRMS_POLICY_SECRET": "test-policy-secret"},
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture
def profiles_file(workspace: Settings, tmp_path: Path) -> Path:
    path = tmp_path / "profiles.yaml"
    path.write_text(PROFILES)
    return path


def test_live_assessment_replays_identically(profiles_file: Path, tmp_path: Path) -> None:
    icrms("profiles", "add", str(profiles_file))
    icrms("profiles", "activate", "REV-FTA-MISMATCH", "--approved-by", "second-analyst")
    declaration = tmp_path / "declaration.json"
    declaration.write_text(json.dumps(DECLARATION))
    assessment = json.loads(icrms("assess", "live", str(declaration), "--json").stdout)
    assert assessment["channel"] == "yellow" and assessment["score"] == 40
    assert assessment["reasons"][0]["code"] == "REV-FTA-MISMATCH" and assessment["reasons"][0][
        "items"
    ] == [1]
    # a new version does not change the past (an active profile is suspended, edited, approved)
    icrms("profiles", "suspend", "REV-FTA-MISMATCH")
    icrms("profiles", "edit", "REV-FTA-MISMATCH", "--score", "90")
    icrms("profiles", "activate", "REV-FTA-MISMATCH", "--approved-by", "second-analyst")
    replay = json.loads(icrms("assess", "replay", str(assessment["id"]), "--json").stdout)
    assert replay["identical"] is True and replay["replayed"] == {"channel": "yellow", "score": 40}
    again = json.loads(icrms("assess", "live", str(declaration), "--json").stdout)
    assert again["score"] == 90 and again["id"] != assessment["id"]
    result = json.loads(
        icrms(
            "controls",
            "record",
            "--declaration",
            DECLARATION["declaration_id"],
            "--outcome",
            "irregularity",
            "--types",
            "false_origin",
            "--extra-revenue",
            "3280",
            "--json",
        ).stdout
    )
    assert (result["selection"], result["assessment_id"]) == ("targeted", again["id"])


def test_refused_changes_say_why_and_change_nothing(profiles_file: Path) -> None:
    icrms("profiles", "add", str(profiles_file))
    bad = icrms(
        "profiles", "edit", "REV-FTA-MISMATCH", "--criteria", "preferense = 'F'", check=False
    )
    assert bad.returncode == 2 and "preferense" in bad.stderr
    missing = icrms("watchlists", "add", "nope", "TIN-1", "--reason", "x", check=False)
    assert missing.returncode == 2 and "watchlist nope not found" in bad.stderr + missing.stderr
    shown = json.loads(icrms("profiles", "show", "REV-FTA-MISMATCH", "--history", "--json").stdout)
    assert [p["version"] for p in shown] == [1]


def test_backtest_and_effectiveness_on_kcs(profiles_file: Path) -> None:
    icrms("ingest", "--format", "kcs", str(KCS / "df_syn_train_eng.csv"))
    report = json.loads(
        icrms(
            "profiles",
            "backtest",
            str(profiles_file),
            "--from",
            "2020-01-01",
            "--to",
            "2020-06-30",
            "--json",
        ).stdout
    )
    fta, low = report
    assert (
        fta["matches"] > 300
        and fta["selections"] == fta["matches"]
        and fta["controls"] == fta["selections"]
    )
    assert fta["baseline_source"] == "all_controls" and 0.1 < fta["baseline_hit_rate"] < 0.4
    assert fta["lift"] == pytest.approx(fta["hit_rate"] / fta["baseline_hit_rate"], rel=1e-2)
    assert 0.4 * low["matches"] < low["selections"] < 0.6 * low["matches"]
    assert sum(fta["daily_load_by_office"].values()) == pytest.approx(
        fta["selections"] / 181, abs=0.05
    )
    icrms("profiles", "add", str(profiles_file))
    icrms("profiles", "activate", "REV-FTA-MISMATCH", "--approved-by", "second-analyst")
    icrms("profiles", "activate", "REV-LOW-VALUE-CN", "--approved-by", "second-analyst")
    bulk = json.loads(
        icrms("assess", "--from", "2020-01-01", "--to", "2020-12-31", "--json").stdout
    )
    assert bulk["declarations"] == 37_385 and bulk["profiles"] == 2
    result = json.loads(icrms("profiles", "effectiveness", "--json").stdout)
    rows = {r["code"]: r for r in result["profiles"]}
    assert result["baseline"]["source"] == "all_controls"
    assert rows["REV-FTA-MISMATCH"]["controls"] == rows["REV-FTA-MISMATCH"]["selected"] > 0
    assert rows["REV-FTA-MISMATCH"]["hits"] <= rows["REV-FTA-MISMATCH"]["controls"]


def test_profiles_export_import_round_trip(
    profiles_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    icrms("profiles", "add", str(profiles_file))
    icrms("profiles", "activate", "REV-FTA-MISMATCH", "--approved-by", "second-analyst")
    exported = tmp_path / "exported.json"
    icrms("profiles", "export", "--format", "json", "--out", str(exported))
    monkeypatch.setenv("ICRMS_HOME", str(tmp_path / "other"))
    result = json.loads(icrms("profiles", "import", str(exported), "--json").stdout)
    assert [(r["code"], r["outcome"]) for r in result] == [
        ("REV-FTA-MISMATCH", "added"),
        ("REV-LOW-VALUE-CN", "added"),
    ]
    listed = json.loads(icrms("profiles", "list", "--json").stdout)
    assert {p["status"] for p in listed} == {"draft"}, (
        "an imported profile is never switched on by itself"
    )
    assert (
        json.loads(icrms("profiles", "import", str(exported), "--json").stdout)[0]["outcome"]
        == "unchanged"
    )


def test_policy_versions_and_control_results_from_a_file(
    workspace: Settings, tmp_path: Path
) -> None:
    assert json.loads(icrms("policy", "show", "--json").stdout)["version"] == 1
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "red_threshold: 50\nrandom_share: 0.05\nred_capacity_by_office: {'0042': 10}\n"
    )
    assert json.loads(icrms("policy", "set", str(policy), "--json").stdout)["version"] == 2
    policy.write_text("red_threshold: 10\nyellow_threshold: 20\n")
    refused = icrms("policy", "set", str(policy), check=False)
    assert refused.returncode == 2 and "red_threshold" in refused.stderr
    assert json.loads(icrms("policy", "show", "--json").stdout)["red_threshold"] == 50
    results = tmp_path / "results.csv"
    results.write_text(
        "declaration_id,controlled_at,outcome,selection,irregularity_types,extra_revenue,seizure_goods\n"
        "D1,2026-03-03T10:00:00Z,irregularity,random,undervaluation,1200,\n"
        "D2,2026-03-03T11:00:00Z,seizure,targeted,drugs,0,\n"
        "D3,2026-03-03T12:00:00Z,no_finding,targeted,,0,\n"
    )
    report = json.loads(icrms("controls", "import", str(results), "--json").stdout)
    assert (report["rows_in"], report["stored"]) == (3, 2)
    assert report["rejected"][0]["row"] == 3 and "seizure_goods" in report["rejected"][0]["reason"]
    etl = json.loads(icrms("warehouse", "etl", "--json").stdout)
    assert etl["control_results"] == 2


def test_assess_a_file_in_bulk(profiles_file: Path) -> None:
    icrms("profiles", "add", str(profiles_file))
    icrms("profiles", "activate", "REV-FTA-MISMATCH", "--approved-by", "second-analyst")
    result = json.loads(
        icrms("assess", str(KCS / "df_syn_valid_eng.csv"), "--format", "kcs", "--json").stdout
    )
    assert result["declarations"] == 8_134 and result["profiles"] == 1
    assert result["channels"]["yellow"] > 0 and sum(result["channels"].values()) == 8_134
    again = json.loads(
        icrms("assess", str(KCS / "df_syn_valid_eng.csv"), "--format", "kcs", "--json").stdout
    )
    assert again["channels"] == result["channels"], "the same inputs give the same channels"
    stats = json.loads(icrms("warehouse", "stats", "--json").stdout)
    assert stats["fact_assessment"] == 8_134 and stats["fact_item"] == 8_134
