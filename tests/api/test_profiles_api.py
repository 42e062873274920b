"""Profiles through the API: criteria checks with positions, versions, four eyes, status."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from icrms.auth.schemas import Role
from tests.api.conftest import Headers

PROFILE = {
    "code": "REV-UV-PULL",
    "name": "Undervalued pullovers",
    "purpose": "Cotton pullovers below half the usual unit value",
    "category": "revenue",
    "criteria": "hs6 = '611020' AND unit_value < 11",
    "score": 35,
}


def test_criteria_errors_come_with_their_position(client: TestClient, analyst: Headers) -> None:
    bad = client.post(
        "/api/v1/profiles/validate",
        headers=analyst,
        json={"criteria": "hs6 = '611020'\nAND unit_valu < 11"},
    ).json()
    assert bad["valid"] is False
    assert "unit_valu" in bad["message"]
    assert (bad["line"], bad["column"]) == (2, 5)
    good = client.post(
        "/api/v1/profiles/validate",
        headers=analyst,
        json={"criteria": "in_watchlist('nope', importer_id) AND hs4 = '6110'"},
    ).json()
    assert good["valid"] is True and good["unknown_watchlists"] == ["nope"]
    created = client.post(
        "/api/v1/profiles", headers=analyst, json={**PROFILE, "criteria": "unit_value <"}
    )
    assert created.status_code == 422
    assert created.json()["errors"][0]["field"] == "criteria"


def test_four_eyes_through_the_api(
    client: TestClient, token_for: Callable[..., Headers], manager: Headers
) -> None:
    ana, ben = token_for(Role.analyst, name="ana"), token_for(Role.analyst, name="ben")
    assert client.post("/api/v1/profiles", headers=ana, json=PROFILE).status_code == 201
    edited = client.patch("/api/v1/profiles/REV-UV-PULL", headers=ana, json={"score": 40}).json()
    assert (edited["version"], edited["created_by"]) == (2, "token:ana")
    asked = client.post("/api/v1/profiles/REV-UV-PULL/approval-requests", headers=ana, json={})
    assert asked.status_code == 201
    assert [a["code"] for a in client.get("/api/v1/approvals", headers=manager).json()] == [
        "REV-UV-PULL"
    ]
    own = client.post("/api/v1/profiles/REV-UV-PULL/approval", headers=ana, json={"approve": True})
    assert own.status_code == 403
    assert (
        client.post(
            "/api/v1/profiles/REV-UV-PULL/approval", headers=manager, json={"approve": True}
        ).status_code
        == 403
    )
    approved = client.post(
        "/api/v1/profiles/REV-UV-PULL/approval", headers=ben, json={"approve": True}
    ).json()
    assert (approved["status"], approved["approved_by"]) == ("active", "token:ben")
    versions = client.get("/api/v1/profiles/REV-UV-PULL/versions", headers=manager).json()
    assert [v["status"] for v in versions] == ["draft", "draft", "active"]
    suspended = client.post(
        "/api/v1/profiles/REV-UV-PULL/status", headers=ana, json={"status": "suspended"}
    )
    assert suspended.json()["status"] == "suspended"
    direct = client.post(
        "/api/v1/profiles/REV-UV-PULL/status", headers=ana, json={"status": "active"}
    )
    assert direct.status_code == 422


def test_watchlists_and_policy(client: TestClient, analyst: Headers, manager: Headers) -> None:
    created = client.post(
        "/api/v1/watchlists",
        headers=analyst,
        json={"name": "hot-boxes", "kind": "container", "purpose": "intelligence"},
    )
    assert created.status_code == 201
    entry = {"value": "CSQU3054383", "reason": "tip-off"}
    assert (
        client.post("/api/v1/watchlists/hot-boxes/entries", headers=analyst, json=entry).status_code
        == 201
    )
    assert (
        client.post("/api/v1/watchlists/hot-boxes/entries", headers=analyst, json=entry).status_code
        == 409
    )
    assert [
        e["value"]
        for e in client.get("/api/v1/watchlists/hot-boxes/entries", headers=manager).json()
    ] == ["CSQU3054383"]
    assert (
        client.delete(
            "/api/v1/watchlists/hot-boxes/entries/CSQU3054383", headers=analyst
        ).status_code
        == 200
    )
    assert client.get("/api/v1/watchlists/hot-boxes/entries", headers=manager).json() == []
    policy = client.get("/api/v1/policy", headers=manager).json()
    config = {**policy["config"], "random_share": 0.05}
    new = client.post(
        "/api/v1/policy", headers=analyst, json={"config": config, "note": "more random"}
    )
    assert new.status_code == 201 and new.json()["version"] == policy["version"] + 1
    bad = client.post(
        "/api/v1/policy", headers=analyst, json={"config": {**config, "red_threshold": 5}}
    )
    assert bad.status_code == 422
    versions = client.get("/api/v1/policy/versions", headers=manager).json()
    assert versions[0]["note"] == "more random"
