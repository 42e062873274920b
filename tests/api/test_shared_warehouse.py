"""The server and the command line share the DuckDB warehouse (one writing process at a time).

The server never keeps the file open: live submissions do not touch it, pages and reads open
it per request and answer 503 with Retry-After while another process writes, jobs wait for it.
So ``icrms ingest`` and ``icrms assess`` run while the server serves.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from icrms.core.db import Store
from icrms.settings import Settings
from tests.api.conftest import Headers
from tests.factories import declaration_json, native_row, write_csv

HOLD = (  # another process with the warehouse file open for writing, until told to stop
    "import sys, duckdb\n"
    "held = duckdb.connect(sys.argv[1])\n"
    "print('held', flush=True); sys.stdin.readline(); held.close()\n"
)


def _cli(env: dict[str, str], *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "icrms", *args, "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def _job(client: TestClient, headers: Headers, job_id: int, until: set[str]) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/api/v1/jobs/{job_id}", headers=headers).json()
        if job["status"] in until or any(s in (job["message"] or "") for s in until):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} never reached {until}: {job}")


def test_ingest_and_bulk_assessment_run_while_the_server_serves(
    app: FastAPI,
    app_settings: Settings,
    api_store: Store,
    system: Headers,
    analyst: Headers,
    tmp_path: Path,
) -> None:
    env = {
        **os.environ,
        "ICRMS_HOME": str(app_settings.home),
        "ICRMS_DATABASE_URL": api_store.url,
        "ICRMS_POLICY_SECRET": app_settings.selectivity_secret().decode(),
    }
    rows = [
        native_row(i, lodged_at=f"2026-03-{1 + i % 20:02d}T09:00:00+00:00") for i in range(1, 21)
    ]
    history = write_csv(tmp_path / "history.csv", rows)
    with TestClient(app, base_url="https://testserver") as client:
        app.state.jobs.start()
        try:
            # the command line ingests and assesses in its own process while the server answers
            before = client.post(
                "/api/v1/declarations", headers=system, json=declaration_json(9001)
            )
            assert before.status_code == 201, before.text
            loaded = _cli(env, "ingest", str(history))
            assert loaded["loaded"] == 20, loaded
            assessed = _cli(env, "assess", "--from", "2026-03-01", "--to", "2026-03-31")
            assert sum(assessed["channels"].values()) == 20, assessed
            after = client.post("/api/v1/declarations", headers=system, json=declaration_json(9002))
            assert after.status_code == 201, after.text

            # while another process holds the warehouse: live submissions go on, a page that
            # reads it says so, a bulk assessment job waits and runs once the file is free
            holder = subprocess.Popen(
                [sys.executable, "-c", HOLD, str(app_settings.warehouse_path)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            try:
                assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
                during = client.post(
                    "/api/v1/declarations", headers=system, json=declaration_json(9003)
                )
                assert during.status_code == 201, during.text
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
            finished = _job(client, analyst, queued["id"], {"succeeded", "failed"})
            assert finished["status"] == "succeeded", finished
            assert sum(finished["result"]["channels"].values()) == 20
        finally:
            app.state.jobs.stop()
