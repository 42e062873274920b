"""``icrms ingest`` end to end: the KCS files, a second run, and a run killed with SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from icrms.settings import Settings
from icrms.warehouse.duckdb import DuckDBWarehouse

KCS = Path(
    os.environ.get(
        "ICRMS_KCS_DATA", Path(__file__).resolve().parents[3] / "shared" / "data" / "kcs-synthetic"
    )
)


def icrms(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "icrms", *args],
        capture_output=True,
        text=True,
        env=env or dict(os.environ),
        timeout=300,
    )


@pytest.mark.parametrize(("split", "rows"), [("train", 37_385), ("valid", 8_134), ("test", 8_481)])
def test_kcs_files_load_every_row_once(split: str, rows: int, workspace: Settings) -> None:
    path = KCS / f"df_syn_{split}_eng.csv"
    first = json.loads(icrms("ingest", "--format", "kcs", str(path), "--json").stdout)
    assert (first["rows_in"], first["loaded"], first["quarantined"], first["new"]) == (
        rows,
        rows,
        0,
        rows,
    )
    second = json.loads(icrms("ingest", "--format", "kcs", str(path), "--json").stdout)
    assert (second["rows_in"], second["loaded"], second["new"]) == (rows, rows, 0)
    with DuckDBWarehouse(workspace.warehouse_path) as wh:
        assert wh.count("fact_item") == rows
        assert wh.count("fact_control") == rows
        frauds = wh.sql(
            "SELECT count(*) AS n FROM fact_control WHERE outcome = 'irregularity'"
        ).to_pylist()[0]["n"]
        assert 0.15 * rows < frauds < 0.3 * rows


def test_unknown_format_is_a_clear_error(workspace: Settings, tmp_path: Path) -> None:
    result = icrms("ingest", "--format", "xml", str(KCS / "df_syn_valid_eng.csv"))
    assert result.returncode == 2
    assert "--format='xml'" in result.stderr


def test_ingest_killed_with_sigkill_resumes_to_exactly_once(workspace: Settings) -> None:
    path = KCS / "df_syn_train_eng.csv"
    env = {**os.environ, "ICRMS_INGEST__BATCH_ROWS": "1500", "ICRMS_LOG_LEVEL": "INFO"}
    process = subprocess.Popen(
        [sys.executable, "-m", "icrms", "ingest", "--format", "kcs", str(path), "--json"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    committed = 0
    for line in process.stderr:  # kill as soon as three batches are committed
        committed += "ingest.batch_committed" in line
        if committed == 3:
            break
    process.send_signal(signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL
    resumed = json.loads(icrms("ingest", "--format", "kcs", str(path), "--json", env=env).stdout)
    assert resumed["rows_in"] == resumed["loaded"] + resumed["quarantined"] == 37_385
    assert 0 < resumed["batches_resumed"] < resumed["batches"], "the kill should land mid-file"
    assert 0 < resumed["new"] < 37_385
    with DuckDBWarehouse(workspace.warehouse_path) as wh:
        counts = wh.sql(
            "SELECT count(*) AS n, count(DISTINCT (declaration_id, version, item_no)) AS keys FROM fact_item"
        ).to_pylist()[0]
        assert counts == {"n": 37_385, "keys": 37_385}
        assert wh.count("fact_control") == 37_385
