"""The sync client over HTTP against XA's TAXII endpoints: cursor, paging, idempotency, backoff."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select

from icrms.api.app import create_app
from icrms.exchange import outbox, sync, transport
from icrms.exchange.schemas import ShareRequest
from icrms.exchange.tables import InboxItemRow, SyncStateRow
from icrms.profiles import service as profiles
from icrms.profiles.schemas import ProfileCreate
from tests.exchange_support import PHONES, Instance, instance, register

ROOT = "http://testserver/taxii2/exchange/"


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Instance, Instance, str]:
    a = instance(tmp_path / "a", "XA")
    b = instance(tmp_path / "b", "XB")
    register(a, b)
    register(b, a)
    with a.store.session() as s:
        token = transport.issue_token(s, code="XB", days=30, actor="test").token
        for n in range(5):
            profiles.add_profile(
                s, profile=ProfileCreate(**{**PHONES.model_dump(), "code": f"P-{n}"})
            )
    return a, b, token


@pytest.fixture
def served(pair: tuple[Instance, Instance, str]) -> Iterator[TestClient]:
    a = pair[0]
    settings = a.settings.model_copy(update={"policy_secret": SecretStr("sync-test-" + "s" * 24)})
    with TestClient(create_app(settings, store=a.store, run_jobs=False)) as client:
        yield client


def share(a: Instance, code: str) -> None:
    with a.store.session() as s:
        outbox.share_profile(
            s, admin=a.admin, code=code, request=ShareRequest(recipients=["XB"]), days=5, actor="a"
        )


def items(b: Instance) -> int:
    with b.store.session() as s:
        return s.scalar(select(func.count()).select_from(InboxItemRow)) or 0


def test_pull_pages_from_the_cursor_and_imports_each_bundle_once(
    pair: tuple[Instance, Instance, str], served: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b, token = pair
    monkeypatch.setattr(sync, "PAGE", 4)
    for n in range(3):
        share(a, f"P-{n}")
    client = sync.TaxiiClient(ROOT, token, client=served)
    first = sync.pull(b.store, admin=b.admin, partner="XA", client=client)
    assert (first.bundles, first.accepted, first.refused) == (3, 3, 0) and first.pages > 2
    assert items(b) == 3 and first.cursor is not None
    again = sync.pull(b.store, admin=b.admin, partner="XA", client=client)
    assert (again.accepted, again.skipped) == (0, 3) and items(b) == 3
    share(a, "P-3")
    with a.store.session() as s:
        profiles.edit_profile(s, code="P-0", changes=profiles.ProfileFields(score=90))
    share(a, "P-0")  # a new version; its frame objects came with earlier bundles
    later = sync.pull(b.store, admin=b.admin, partner="XA", client=client)
    assert later.accepted == 2 and later.refused == 0, [r.reason for r in later.results]
    assert items(b) == 5


def test_errors_are_retried_with_backoff_and_the_cursor_moves_only_after_a_complete_pull(
    pair: tuple[Instance, Instance, str], served: TestClient
) -> None:
    a, b, token = pair
    share(a, "P-0")
    failures = {"left": 2}

    def flaky(request: httpx.Request) -> httpx.Response:
        if failures["left"] > 0:
            failures["left"] -= 1
            return httpx.Response(503, text="busy")
        answer = served.request(
            request.method, str(request.url), headers=request.headers, content=request.content
        )
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)

    waits: list[float] = []
    client = sync.TaxiiClient(
        ROOT,
        token,
        client=httpx.Client(transport=httpx.MockTransport(flaky)),
        sleep=waits.append,
    )
    result = sync.pull(b.store, admin=b.admin, partner="XA", client=client)
    assert result.accepted == 1 and waits == [0.5, 1.0]

    failures["left"] = 100
    share(a, "P-1")
    with b.store.session() as s:
        cursor = s.get(SyncStateRow, "XA").added_after  # type: ignore[union-attr]
    with pytest.raises(sync.SyncError, match="503 after 5 retries"):
        sync.pull(b.store, admin=b.admin, partner="XA", client=client)
    with b.store.session() as s:
        state = s.get(SyncStateRow, "XA")
        assert state is not None and state.added_after == cursor and state.failures == 1
        assert "503" in (state.last_error or "")
    assert waits[2:] == [0.5, 1.0, 2.0, 4.0, 8.0] and items(b) == 1


def test_a_refused_token_is_not_retried(
    pair: tuple[Instance, Instance, str], served: TestClient
) -> None:
    _a, b, _token = pair
    waits: list[float] = []
    client = sync.TaxiiClient(ROOT, "icrms_bad.token", client=served, sleep=waits.append)
    with pytest.raises(sync.SyncError, match="401"):
        sync.pull(b.store, admin=b.admin, partner="XA", client=client)
    assert waits == []
