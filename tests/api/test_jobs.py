"""Jobs: uploaded ingest and bulk assessment with progress, cancel, recovery after a restart."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from icrms.core.clock import now
from icrms.core.db import Store
from icrms.jobs.tables import JobRow
from icrms.settings import Settings
from tests.api.conftest import Headers
from tests.factories import native_row, write_csv


def _wait(
    client: TestClient, headers: Headers, job_id: int, timeout: float = 120
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/v1/jobs/{job_id}", headers=headers).json()
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return job  # type: ignore[no-any-return]
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish: {job}")


def _csv(tmp_path: Path, n: int = 30) -> Path:
    rows = [
        native_row(i, lodged_at=f"2026-03-{1 + i % 20:02d}T09:00:00+00:00") for i in range(1, n + 1)
    ]
    return write_csv(tmp_path / "declarations.csv", rows)


def test_upload_ingest_then_assess_in_bulk(
    app: FastAPI, analyst: Headers, manager: Headers, tmp_path: Path
) -> None:
    path = _csv(tmp_path)
    with TestClient(app, base_url="https://testserver") as client:
        app.state.jobs.start()
        try:
            upload = client.post(
                "/api/v1/jobs/ingest",
                headers=analyst,
                files={"file": ("history.csv", path.read_bytes(), "text/csv")},
                data={"fmt": "native"},
            )
            assert upload.status_code == 202, upload.text
            ingest = _wait(client, manager, upload.json()["id"])
            assert ingest["status"] == "succeeded", ingest
            assert ingest["result"]["loaded"] == 30 and ingest["done"] >= 30
            queued = client.post(
                "/api/v1/jobs/assess",
                headers=analyst,
                json={"date_from": "2026-03-01", "date_to": "2026-03-31"},
            )
            assessed = _wait(client, manager, queued.json()["id"])
            assert assessed["status"] == "succeeded", assessed
            assert assessed["result"]["declarations"] == 30
            assert sum(assessed["result"]["channels"].values()) == 30
        finally:
            app.state.jobs.stop()
        listed = client.get("/api/v1/jobs", headers=manager).json()
        assert [j["kind"] for j in listed] == ["assess", "ingest"]
        bad = client.post(
            "/api/v1/jobs/ingest",
            headers=analyst,
            files={"file": ("notes.txt", b"x", "text/plain")},
        )
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "file"


def test_cancel_a_queued_job(client: TestClient, analyst: Headers) -> None:
    queued = client.post(
        "/api/v1/jobs/assess",
        headers=analyst,
        json={"date_from": "2026-01-01", "date_to": "2026-01-31"},
    ).json()
    cancelled = client.post(f"/api/v1/jobs/{queued['id']}/cancel", headers=analyst).json()
    assert cancelled["status"] == "cancelled"
    assert client.post(f"/api/v1/jobs/{queued['id']}/cancel", headers=analyst).status_code == 409
    bad = client.post(
        "/api/v1/jobs/assess",
        headers=analyst,
        json={"date_from": "2026-02-01", "date_to": "2026-01-01"},
    )
    assert bad.status_code == 422


def test_jobs_interrupted_by_a_restart_resume_or_fail(
    app_settings: Settings, api_store: Store, tmp_path: Path, manager: Headers
) -> None:
    path = _csv(tmp_path, 12)
    with api_store.session() as s:
        for kind, params in (
            ("ingest", {"path": str(path), "fmt": "native", "name": "d.csv"}),
            ("assess", {"date_from": "2026-03-01", "date_to": "2026-03-31"}),
        ):
            s.add(
                JobRow(
                    kind=kind,
                    params=params,
                    status="running",
                    done=5,
                    message="working",
                    created_by="ana",
                    created_at=now(),
                    started_at=now(),
                    cancel_requested=False,
                    attempts=1,
                )
            )
    from icrms.api.app import create_app

    restarted = create_app(app_settings, store=api_store)
    with TestClient(
        restarted, base_url="https://testserver"
    ) as client:  # the lifespan starts the runner
        ingest, assess = (_wait(client, manager, i) for i in (1, 2))
        assert client.get("/readyz").json()["checks"]["jobs"] == "ok"
    assert ingest["status"] == "succeeded" and ingest["result"]["loaded"] == 12
    assert ingest["attempts"] == 2
    assert assess["status"] == "failed" and "restart" in assess["error"]


def test_the_command_line_queues_and_follows_a_job(
    app_settings: Settings, api_store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from icrms.cli import app as cli
    from icrms.jobs.runner import JobRunner
    from icrms.settings import get_settings

    monkeypatch.setenv("ICRMS_DATABASE_URL", api_store.url)
    get_settings.cache_clear()
    path = _csv(tmp_path, 8)
    with api_store.session() as s:
        from icrms.jobs import service

        service.submit(s, kind="ingest", params={"path": str(path), "fmt": "native"}, actor="ana")
    queued = CliRunner().invoke(
        cli, ["jobs", "assess", "--from", "2026-03-01", "--to", "2026-03-31", "--json"]
    )
    assert queued.exit_code == 0, queued.output
    job_id = json.loads(queued.stdout)["id"]
    runner = JobRunner(api_store, app_settings)
    assert runner.run_once() and runner.run_once()
    waited = CliRunner().invoke(cli, ["jobs", "wait", str(job_id), "--json"])
    assert waited.exit_code == 0, waited.output
    assert json.loads(waited.stdout)["result"]["declarations"] == 8
    listed = CliRunner().invoke(cli, ["jobs", "list"])
    assert "assess" in listed.output and "succeeded" in listed.output
