"""The Exchange page: the inbox with its decisions, sightings, bundles; analysts decide, managers read."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from icrms.api.app import create_app
from icrms.audit import service as audit
from icrms.auth import service as auth
from icrms.auth.schemas import Role, UserCreate
from icrms.exchange import inbox, outbox
from icrms.exchange.receive import receive
from icrms.exchange.schemas import AlertCreate, ShareRequest
from icrms.profiles import service as profiles
from tests.exchange_support import PHONES, Instance, instance, register

PASSWORD = "correct horse battery"


@pytest.fixture
def a(tmp_path: Path) -> Instance:
    """XA with an indicator and an alert received from XB, and an analyst and a manager."""
    a, b = instance(tmp_path / "a", "XA"), instance(tmp_path / "b", "XB")
    register(a, b)
    register(b, a)
    with b.store.session() as s:
        profiles.add_profile(s, profile=PHONES)
        request = ShareRequest(recipients=["XA"], tlp="amber")
        alert = AlertCreate(
            title="Cocaine in coffee from XB's ports",
            description="Containers of green coffee with cocaine in the lining",
            risk_category="drugs",
            recommended_action="Scan and open containers of coffee from the route",
        )
        sent = outbox.share_profile(
            s, admin=b.admin, code=PHONES.code, request=request, days=5, actor="b"
        ) + outbox.share_alert(s, admin=b.admin, alert=alert, request=request, days=5, actor="b")
        raws = [outbox.sent_bundle(s, bundle_id=x.bundle_id).payload.encode() for x in sent]
    with a.store.session() as s:
        for raw in raws:
            assert receive(s, admin=a.admin, raw=raw, via="file").status == "accepted"
        for name, role in (("analyst1", Role.analyst), ("boss", Role.manager)):
            auth.create_user(
                s, user=UserCreate(username=name, role=role, password=PASSWORD), actor="test"
            )
    return a


@pytest.fixture
def client(a: Instance) -> Iterator[TestClient]:
    settings = a.settings.model_copy(update={"policy_secret": SecretStr("web-test-" + "w" * 24)})
    with TestClient(create_app(settings, store=a.store, run_jobs=False), "https://testserver") as c:
        yield c


def login(client: TestClient, username: str) -> str:
    form = client.get("/login")
    token = re.search(r'name="login_token" value="([^"]+)"', form.text)
    assert token, form.text
    answer = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "login_token": token.group(1)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    csrf = re.search(r'"X-CSRF-Token": "([^"]+)"', client.get("/").text)
    assert csrf
    return csrf.group(1)


def test_an_analyst_adopts_an_indicator_and_dismisses_an_alert(
    a: Instance, client: TestClient
) -> None:
    csrf = login(client, "analyst1")
    page = client.get("/exchange")
    assert page.status_code == 200
    assert 'href="/exchange" aria-current="page"' in page.text
    assert PHONES.name in page.text and "Cocaine in coffee" in page.text
    assert "TLP:AMBER" in page.text and "accepted" in page.text
    with a.store.session() as s:
        items = {i.object_type: i for i in inbox.list_inbox(s)}
    indicator, alert = items["indicator"], items["x-icrms-alert"]

    shown = client.get(f"/exchange/items/{indicator.id}")
    assert "Adopt as draft profile" in shown.text and PHONES.criteria.split()[0] in shown.text
    adopted = client.post(
        f"/exchange/items/{indicator.id}/adopt",
        data={"csrf_token": csrf, "note": "worth a backtest"},
        follow_redirects=False,
    )
    assert (
        adopted.status_code == 303 and adopted.headers["location"] == "/profiles/XB.REV-UV-PHONES"
    )
    again = client.post(f"/exchange/items/{indicator.id}/adopt", data={"csrf_token": csrf})
    assert again.status_code == 422 and "already accepted" in again.text

    no_reason = client.post(f"/exchange/items/{alert.id}/dismiss", data={"csrf_token": csrf})
    assert no_reason.status_code == 422 and "say why" in no_reason.text
    dismissed = client.post(
        f"/exchange/items/{alert.id}/dismiss",
        data={"csrf_token": csrf, "note": "not our route"},
        follow_redirects=False,
    )
    assert dismissed.status_code == 303
    with a.store.session() as s:
        after = {i.object_type: i for i in inbox.list_inbox(s)}
        draft = profiles.get_profile(s, code="XB.REV-UV-PHONES")
        trail = [e.action for e in audit.list_entries(s, action="exchange.inbox")]
    assert after["indicator"].state == "accepted" and after["x-icrms-alert"].state == "dismissed"
    assert after["x-icrms-alert"].note == "not our route"
    assert draft.status == "draft" and "XB" in json.dumps(draft.provenance)
    assert sorted(trail) == ["exchange.inbox.adopt", "exchange.inbox.dismissed"]
    assert "Nothing new in the inbox" in client.get("/exchange").text


def test_a_manager_reads_but_does_not_decide(a: Instance, client: TestClient) -> None:
    csrf = login(client, "boss")
    assert client.get("/exchange?state=all").status_code == 200
    with a.store.session() as s:
        item = inbox.list_inbox(s)[0]
    shown = client.get(f"/exchange/items/{item.id}")
    assert shown.status_code == 200 and "Dismiss" not in shown.text
    refused = client.post(
        f"/exchange/items/{item.id}/dismiss", data={"csrf_token": csrf, "note": "no"}
    )
    assert refused.status_code == 403
    assert client.get("/exchange?state=bogus").status_code == 422
