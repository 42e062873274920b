"""Declarations through the API: submit with the assessment, idempotency, batch, amend, search."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import event

from icrms.core.db import Store
from icrms.live.snapshots import MAX_AGE
from tests.api.conftest import Headers
from tests.factories import declaration_json


def test_submit_answers_the_channel_with_every_reason(
    client: TestClient, system: Headers, rules: None
) -> None:
    response = client.post("/api/v1/declarations", headers=system, json=declaration_json(1))
    assert response.status_code == 201, response.text
    body = response.json()
    assessment = body["assessment"]
    assert (body["declaration_id"], body["version"]) == ("2026-0042-000001", 1)
    assert assessment["channel"] == "red"
    kinds = {(r["kind"], r.get("code") or r.get("list")) for r in assessment["reasons"]}
    assert ("profile", "REV-PHONES") in kinds and ("watchlist", "seizures") in kinds
    green = client.post("/api/v1/declarations", headers=system, json=declaration_json(3)).json()
    assert green["assessment"]["channel"] == "yellow"  # the profile alone (score 40 >= 30)


def test_idempotency_key_stores_a_retry_once(
    client: TestClient, system: Headers, admin: Headers, rules: None
) -> None:
    headers = {**system, "Idempotency-Key": "abc-1"}
    first = client.post("/api/v1/declarations", headers=headers, json=declaration_json(2))
    again = client.post("/api/v1/declarations", headers=headers, json=declaration_json(2))
    assert first.status_code == again.status_code == 201
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.json() == first.json()
    other = client.post(
        "/api/v1/declarations", headers=headers, json=declaration_json(2, office_code="0043")
    )
    assert other.status_code == 409
    audit = client.get("/api/v1/audit?action=declaration.", headers=admin).json()
    assert len(audit) == 1 and audit[0]["actor"] == "token:test-system"


def test_same_declaration_twice_is_one_declaration_and_conflicting_content_is_refused(
    client: TestClient, system: Headers, rules: None
) -> None:
    a = client.post("/api/v1/declarations", headers=system, json=declaration_json(4)).json()
    b = client.post("/api/v1/declarations", headers=system, json=declaration_json(4)).json()
    assert a["assessment"]["id"] == b["assessment"]["id"]
    changed = declaration_json(4, importer_id="TIN-999999")
    response = client.post("/api/v1/declarations", headers=system, json=changed)
    assert response.status_code == 409
    assert "amendment" in response.json()["detail"]


def test_bad_input_names_the_field_and_stores_nothing(
    client: TestClient, system: Headers, analyst: Headers, rules: None
) -> None:
    bad = declaration_json(5, currency="ZZZ", surprise=1)
    bad["items"][0]["hs_code"] = "85"  # type: ignore[index]
    response = client.post("/api/v1/declarations", headers=system, json=bad)
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"currency", "surprise", "items.0.hs_code"} <= fields
    wrong_type = client.post(
        "/api/v1/declarations", headers=system, json={**declaration_json(5), "version": "one"}
    )
    assert wrong_type.status_code == 422
    assert client.get("/api/v1/declarations/2026-0042-000005", headers=analyst).status_code == 404


def test_batch_is_all_or_nothing(
    client: TestClient, system: Headers, analyst: Headers, rules: None
) -> None:
    good = [declaration_json(10 + i, items=3) for i in range(3)]
    response = client.post(
        "/api/v1/declarations/batch", headers=system, json={"declarations": good}
    )
    assert response.status_code == 201
    assert [s["declaration_id"] for s in response.json()["submissions"]] == [
        d["declaration_id"] for d in good
    ]
    broken = [declaration_json(20), {**declaration_json(21), "office_code": ""}]
    refused = client.post(
        "/api/v1/declarations/batch", headers=system, json={"declarations": broken}
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"].startswith("declarations.1.")
    assert client.get("/api/v1/declarations/2026-0042-000020", headers=analyst).status_code == 404


def test_amendment_is_a_new_version_with_a_new_assessment(
    client: TestClient, system: Headers, analyst: Headers, rules: None
) -> None:
    client.post("/api/v1/declarations", headers=system, json=declaration_json(30))
    amended = declaration_json(30, version=2)
    amended["items"][0]["customs_value"] = 90000.0  # type: ignore[index]
    response = client.post(
        "/api/v1/declarations/2026-0042-000030/amendments", headers=system, json=amended
    )
    assert response.status_code == 201
    assert response.json()["version"] == 2
    stale = client.post(
        "/api/v1/declarations/2026-0042-000030/amendments", headers=system, json=amended
    )
    assert stale.status_code == 409
    detail = client.get("/api/v1/declarations/2026-0042-000030", headers=analyst).json()
    assert detail["versions"] == [1, 2] and detail["declaration"]["version"] == 2
    history = client.get(
        "/api/v1/assessments", params={"declaration_id": "2026-0042-000030"}, headers=analyst
    ).json()
    assert [a["version"] for a in history] == [2, 1]


def test_search_and_replay(
    client: TestClient, system: Headers, analyst: Headers, rules: None
) -> None:
    for n in range(40, 44):
        client.post("/api/v1/declarations", headers=system, json=declaration_json(n))
    page = client.get("/api/v1/declarations", params={"limit": 3}, headers=analyst).json()
    assert len(page["items"]) == 3 and page["next"] is not None
    rest = client.get(
        "/api/v1/declarations", params={"limit": 3, "before": page["next"]}, headers=analyst
    ).json()
    assert len(rest["items"]) == 1 and rest["next"] is None
    assert client.get("/api/v1/declarations?q=TIN-553201", headers=analyst).json()["items"]
    assessment_id = page["items"][0]["assessment_id"]
    replay = client.post(f"/api/v1/assessments/{assessment_id}/replay", headers=analyst).json()
    assert replay["identical"] is True


def test_snapshot_is_built_once_and_again_when_profiles_change(
    client: TestClient,
    system: Headers,
    analyst: Headers,
    token_for: Callable[..., Headers],
    rules: None,
    app: object,
) -> None:
    snapshots = app.state.snapshots  # type: ignore[attr-defined]
    client.post("/api/v1/declarations", headers=system, json=declaration_json(50))
    built = snapshots.builds
    for n in range(51, 55):
        client.post("/api/v1/declarations", headers=system, json=declaration_json(n))
    assert snapshots.builds == built  # nothing changed: no rebuild
    client.post(
        "/api/v1/watchlists/seizures/entries",
        headers=analyst,
        json={"value": "TIN-553204", "reason": "new intelligence"},
    )
    hit = client.post("/api/v1/declarations", headers=system, json=declaration_json(60)).json()
    assert snapshots.builds == built + 1
    assert any(r.get("list") == "seizures" for r in hit["assessment"]["reasons"])


def test_an_old_snapshot_is_refreshed_in_the_background_not_in_the_request(
    client: TestClient, system: Headers, rules: None, app: object
) -> None:
    snapshots = app.state.snapshots  # type: ignore[attr-defined]
    client.post("/api/v1/declarations", headers=system, json=declaration_json(70))
    built, old = snapshots.builds, snapshots._snapshot
    snapshots._built_at -= MAX_AGE + 1  # a minute has passed, nothing changed
    answer = client.post("/api/v1/declarations", headers=system, json=declaration_json(71))
    assert answer.status_code == 201, answer.text
    snapshots.refresher.join(timeout=60)
    assert snapshots.builds == built + 1 and snapshots._snapshot is not old
    client.post("/api/v1/declarations", headers=system, json=declaration_json(72))
    assert snapshots.builds == built + 1  # fresh again: no further build


def test_a_busy_store_answers_503_and_the_retry_is_stored_once(
    client: TestClient, api_store: Store, system: Headers, analyst: Headers, rules: None
) -> None:
    event.listen(
        api_store.engine, "connect", lambda conn, _: conn.execute("PRAGMA busy_timeout=50")
    )
    api_store.engine.dispose()
    holder = sqlite3.connect(api_store.url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the store's write lock
    headers = {**system, "Idempotency-Key": "busy-1"}
    try:
        busy = client.post("/api/v1/declarations", headers=headers, json=declaration_json(7))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert busy.status_code == 503, busy.text
    assert busy.headers["Retry-After"] == "1" and "nothing was stored" in busy.json()["detail"]
    again = client.post("/api/v1/declarations", headers=headers, json=declaration_json(7))
    assert again.status_code == 201, again.text
    found = client.get("/api/v1/declarations", headers=analyst, params={"q": "2026-0042-000007"})
    assert len(found.json()["items"]) == 1
