"""The TAXII operations over the store, on SQLite and PostgreSQL: paging, isolation, versions, push."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from icrms.core.db import Store
from icrms.errors import NotFoundError, ValidationError
from icrms.exchange import outbox, taxii
from icrms.exchange.schemas import ShareRequest
from icrms.exchange.stix import HEADER_TYPE
from icrms.profiles import service as profiles
from icrms.profiles.schemas import ProfileCreate
from tests.exchange_support import PHONES, Instance, instance, register


@pytest.fixture
def trio(tmp_path: Path, store: Store) -> tuple[Instance, Instance, Instance]:
    a = instance(tmp_path / "a", "XA", store=store)
    b = instance(tmp_path / "b", "XB")
    c = instance(tmp_path / "c", "XC")
    for other in (b, c):
        register(a, other)
        register(other, a)
    with a.store.session() as s:
        for n in range(7):
            profiles.add_profile(
                s, profile=ProfileCreate(**{**PHONES.model_dump(), "code": f"P-{n}"})
            )
    return a, b, c


def share(a: Instance, code: str, to: str) -> None:
    with a.store.session() as s:
        outbox.share_profile(
            s, admin=a.admin, code=code, request=ShareRequest(recipients=[to]), days=5, actor="a"
        )


def test_paging_returns_every_object_once_in_order(trio) -> None:  # type: ignore[no-untyped-def]
    a, _b, _c = trio
    for n in range(7):
        share(a, f"P-{n}", "XB")
    seen, token, pages = [], None, 0
    with a.store.session() as s:
        while True:
            envelope, page = taxii.get_objects(
                s,
                partner="XB",
                collection_id=taxii.outbox_id("XB"),
                query=taxii.Query(limit=4, next=token),
            )
            pages += 1
            seen += [
                (o["id"], o.get("modified") or o["created"]) for o in envelope.get("objects", [])
            ]
            if not envelope["more"]:
                break
            token = envelope["next"]
            assert page.last_added is not None
    assert len(seen) == len(set(seen)) and pages > 2
    kinds = {i.split("--")[0] for i, _ in seen}
    assert {
        "indicator",
        HEADER_TYPE,
        "identity",
        "marking-definition",
        "extension-definition",
    } <= kinds
    assert sum(1 for i, _ in seen if i.startswith("indicator--")) == 7


def test_a_partner_sees_only_its_own_outbox(trio) -> None:  # type: ignore[no-untyped-def]
    a, _b, _c = trio
    share(a, "P-0", "XB")
    share(a, "P-1", "XC")
    with a.store.session() as s:
        mine, _ = taxii.get_objects(
            s, partner="XC", collection_id=taxii.outbox_id("XC"), query=taxii.Query()
        )
        with pytest.raises(NotFoundError):
            taxii.get_objects(
                s, partner="XC", collection_id=taxii.outbox_id("XB"), query=taxii.Query()
            )
        with pytest.raises(NotFoundError):
            taxii.get_objects(s, partner="XC", collection_id=taxii.INBOX_ID, query=taxii.Query())
        with pytest.raises(ValidationError, match="next"):
            taxii.get_objects(
                s,
                partner="XC",
                collection_id=taxii.outbox_id("XC"),
                query=taxii.Query(next="forged"),
            )
    names = [o.get("name") for o in mine["objects"] if o["type"] == "indicator"]
    assert names == [PHONES.name]
    assert [c.id for c in taxii.collections(partner="XC")] == [
        taxii.outbox_id("XC"),
        taxii.INBOX_ID,
    ]


def test_versions_filters_and_manifest(trio) -> None:  # type: ignore[no-untyped-def]
    a, _b, _c = trio
    share(a, "P-0", "XB")
    with a.store.session() as s:
        profiles.edit_profile(s, code="P-0", changes=profiles.ProfileFields(score=80))
    share(a, "P-0", "XB")
    with a.store.session() as s:
        q = taxii.Query(types=["indicator"])
        last, _ = taxii.get_objects(s, partner="XB", collection_id=taxii.outbox_id("XB"), query=q)
        every, _ = taxii.get_objects(
            s,
            partner="XB",
            collection_id=taxii.outbox_id("XB"),
            query=q.model_copy(update={"versions": ["all"]}),
        )
        ind = last["objects"][0]
        versions, _ = taxii.get_versions(
            s,
            partner="XB",
            collection_id=taxii.outbox_id("XB"),
            object_id=ind["id"],
            query=taxii.Query(),
        )
        manifest, _ = taxii.get_manifest(
            s, partner="XB", collection_id=taxii.outbox_id("XB"), query=q
        )
    assert len(last["objects"]) == 1 and len(every["objects"]) == 2
    assert ind["extensions"][next(iter(ind["extensions"]))]["suggested_score"] == 80
    assert versions["versions"] == sorted(versions["versions"]) and len(versions["versions"]) == 2
    assert manifest["objects"][0]["version"] == ind["modified"]
    assert manifest["objects"][0]["media_type"] == taxii.STIX_MEDIA


def test_a_push_is_received_and_its_status_kept_for_the_pusher(trio) -> None:  # type: ignore[no-untyped-def]
    a, b, _c = trio
    with b.store.session() as s:
        profiles.add_profile(s, profile=PHONES)
        sent = outbox.share_profile(
            s,
            admin=b.admin,
            code=PHONES.code,
            request=ShareRequest(recipients=["XA"]),
            days=3,
            actor="b",
        )
        bundle = json.loads(outbox.sent_bundle(s, bundle_id=sent[0].bundle_id).payload)
    envelope = json.dumps({"objects": bundle["objects"]}).encode()
    with a.store.session() as s:
        status = taxii.add_objects(
            s, admin=a.admin, partner="XB", collection_id=taxii.INBOX_ID, envelope=envelope
        )
        again = taxii.add_objects(
            s, admin=a.admin, partner="XB", collection_id=taxii.INBOX_ID, envelope=envelope
        )
        forged = taxii.add_objects(
            s, admin=a.admin, partner="XC", collection_id=taxii.INBOX_ID, envelope=envelope
        )
        read = taxii.get_status(s, partner="XB", status_id=status["id"])
        with pytest.raises(NotFoundError):
            taxii.get_status(s, partner="XC", status_id=status["id"])
    assert (
        status["success_count"] == status["total_count"] == len(bundle["objects"])
        and read == status
    )
    assert (
        again["failure_count"] == len(bundle["objects"])
        and "replay" in again["failures"][0]["message"]
    )
    assert "wrong-sender" in forged["failures"][0]["message"]
