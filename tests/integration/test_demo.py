"""``icrms demo`` end to end on a small data set: every step runs and the summary adds up."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from icrms.settings import Settings


def test_demo_runs_the_whole_chain(workspace: Settings) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "icrms", "demo", "--declarations", "3000", "--no-serve", "--json"],
        capture_output=True,
        text=True,
        timeout=600,
        env=dict(os.environ),
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    ingest = summary["ingest"]
    assert ingest["rows_in"] == ingest["loaded"] == summary["generated"]["item_rows"]
    assert sum(summary["channels"].values()) == 3000
    assert summary["profiles"]["active"] == 24
    assert summary["replay_identical"] is True
    assert summary["model"]["version"]
    assert any("model" in a["reasons"] for a in summary["live"])
    assert summary["backtest"]["matches"] >= summary["backtest"]["selections"] > 0
    assert {r["code"] for r in summary["effectiveness"]} >= {
        "REV-FO-ASEAN-FROM-CN",
        "DRUGS-BANANAS-SEA",
    }
    assert summary["baseline"]["source"] == "random_controls"
    live = summary["live_submissions"]
    assert live["declarations"] == sum(live["channels"].values()) > 0
    assert {u["role"] for u in summary["users"]} == {"admin", "analyst", "officer", "manager"}
    assert all(len(u["password"]) >= 12 for u in summary["users"])
    assert (workspace.home / "demo-users.txt").stat().st_mode & 0o077 == 0
    kpis = summary["kpis"]
    assert 0 < kpis["inspection_rate"] < 0.2
    assert kpis["release_median_hours"]["red"] > kpis["release_median_hours"]["green"]
    assert kpis["report"].endswith("monthly-2025-10.html")
    exchange = summary["exchange"]
    assert [r["status"] for r in exchange["received"]] == ["accepted"]
    assert exchange["adopted"] == "DEMO-B.DRG-COFFEE-BR"
    back = exchange["feedback"]
    assert back["sightings_sent"] == (1 if back["selected_live"] else 0)
    assert back["partner_sees"] == (
        [{"indicator": "DRG-COFFEE-BR", "from": "DEMO-A", "hits": back["seizures"]}]
        if back["selected_live"]
        else []
    )


def test_demo_refuses_to_replace_a_workspace_with_other_data(workspace: Settings) -> None:
    (workspace.home / "icrms.sqlite").write_text("real data")
    result = subprocess.run(
        [sys.executable, "-m", "icrms", "demo", "--declarations", "100"],
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ),
    )
    assert result.returncode == 2 and "not from a demo" in result.stderr
    assert (workspace.home / "icrms.sqlite").read_text() == "real data"
