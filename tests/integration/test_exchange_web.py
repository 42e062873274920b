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
def pair(tmp_path: Path) -> tuple[Instance, Instance]:
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
    return a, b


@pytest.fixture
def a(pair: tuple[Instance, Instance]) -> Instance:
    return pair[0]


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


def _history(inst: Instance, seed: int) -> None:
    from icrms.generator import generate
    from icrms.ingest.flows import ingest_file
    from icrms.warehouse.base import open_warehouse

    path = inst.settings.home / "history.parquet"
    generate(declarations=400, seed=seed, out=path, fmt="native")
    with open_warehouse(inst.settings) as wh:
        ingest_file(wh, path, fmt="native", settings=inst.settings)


def test_joint_assessment_puts_our_hit_rates_beside_the_partners(
    pair: tuple[Instance, Instance], client: TestClient
) -> None:
    from datetime import date

    from icrms.core.clock import now
    from icrms.exchange import aggregates, joint, rates
    from icrms.exchange import objects as objs
    from icrms.warehouse.base import open_warehouse

    a, b = pair
    _history(a, 11)
    _history(b, 12)
    year = (date(2025, 1, 1), date(2025, 12, 31))
    with b.store.session() as s, open_warehouse(b.settings) as wh:
        cells = aggregates.compute_cells(
            wh, date_from=year[0], date_to=year[1], min_cell=2, rates=rates.rates_table(s)
        )
        obj = objs.aggregates(b.code, b.admin.stix_id, cells, *year, 2, "green", now())
        sent = outbox.share_objects(
            s, admin=b.admin, objects=[obj], recipients=["XA"], days=5, actor="b"
        )
        raw = outbox.sent_bundle(s, bundle_id=sent[0].bundle_id).payload.encode()
    with a.store.session() as s:
        assert receive(s, admin=a.admin, raw=raw, via="file").status == "accepted"
    login(client, "boss")
    page = client.get("/exchange/joint", params={"from": "2025-01-01", "until": "2025-12-31"})
    assert page.status_code == 200, page.text
    with a.store.session() as s, open_warehouse(a.settings) as wh:
        view = joint.compare(s, wh, date_from=year[0], date_to=year[1], top=50)
    assert view.partners == ["XB"] and view.partner_cells == len(cells) > 0
    top = view.rows[0]
    theirs = top["partners"].get("XB")
    hits = max([top["ours"]["irregularities"]] + ([theirs["irregularities"]] if theirs else []))
    assert hits > 0 and f"<td>{top['hs6']}</td><td>{top['country_of_origin']}</td>" in page.text
    if theirs:
        assert f"{theirs['irregularities']} / {theirs['controls']}" in page.text
    assert '<th colspan="3">XB</th>' in page.text
    backwards = client.get("/exchange/joint", params={"from": "2025-12-31", "until": "2025-01-01"})
    assert backwards.status_code == 422
