"""API fixtures: an app over a per-test workspace and SQLite store; headers for every role.

``client`` speaks HTTPS to the in-process app (session cookies are Secure). Role fixtures give
``Authorization`` headers of a fresh API token; ``login`` logs a user in through the real form
and returns the CSRF token for later writes.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from icrms.api.app import create_app
from icrms.auth import service as auth
from icrms.auth.schemas import Role, TokenCreate, UserCreate
from icrms.core.db import Store
from icrms.settings import Settings
from tests.factories import seed_rules

PASSWORD = "correct horse battery"
Headers = dict[str, str]


@pytest.fixture
def app_settings(workspace: Settings) -> Settings:
    """Workspace settings with a policy secret (the server refuses to start without one)."""
    return workspace.model_copy(
        update={"policy_secret": SecretStr("test-policy-secret-" + "x" * 20)}
    )


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite store migrated once per test session; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "store.sqlite"
    Store(f"sqlite:///{path}").dispose()
    return path


@pytest.fixture
def api_store(tmp_path: Path, migrated_sqlite: Path) -> Iterator[Store]:
    """A fresh SQLite store for the app (a copy of the migrated template)."""
    target = tmp_path / "api.sqlite"
    shutil.copyfile(migrated_sqlite, target)
    opened = Store(f"sqlite:///{target}", upgrade=False)
    yield opened
    opened.dispose()


@pytest.fixture
def app(app_settings: Settings, api_store: Store) -> FastAPI:
    """The application over the test workspace and store (no background job runner)."""
    return create_app(app_settings, store=api_store, run_jobs=False)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """An HTTPS test client of the app."""
    with TestClient(app, base_url="https://testserver") as c:
        yield c


@pytest.fixture
def token_for(api_store: Store) -> Callable[..., Headers]:
    """Make an API token of a role and return its Authorization header."""

    def make(role: Role | str, name: str | None = None, office: str | None = None) -> Headers:
        role = Role(role)
        with api_store.session() as s:
            issued = auth.create_token(
                s,
                token=TokenCreate(name=name or f"test-{role.value}", role=role, office_code=office),
                actor="test",
            )
        return {"Authorization": f"Bearer {issued.token}"}

    return make


@pytest.fixture
def user_for(api_store: Store) -> Callable[..., str]:
    """Create a user of a role (password ``PASSWORD``) and return the user name."""

    def make(role: Role | str, username: str | None = None, office: str | None = None) -> str:
        role = Role(role)
        name = username or f"{role.value}1"
        with api_store.session() as s:
            auth.create_user(
                s,
                user=UserCreate(username=name, role=role, office_code=office, password=PASSWORD),
                actor="test",
            )
        return name

    return make


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log in through the form; return the session's CSRF token (read from the page)."""
    form = client.get("/login")
    token = re.search(r'name="login_token" value="([^"]+)"', form.text)
    assert token, form.text
    response = client.post(
        "/login",
        data={"username": username, "password": password, "login_token": token.group(1)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    page = client.get("/")
    csrf = re.search(r'"X-CSRF-Token": "([^"]+)"', page.text)
    assert csrf, page.text
    return csrf.group(1)


@pytest.fixture
def admin(token_for: Callable[..., Headers]) -> Headers:
    return token_for(Role.admin)


@pytest.fixture
def analyst(token_for: Callable[..., Headers]) -> Headers:
    return token_for(Role.analyst)


@pytest.fixture
def officer(token_for: Callable[..., Headers]) -> Headers:
    return token_for(Role.officer, office="0042")


@pytest.fixture
def manager(token_for: Callable[..., Headers]) -> Headers:
    return token_for(Role.manager)


@pytest.fixture
def system(token_for: Callable[..., Headers]) -> Headers:
    return token_for(Role.system)


@pytest.fixture
def partner(token_for: Callable[..., Headers]) -> Headers:
    return token_for(Role.partner)


@pytest.fixture
def rules(api_store: Store) -> None:
    """One active revenue profile on phones below 400/kg and a red trader watchlist."""
    seed_rules(api_store)
