"""A live submission is assessed and stored together, or refused whole (issue 8 item 1).

The assessment is made to fail the way a broken model or a rule that raises would: the
declaration must then be absent from the store (never stored unassessed), the caller gets an
error naming it, and a later submission of the same declaration goes through.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select

from icrms.api.app import create_app
from icrms.audit.tables import AuditEntryRow
from icrms.auth import service as auth
from icrms.auth.schemas import Role, TokenCreate
from icrms.core.db import Store
from icrms.declarations.tables import DeclarationRow
from icrms.errors import AssessmentError
from icrms.live import flows
from icrms.selectivity import service as selectivity
from icrms.selectivity.engine import Snapshot
from icrms.selectivity.tables import AssessmentRow
from icrms.settings import Settings
from tests.factories import seed_rules
from tests.integration.test_store import make_declaration

SECRET = b"atomic-test-secret"


class BrokenModel:
    """A scorer whose model cannot score (as a damaged or mismatched model file would)."""

    version = "broken-1"

    def contribution(self, rows: Sequence[Any]) -> dict[str, Any] | None:
        raise RuntimeError("model file unreadable")


def stored_counts(store: Store) -> tuple[int, int, int]:
    with store.session() as s:
        return (
            int(s.scalar(select(func.count()).select_from(DeclarationRow)) or 0),
            int(s.scalar(select(func.count()).select_from(AssessmentRow)) or 0),
            int(
                s.scalar(
                    select(func.count())
                    .select_from(AuditEntryRow)
                    .where(AuditEntryRow.action == "declaration.submit")
                )
                or 0
            ),
        )


def snapshot(store: Store, *, broken: bool) -> Snapshot:
    with store.session() as s:
        return selectivity.build_snapshot(
            s, secret=SECRET, scorer=BrokenModel() if broken else None
        )


@pytest.fixture
def store(workspace: Settings) -> Store:
    opened = Store(workspace.store_url)
    seed_rules(opened)
    return opened


def test_a_failing_assessment_stores_nothing_even_if_the_caller_carries_on(store: Store) -> None:
    """Before: the declaration was written first, so a caller that went on after the error
    (a batch loop, a retrying worker) committed it unassessed."""
    declaration = make_declaration(1)
    # the caller swallows the error, and its session commits what it holds
    with store.session() as s, pytest.raises(AssessmentError) as caught:
        flows.submit(s, snapshot=snapshot(store, broken=True), declaration=declaration, actor="t")
    message = str(caught.value)
    assert "declaration 2026-0042-000001 version 1 could not be assessed" in message
    assert "nothing of it was stored" in message
    assert "RuntimeError: model file unreadable" in message
    assert stored_counts(store) == (0, 0, 0)
    with store.session() as s:
        done = flows.submit(
            s, snapshot=snapshot(store, broken=False), declaration=declaration, actor="t"
        )
    assert done.assessment.channel in ("green", "yellow", "red", "blue")
    assert stored_counts(store) == (1, 1, 1)


def test_a_batch_with_one_failing_assessment_stores_none(store: Store) -> None:
    broken = snapshot(store, broken=True)
    refused = "2026-0042-000001 version 1 could not be assessed"
    with pytest.raises(AssessmentError, match=refused), store.session() as s:
        flows.submit_batch(
            s,
            snapshot=broken,
            declarations=[make_declaration(1), make_declaration(2)],
            actor="t",
        )
    assert stored_counts(store) == (0, 0, 0)


def test_the_api_refuses_the_declaration_with_a_clear_error(
    workspace: Settings, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = workspace.model_copy(update={"policy_secret": SecretStr("s" * 40)})
    app = create_app(settings, store=store, run_jobs=False)
    with store.session() as s:
        token = auth.create_token(
            s, token=TokenCreate(name="cdps", role=Role.system), actor="test"
        ).token
    headers = {"Authorization": f"Bearer {token}"}
    body = make_declaration(7).model_dump(mode="json", exclude_computed_fields=True)
    with TestClient(app, base_url="https://testserver") as client:
        healthy = app.state.snapshots.current
        monkeypatch.setattr(
            app.state.snapshots,
            "current",
            lambda session: snapshot(store, broken=True),
        )
        refused = client.post("/api/v1/declarations", json=body, headers=headers)
        assert refused.status_code == 500, refused.text
        assert "2026-0042-000007 version 1 could not be assessed" in refused.json()["detail"]
        assert stored_counts(store)[:2] == (0, 0)
        monkeypatch.setattr(app.state.snapshots, "current", healthy)
        gone = client.get("/api/v1/declarations/2026-0042-000007", headers=headers)
        assert gone.status_code == 404
        accepted = client.post("/api/v1/declarations", json=body, headers=headers)
        assert accepted.status_code == 201, accepted.text
    assert stored_counts(store)[:2] == (1, 1)
