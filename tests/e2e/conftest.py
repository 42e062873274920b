"""Browser fixtures: the app served by uvicorn on a free port, and a Chromium page (Playwright).

Screenshots go under the test's tmp dir (``shot(page, name)``), kept as artifacts, never committed.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from pydantic import SecretStr

from icrms.api.app import create_app
from icrms.auth import service as auth
from icrms.auth.schemas import Role, UserCreate
from icrms.core.db import Store
from icrms.settings import Settings
from tests.factories import seed_rules

PASSWORD = "correct horse battery"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class Served:
    """A running server: its base URL, store and settings."""

    url: str
    store: Store
    settings: Settings

    def seed_rules(self) -> None:
        """An active phones profile and a red trader watchlist (as in the API tests)."""
        seed_rules(self.store)

    def submit(self, body: dict[str, object]) -> dict[str, object]:
        """Submit a declaration through the API with a system token; the answer's JSON."""
        import httpx

        from icrms.auth.schemas import TokenCreate

        with self.store.session() as s:
            token = auth.create_token(
                s, token=TokenCreate(name="cdps", role=Role.system), actor="test"
            ).token
        response = httpx.post(
            f"{self.url}/api/v1/declarations",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]

    def ingest_history(self, declarations: int = 400) -> None:
        """Generated declarations with control results, ingested into the warehouse."""
        from icrms.generator import generate
        from icrms.ingest.flows import ingest_file
        from icrms.warehouse.base import open_warehouse

        path = self.settings.home / "history.parquet"
        generate(declarations=declarations, seed=3, out=path, fmt="native")
        with open_warehouse(self.settings) as wh:
            ingest_file(wh, path, fmt="native", settings=self.settings)

    def add_user(self, username: str, role: Role | str, office: str | None = None) -> str:
        with self.store.session() as s:
            auth.create_user(
                s,
                user=UserCreate(
                    username=username, role=Role(role), office_code=office, password=PASSWORD
                ),
                actor="test",
            )
        return username


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(workspace: Settings, tmp_path: Path) -> Iterator[Served]:
    """The app on uvicorn in a thread, over a fresh workspace and SQLite store."""
    settings = workspace.model_copy(
        update={"policy_secret": SecretStr("e2e-policy-secret-" + "y" * 20)}
    )
    store = Store(f"sqlite:///{tmp_path / 'e2e.sqlite'}")
    app = create_app(settings, store=store)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield Served(f"http://127.0.0.1:{port}", store, settings)
    server.should_exit = True
    thread.join(timeout=10)
    store.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One headless Chromium for the session (Debian's, not a downloaded build)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: object, served: Served) -> Iterator[object]:
    """A fresh browser context and page at laptop size, failing on any console error."""
    context = browser.new_context(  # type: ignore[attr-defined]
        base_url=served.url, viewport={"width": 1366, "height": 768}
    )
    page = context.new_page()
    errors: list[str] = []
    page.on(
        "console",
        lambda m: (
            errors.append(f"{m.text} ({m.location.get('url')})") if m.type == "error" else None
        ),
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and r.request.resource_type not in ("document", "fetch", "xhr")
            else None
        ),
    )
    page.console_errors = errors  # type: ignore[attr-defined]
    yield page
    context.close()


@pytest.fixture
def shot(tmp_path: Path) -> Callable[[object, str], Path]:
    """Save a full-page screenshot under the test's tmp dir and return its path."""
    folder = tmp_path / "screenshots"
    folder.mkdir(exist_ok=True)

    def take(page: object, name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
        return path

    return take


def log_in(page: object, username: str, password: str = PASSWORD) -> None:
    """Log in through the form."""
    page.goto("/login")  # type: ignore[attr-defined]
    page.fill("input[name=username]", username)  # type: ignore[attr-defined]
    page.fill("input[name=password]", password)  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url("**/")  # type: ignore[attr-defined]
