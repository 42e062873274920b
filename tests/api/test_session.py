"""The request's transaction commits before the response: a failed commit is a 5xx, not a 200."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from icrms.auth.tables import ApiTokenRow
from icrms.core.db import Store
from tests.api.conftest import Headers


@pytest.fixture
def failing_token_commits() -> Iterator[None]:
    def mark(session: Session, _ctx: object) -> None:
        if any(isinstance(o, ApiTokenRow) for o in session.new):
            session.info["new_token"] = True

    def fail(session: Session) -> None:
        if session.info.pop("new_token", False):
            raise RuntimeError("the database refused the commit")

    def on_flush(session: Session, ctx: object, _instances: object) -> None:
        mark(session, ctx)

    event.listen(Session, "before_flush", on_flush)
    event.listen(Session, "before_commit", fail)
    yield
    event.remove(Session, "before_commit", fail)
    event.remove(Session, "before_flush", on_flush)


def test_failed_commit_answers_500_and_stores_nothing(
    admin: Headers, api_store: Store, failing_token_commits: None, app: object
) -> None:
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as client:  # type: ignore[arg-type]
        response = client.post(
            "/api/v1/tokens", headers=admin, json={"name": "x", "role": "system"}
        )
    assert response.status_code == 500
    assert "the database refused" not in response.text  # no internals leak to the client
    assert response.headers["content-type"] == "application/problem+json"
    with api_store.session() as s:
        names = [t.name for t in s.query(ApiTokenRow)]
    assert "x" not in names
