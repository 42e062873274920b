"""The command line ingests and assesses in bulk while ``icrms serve`` takes submissions.

The server opens the DuckDB warehouse only inside a job or a page read, so the command line can
hold it meanwhile; live submissions touch only the store (SQLite in WAL mode here).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from icrms.settings import Settings
from tests.factories import declaration_json, native_row, write_csv


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_cli_ingest_and_bulk_assess_while_serving(workspace: Settings, tmp_path: Path) -> None:
    env = {**os.environ, "ICRMS_POLICY_SECRET": "serve-cli-test-secret-0123456789"}

    def icrms(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "icrms", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "icrms", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, server.stderr.read()  # type: ignore[union-attr]
            time.sleep(0.3)
        issued = icrms("tokens", "create", "--name", "cdps", "--role", "system", "--json")
        assert issued.returncode == 0, issued.stderr
        headers = {"Authorization": f"Bearer {json.loads(issued.stdout)['token']}"}
        statuses: list[int] = []
        stop = threading.Event()

        def submit() -> None:
            n = 1000
            with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
                while not stop.wait(0.05):  # steady submissions, not a CPU race with the CLI
                    n += 1
                    statuses.append(
                        http.post("/api/v1/declarations", json=declaration_json(n)).status_code
                    )

        thread = threading.Thread(target=submit)
        thread.start()
        rows = [native_row(i, lodged_at="2026-03-05T10:00:00+00:00") for i in range(1, 201)]
        path = write_csv(tmp_path / "history.csv", rows)
        ingest = icrms("ingest", str(path), "--json")
        assess = icrms("assess", "--from", "2026-03-01", "--to", "2026-03-31", "--json")
        stop.set()
        thread.join()
        assert ingest.returncode == 0, ingest.stderr
        assert json.loads(ingest.stdout)["loaded"] == 200
        assert assess.returncode == 0, assess.stderr
        assert json.loads(assess.stdout)["declarations"] == 200
        assert len(statuses) > 5 and set(statuses) == {201}
        assert server.poll() is None
    finally:
        server.terminate()
        server.wait(timeout=20)
