"""Authentication, roles, CSRF, throttling, headers and problem+json answers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update

from icrms.api.app import create_app
from icrms.audit import service as audit
from icrms.auth import service as auth
from icrms.auth.schemas import Role
from icrms.auth.tables import ApiTokenRow
from icrms.auth.usage import UsageNotes
from icrms.core.clock import now
from icrms.core.db import Store
from icrms.errors import ConfigurationError
from icrms.settings import Settings
from tests.api.conftest import Headers, login


def test_only_health_readiness_and_login_answer_without_credentials(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json()["status"] == "ready"
    assert client.get("/login").status_code == 200
    for path in ("/api/v1/me", "/api/v1/users", "/api/v1/audit", "/metrics"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == 401


def test_token_names_its_role_and_a_wrong_role_gets_403(
    client: TestClient, analyst: Headers, admin: Headers
) -> None:
    me = client.get("/api/v1/me", headers=analyst).json()
    assert (me["role"], me["via"]) == ("analyst", "token")
    denied = client.get("/api/v1/users", headers=analyst)
    assert denied.status_code == 403
    assert "analyst" in denied.json()["detail"]
    assert client.get("/api/v1/users", headers=admin).status_code == 200


def test_malformed_revoked_and_expired_tokens_are_refused(
    client: TestClient, admin: Headers, token_for: Callable[..., Headers], api_store: Store
) -> None:
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Basic abc"}).status_code == 401
    system = token_for(Role.system, name="cdps")
    public_id = system["Authorization"].split("_")[1]
    assert client.get("/api/v1/me", headers=system).status_code == 200
    # a wrong secret with a real public id
    forged = {"Authorization": f"Bearer icrms_{public_id}_{'A' * 43}"}
    assert client.get("/api/v1/me", headers=forged).status_code == 401
    assert client.delete(f"/api/v1/tokens/{public_id}", headers=admin).status_code == 200
    assert client.get("/api/v1/me", headers=system).status_code == 401
    other = token_for(Role.system, name="cdps-2")
    with api_store.session() as s:
        s.execute(update(ApiTokenRow).values(expires_at=now() - timedelta(seconds=1)))
    assert client.get("/api/v1/me", headers=other).status_code == 401


def test_created_token_is_shown_once_and_stored_as_a_digest(
    client: TestClient, admin: Headers, api_store: Store
) -> None:
    response = client.post("/api/v1/tokens", headers=admin, json={"name": "cdps", "role": "system"})
    assert response.status_code == 201
    token = response.json()["token"]
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    listed = client.get("/api/v1/tokens", headers=admin).json()
    assert all("token" not in t for t in listed)
    with api_store.session() as s:
        digests = [r.digest for r in s.query(ApiTokenRow)]
    assert token.split("_", 2)[2] not in digests and all(len(d) == 64 for d in digests)


def test_login_sets_a_secure_httponly_cookie_and_is_audited(
    client: TestClient, user_for: Callable[..., str], api_store: Store
) -> None:
    name = user_for(Role.analyst)
    form = client.get("/login")
    assert form.status_code == 200
    login(client, name)
    cookie = next(c for c in client.cookies.jar if c.name == "icrms_session")
    assert cookie.secure and cookie.has_nonstandard_attr("HttpOnly")
    me = client.get("/api/v1/me").json()
    assert (me["name"], me["via"]) == (name, "session")
    with api_store.session() as s:
        actions = [e.action for e in audit.list_entries(s, actor=name)]
    assert "auth.login" in actions


def test_failed_logins_are_audited_then_throttled(
    client: TestClient, user_for: Callable[..., str], api_store: Store
) -> None:
    name = user_for(Role.officer, office="0042")
    statuses = []
    for _ in range(6):
        token = client.get("/login").text.split('name="login_token" value="')[1].split('"')[0]
        r = client.post(
            "/login", data={"username": name, "password": "wrong password!", "login_token": token}
        )
        statuses.append(r.status_code)
    assert statuses == [401] * 5 + [429]
    # even the right password is refused while throttled
    token = client.get("/login").text.split('name="login_token" value="')[1].split('"')[0]
    from tests.api.conftest import PASSWORD

    r = client.post("/login", data={"username": name, "password": PASSWORD, "login_token": token})
    assert r.status_code == 429
    with api_store.session() as s:
        actions = [e.action for e in audit.list_entries(s, actor=name)]
    assert actions.count("auth.login_failed") == 5 and "auth.login_throttled" in actions


def test_login_form_needs_its_own_token(client: TestClient, user_for: Callable[..., str]) -> None:
    name = user_for(Role.analyst)
    from tests.api.conftest import PASSWORD

    r = client.post("/login", data={"username": name, "password": PASSWORD, "login_token": "x"})
    assert r.status_code == 403
    assert "icrms_session" not in client.cookies


def test_session_writes_need_the_csrf_token(
    client: TestClient, user_for: Callable[..., str]
) -> None:
    csrf = login(client, user_for(Role.admin, username="root"))
    body = {"name": "cdps", "role": "system"}
    assert client.post("/api/v1/tokens", json=body).status_code == 403
    assert (
        client.post("/api/v1/tokens", json=body, headers={"X-CSRF-Token": "wrong"}).status_code
        == 403
    )
    assert (
        client.post("/api/v1/tokens", json=body, headers={"X-CSRF-Token": csrf}).status_code == 201
    )
    # logging out ends the session for good
    assert (
        client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    )
    assert client.get("/api/v1/me").status_code == 401


def test_security_headers_and_csp_without_inline_scripts(client: TestClient) -> None:
    response = client.get("/login")
    csp = response.headers["content-security-policy"]
    script_src = next(p for p in csp.split(";") if p.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "<script>" not in response.text and " on" + "click=" not in response.text
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"


def test_validation_errors_name_the_field_and_value(client: TestClient, admin: Headers) -> None:
    response = client.post(
        "/api/v1/users",
        headers=admin,
        json={"username": "x y", "role": "chief", "password": "short", "extra": 1},
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["title"] == "Unprocessable Content"
    fields = {e["field"]: e for e in problem["errors"]}
    assert {"username", "role", "password", "extra"} <= set(fields)
    assert fields["role"]["value"] == "chief"
    malformed = client.post(
        "/api/v1/users",
        headers={**admin, "content-type": "application/json"},
        content=b"{not json",
    )
    assert malformed.status_code == 422 and "errors" in malformed.json()


def test_oversize_body_is_refused(client: TestClient, admin: Headers) -> None:
    big = b'{"name": "' + b"x" * (3 * 1024 * 1024) + b'"}'
    response = client.post(
        "/api/v1/tokens", headers={**admin, "content-type": "application/json"}, content=big
    )
    assert response.status_code == 413
    assert response.json()["status"] == 413


def test_the_server_refuses_to_start_without_a_policy_secret(workspace: Settings) -> None:
    with pytest.raises(ConfigurationError, match="secret"):
        create_app(workspace, run_jobs=False)
    assert create_app(workspace.model_copy(update={"demo": True}), run_jobs=False) is not None


def test_metrics_need_a_role_and_count_requests(client: TestClient, system: Headers) -> None:
    client.get("/healthz")
    text = client.get("/metrics", headers=system).text
    assert (
        'icrms_http_request_duration_seconds_count{method="GET",route="/healthz",status="200"}'
        in text
    )


def _last_used(store: Store) -> list[object]:
    with store.session() as s:
        return [t.last_used_at for t in auth.list_tokens(s)]


def test_token_use_is_noted_once_a_minute_off_the_request(
    app: FastAPI, client: TestClient, api_store: Store, system: Headers
) -> None:
    assert _last_used(api_store) == [None]
    assert client.get("/api/v1/jobs", headers=system).status_code in (200, 403)
    app.state.usage.flush()
    first = _last_used(api_store)
    assert first[0] is not None
    client.get("/api/v1/jobs", headers=system)
    app.state.usage.flush()
    assert _last_used(api_store) == first  # within the minute: not written again


def test_a_failed_last_use_note_does_not_fail_the_request(
    app: FastAPI, client: TestClient, tmp_path: Path, system: Headers
) -> None:
    unmigrated = Store(f"sqlite:///{tmp_path / 'empty.sqlite'}", upgrade=False)
    app.state.usage = UsageNotes(unmigrated)
    response = client.get("/api/v1/assessments/1", headers=system)
    assert response.status_code == 404, response.text  # answered; the note could not be written
    app.state.usage.flush()
    assert app.state.usage.failures == 1
    unmigrated.dispose()
