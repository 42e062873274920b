"""The server shares the DuckDB warehouse with other processes (one writing process at a time).

The server never keeps the file open: live submissions do not touch it, pages and reads open
it per request and answer 503 with Retry-After while another process writes, jobs wait for it.
(tests/integration/test_serve_cli.py runs ``icrms ingest`` and ``icrms assess`` while serving.)
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from icrms.ingest.flows import ingest_file
from icrms.settings import Settings
from icrms.warehouse.base import open_warehouse
from tests.api.conftest import Headers
from tests.factories import declaration_json, native_row, write_csv

HOLD = (  # another process with the warehouse file open for writing, until told to stop
    "import sys, duckdb\n"
    "held = duckdb.connect(sys.argv[1])\n"
    "print('held', flush=True); sys.stdin.readline(); held.close()\n"
)


def _job(client: TestClient, headers: Headers, job_id: int, until: set[str]) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/api/v1/jobs/{job_id}", headers=headers).json()
        if job["status"] in until or any(s in (job["message"] or "") for s in until):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} never reached {until}: {job}")


def test_while_another_process_writes_the_warehouse_submissions_go_on_and_jobs_wait(
    app: FastAPI,
    app_settings: Settings,
    system: Headers,
    analyst: Headers,
    tmp_path: Path,
) -> None:
    rows = [
        native_row(i, lodged_at=f"2026-03-{1 + i % 20:02d}T09:00:00+00:00") for i in range(1, 21)
    ]
    with open_warehouse(app_settings) as wh:
        ingest_file(
            wh, write_csv(tmp_path / "history.csv", rows), fmt="native", settings=app_settings
        )
    with TestClient(app, base_url="https://testserver") as client:
        app.state.jobs.start()
        holder = subprocess.Popen(
            [sys.executable, "-c", HOLD, str(app_settings.warehouse_path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
            during = client.post("/api/v1/declarations", headers=system, json=declaration_json(9))
            assert during.status_code == 201, during.text  # live submissions use the store only
            drift = client.get("/api/v1/models/any/drift", headers=analyst)
            assert drift.status_code == 503, drift.text
            assert drift.headers["Retry-After"] and "busy" in drift.json()["detail"]
            queued = client.post(
                "/api/v1/jobs/assess",
                headers=analyst,
                json={"date_from": "2026-03-01", "date_to": "2026-03-31"},
            ).json()
            waiting = _job(client, analyst, queued["id"], {"waiting"})
            assert waiting["status"] == "running", waiting
        finally:
            assert holder.stdin is not None
            holder.stdin.write("\n")
            holder.stdin.flush()
            holder.wait(timeout=60)
        try:
            finished = _job(client, analyst, queued["id"], {"succeeded", "failed"})
        finally:
            app.state.jobs.stop()
    assert finished["status"] == "succeeded", finished
    assert sum(finished["result"]["channels"].values()) == 20
