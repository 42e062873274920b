"""TAXII 2.1 over HTTP: discovery, collections, paging, push, isolation, errors; taxii2-client reads it.

Administration XA serves; XB and XC are its partners, each with the partner token XA issued it.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import uvicorn
from fastapi.testclient import TestClient
from pydantic import SecretStr

from icrms.api.app import create_app
from icrms.audit import service as audit
from icrms.exchange import outbox, taxii, transport
from icrms.exchange.schemas import ShareRequest
from icrms.exchange.tables import InboxItemRow
from icrms.profiles import service as profiles
from icrms.profiles.schemas import ProfileCreate
from tests.exchange_support import PHONES, Instance, instance, register

ROOT = "/taxii2/exchange/"
ACCEPT = {"Accept": taxii.TAXII_MEDIA}


@dataclass
class Served:
    a: Instance
    b: Instance
    c: Instance
    tokens: dict[str, str]

    def headers(self, code: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[code]}", **ACCEPT, **extra}


@pytest.fixture
def trio(tmp_path: Path) -> Served:
    a = instance(tmp_path / "a", "XA")
    b = instance(tmp_path / "b", "XB")
    c = instance(tmp_path / "c", "XC")
    for other in (b, c):
        register(a, other)
        register(other, a)
    tokens = {}
    with a.store.session() as s:
        for code in ("XB", "XC"):
            tokens[code] = transport.issue_token(s, code=code, days=30, actor="test").token
        for n in range(7):
            profiles.add_profile(
                s, profile=ProfileCreate(**{**PHONES.model_dump(), "code": f"P-{n}"})
            )
            outbox.share_profile(
                s,
                admin=a.admin,
                code=f"P-{n}",
                request=ShareRequest(recipients=["XB" if n < 6 else "XC"]),
                days=5,
                actor="analyst1",
            )
    return Served(a, b, c, tokens)


def app_of(a: Instance):  # type: ignore[no-untyped-def]
    settings = a.settings.model_copy(update={"policy_secret": SecretStr("taxii-test-" + "z" * 24)})
    return create_app(settings, store=a.store, run_jobs=False)


@pytest.fixture
def client(trio: Served) -> Iterator[TestClient]:
    with TestClient(app_of(trio.a), base_url="https://testserver") as c:
        yield c


def test_discovery_root_and_collections(trio: Served, client: TestClient) -> None:
    found = client.get("/taxii2/", headers=trio.headers("XB"))
    assert found.status_code == 200 and found.headers["content-type"] == taxii.TAXII_MEDIA
    assert found.json()["api_roots"] == ["https://testserver" + ROOT]
    root = client.get(ROOT, headers=trio.headers("XB")).json()
    assert root["versions"] == [taxii.TAXII_MEDIA] and root["max_content_length"] > 0
    listed = client.get(ROOT + "collections/", headers=trio.headers("XB")).json()["collections"]
    assert [(c["id"], c["can_read"], c["can_write"]) for c in listed] == [
        (taxii.outbox_id("XB"), True, False),
        (taxii.INBOX_ID, False, True),
    ]


def test_paging_with_next_and_added_after(trio: Served, client: TestClient) -> None:
    url = f"{ROOT}collections/{taxii.outbox_id('XB')}/objects/"
    seen, params, pages = [], {"limit": "5"}, 0
    while True:
        r = client.get(url, params=params, headers=trio.headers("XB"))
        assert r.status_code == 200, r.text
        body = r.json()
        pages += 1
        seen += [(o["id"], o.get("modified") or o["created"]) for o in body.get("objects", [])]
        assert "X-TAXII-Date-Added-Last" in r.headers
        if not body["more"]:
            break
        params = {"limit": "5", "next": body["next"]}
    assert pages > 2 and len(seen) == len(set(seen))
    assert sum(1 for i, _ in seen if i.startswith("indicator--")) == 6
    last = r.headers["X-TAXII-Date-Added-Last"]
    later = client.get(url, params={"added_after": last}, headers=trio.headers("XB")).json()
    assert later == {"more": False}
    manifest = client.get(
        f"{ROOT}collections/{taxii.outbox_id('XB')}/manifest/",
        params={"match[type]": "indicator"},
        headers=trio.headers("XB"),
    ).json()
    assert len(manifest["objects"]) == 6
    one = manifest["objects"][0]["id"]
    got = client.get(f"{url}{one}/", headers=trio.headers("XB")).json()
    versions = client.get(f"{url}{one}/versions/", headers=trio.headers("XB")).json()
    assert [o["id"] for o in got["objects"]] == [one] and len(versions["versions"]) == 1
    with trio.a.store.session() as s:
        served = audit.list_entries(s, action="exchange.serve", limit=50)
    assert served and {e.actor for e in served} == {"token:partner-XB"}
    assert sum(e.detail["objects"] for e in served) >= len(seen)


def test_a_partner_sees_its_own_collection_only(trio: Served, client: TestClient) -> None:
    other = client.get(
        f"{ROOT}collections/{taxii.outbox_id('XB')}/objects/", headers=trio.headers("XC")
    )
    assert other.status_code == 404 and other.headers["content-type"] == taxii.TAXII_MEDIA
    assert other.json()["http_status"] == "404" and "not found" in other.json()["description"]
    mine = client.get(
        f"{ROOT}collections/{taxii.outbox_id('XC')}/objects/", headers=trio.headers("XC")
    ).json()
    names = {o.get("name") for o in mine["objects"] if o["type"] == "indicator"}
    assert names == {PHONES.name} and sum(o["type"] == "indicator" for o in mine["objects"]) == 1
    for path in ("/api/v1/me", "/api/v1/profiles", "/", "/api/v1/audit"):
        refused = client.get(path, headers=trio.headers("XC", Accept="application/json"))
        assert refused.status_code == 403, path
        assert "exchange endpoints only" in refused.json()["detail"]


def test_media_types_tokens_and_bad_parameters(trio: Served, client: TestClient) -> None:
    url = f"{ROOT}collections/{taxii.outbox_id('XB')}/objects/"
    assert client.get(url, headers=trio.headers("XB", Accept="text/html")).status_code == 406
    assert client.get(url, headers=ACCEPT).status_code == 401
    bad = client.get(url, params={"added_after": "yesterday"}, headers=trio.headers("XB"))
    assert bad.status_code == 400 and "added_after" in bad.json()["description"]
    forged = client.get(url, params={"next": "Zm9v"}, headers=trio.headers("XB"))
    assert forged.status_code == 400 and "next" in forged.json()["description"]
    wrong = client.post(
        url.replace(taxii.outbox_id("XB"), taxii.INBOX_ID),
        content=b"{}",
        headers=trio.headers("XB", **{"Content-Type": "application/json"}),
    )
    assert wrong.status_code == 415
    with trio.a.store.session() as s:
        transport.issue_token(s, code="XB", days=30, actor="test")
    revoked = client.get(url, headers=trio.headers("XB"))
    assert revoked.status_code == 401, "issuing a new token revokes the old one"


def _bundle_from_b(trio: Served) -> list[dict[str, object]]:
    with trio.b.store.session() as s:
        profiles.add_profile(s, profile=PHONES)
        sent = outbox.share_profile(
            s,
            admin=trio.b.admin,
            code=PHONES.code,
            request=ShareRequest(recipients=["XA"]),
            days=3,
            actor="b",
        )
        return list(
            json.loads(outbox.sent_bundle(s, bundle_id=sent[0].bundle_id).payload)["objects"]
        )


def test_a_push_lands_in_the_inbox_and_a_replay_is_refused(
    trio: Served, client: TestClient
) -> None:
    objects = _bundle_from_b(trio)
    url = f"{ROOT}collections/{taxii.INBOX_ID}/objects/"
    post = {"Content-Type": taxii.TAXII_MEDIA}
    first = client.post(url, json={"objects": objects}, headers=trio.headers("XB", **post))
    assert first.status_code == 202, first.text
    status = first.json()
    assert status["success_count"] == status["total_count"] == len(objects)
    again = client.post(url, json={"objects": objects}, headers=trio.headers("XB", **post)).json()
    assert again["failure_count"] == len(objects) and "replay" in again["failures"][0]["message"]
    by_c = client.post(url, json={"objects": objects}, headers=trio.headers("XC", **post)).json()
    assert "wrong-sender" in by_c["failures"][0]["message"]
    read = client.get(f"{ROOT}status/{status['id']}/", headers=trio.headers("XB"))
    assert read.json() == status
    assert (
        client.get(f"{ROOT}status/{status['id']}/", headers=trio.headers("XC")).status_code == 404
    )
    with trio.a.store.session() as s:
        items = s.query(InboxItemRow).filter(InboxItemRow.issuer == "XB").count()
        received = audit.list_entries(s, action="exchange.receive", limit=10)
    assert items == 1
    assert [(e.action, e.actor) for e in reversed(received)] == [
        ("exchange.receive.accepted", "partner:XB"),
        ("exchange.receive.refused", "partner:XB"),
        ("exchange.receive.refused", "partner:XC"),
    ]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Bearer(requests.auth.AuthBase):
    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = f"Bearer {self.token}"
        return r


def test_taxii2_client_reads_our_collections(trio: Served) -> None:
    from taxii2client.v21 import Server, as_pages

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app_of(trio.a), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        found = Server(f"http://127.0.0.1:{port}/taxii2/", auth=Bearer(trio.tokens["XB"]))
        root = found.default
        assert root is not None and [r.url for r in found.api_roots] == [root.url]
        assert taxii.TAXII_MEDIA in root.versions
        outbox_, inbox = root.collections
        assert (outbox_.can_read, outbox_.can_write, inbox.can_write) == (True, False, True)
        objects = [
            o for page in as_pages(outbox_.get_objects, per_request=4) for o in page["objects"]
        ]
        assert sum(o["type"] == "indicator" for o in objects) == 6
        manifest = outbox_.get_manifest(type="indicator")
        assert len(manifest["objects"]) == 6
        one = outbox_.get_object(manifest["objects"][0]["id"])
        assert one["objects"][0]["name"] == PHONES.name
        status = inbox.add_objects({"objects": _bundle_from_b(trio)}, wait_for_completion=False)
        assert status.status == "complete" and status.failure_count == 0
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_the_exchange_format_schema_is_published(client: TestClient) -> None:
    from icrms.exchange import stix

    answer = client.get("/api/v1/exchange/schema")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/schema+json"
    schema = answer.json()
    assert schema == stix.json_schema() and "risk-indicator" in schema["$defs"]
    assert all("/api/v1/exchange/schema" in d["schema"] for d in stix.extension_definitions())
