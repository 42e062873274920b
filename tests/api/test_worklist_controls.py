"""The officer's worklist, control results (one, list, file import) and office boundaries."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import Headers
from tests.factories import declaration_json


def _submit(client: TestClient, system: Headers, n: int, office: str = "0042") -> dict:
    response = client.post(
        "/api/v1/declarations", headers=system, json=declaration_json(n, office_code=office)
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_worklist_shows_the_officers_office_oldest_first_until_controlled(
    client: TestClient, system: Headers, officer: Headers, analyst: Headers, rules: None
) -> None:
    first = _submit(client, system, 1)
    _submit(client, system, 2, office="0099")
    third = _submit(client, system, 3)
    page = client.get("/api/v1/worklist", headers=officer).json()
    ids = [w["declaration_id"] for w in page["items"]]
    assert ids == [first["declaration_id"], third["declaration_id"]]
    assert {w["office_code"] for w in page["items"]} == {"0042"}
    everywhere = client.get("/api/v1/worklist", headers=analyst).json()
    assert len(everywhere["items"]) == 3
    result = {
        "declaration_id": first["declaration_id"],
        "controlled_at": "2026-03-03T10:00:00Z",
        "outcome": "irregularity",
        "irregularity_types": ["undervaluation"],
        "extra_revenue": 1200.5,
    }
    recorded = client.post("/api/v1/control-results", headers=officer, json=result)
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["assessment_id"] == first["assessment"]["id"]
    assert recorded.json()["selection"] == "targeted"
    after = [
        w["declaration_id"] for w in client.get("/api/v1/worklist", headers=officer).json()["items"]
    ]
    assert after == [third["declaration_id"]]
    listed = client.get(
        "/api/v1/control-results",
        params={"declaration_id": first["declaration_id"]},
        headers=analyst,
    ).json()
    assert [c["outcome"] for c in listed["items"]] == ["irregularity"]


def test_an_officer_cannot_see_or_record_for_another_office(
    client: TestClient, system: Headers, officer: Headers, rules: None
) -> None:
    other = _submit(client, system, 7, office="0099")
    did = other["declaration_id"]
    assert client.get(f"/api/v1/declarations/{did}", headers=officer).status_code == 404
    assert (
        client.get(f"/api/v1/assessments/{other['assessment']['id']}", headers=officer).status_code
        == 404
    )
    result = {
        "declaration_id": did,
        "controlled_at": "2026-03-03T10:00:00Z",
        "outcome": "no_finding",
    }
    assert client.post("/api/v1/control-results", headers=officer, json=result).status_code == 404


def test_inconsistent_control_result_is_refused_with_its_reason(
    client: TestClient, system: Headers, officer: Headers, rules: None
) -> None:
    did = _submit(client, system, 8)["declaration_id"]
    result = {"declaration_id": did, "controlled_at": "2026-03-03T10:00:00Z", "outcome": "seizure"}
    response = client.post("/api/v1/control-results", headers=officer, json=result)
    assert response.status_code == 422
    assert "seizure_goods" in response.text


def test_import_a_file_keeps_good_rows_and_reports_bad_ones(
    client: TestClient, system: Headers, officer: Headers, rules: None
) -> None:
    mine = _submit(client, system, 11)["declaration_id"]
    theirs = _submit(client, system, 12, office="0099")["declaration_id"]
    csv = (
        "declaration_id,controlled_at,outcome,irregularity_types,extra_revenue\n"
        f"{mine},2026-03-03T10:00:00Z,irregularity,undervaluation;false_origin,300\n"
        f"{mine},2026-03-03T10:00:00Z,no_finding,,\n"
        f"{mine},not a date,no_finding,,\n"
        f"{theirs},2026-03-03T10:00:00Z,no_finding,,\n"
    )
    response = client.post(
        "/api/v1/control-results/import",
        headers=officer,
        files={"file": ("results.csv", csv.encode(), "text/csv")},
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["rows_in"], report["stored"]) == (4, 2)
    assert [(r["row"], r["field"]) for r in report["rejected"]] == [
        (4, "row 4: controlled_at"),
        (5, "declaration_id"),
    ]
