"""Two administrations exchanging signed bundles as files (the air-gapped path), and every attack.

Administration B's store is the parametrised ``store`` fixture (SQLite and PostgreSQL); A has its
own SQLite store. Each attack is refused with its reason, logged, and imports nothing.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from icrms.controls.schemas import ControlResultCreate
from icrms.controls.service import record_control_result
from icrms.core.db import Store
from icrms.core.identity import load_identity
from icrms.declarations.schemas import DeclarationCreate
from icrms.declarations.service import submit_declaration
from icrms.errors import ValidationError
from icrms.exchange import flows, inbox, outbox, partners, receive
from icrms.exchange.administration import Administration
from icrms.exchange.bundles import build_bundle
from icrms.exchange.schemas import AgreementSet, AlertCreate, ShareRequest
from icrms.exchange.tables import InboxItemRow, PreArrivalRow, ReceivedBundleRow
from icrms.profiles import service as profiles
from icrms.selectivity import service as selectivity
from tests.exchange_support import PHONES, Instance, instance, register


def _pair(tmp_path: Path, store: Store | None) -> tuple[Instance, Instance]:
    a = instance(tmp_path / "a", "XA", "KR")
    b = instance(tmp_path / "b", "XB", "VN", store=store)
    register(a, b)
    register(b, a)
    with a.store.session() as s:
        profiles.add_profile(s, profile=PHONES)
    return a, b


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Instance, Instance]:
    """A and B on SQLite stores."""
    return _pair(tmp_path, None)


@pytest.fixture
def pair_any(tmp_path: Path, store: Store) -> tuple[Instance, Instance]:
    """A on SQLite, B on the parametrised store (SQLite and PostgreSQL)."""
    return _pair(tmp_path, store)


def share(a: Instance, tlp: str = "amber", to: str = "XB") -> str:
    with a.store.session() as s:
        sent = outbox.share_profile(
            s,
            admin=a.admin,
            code=PHONES.code,
            request=ShareRequest(recipients=[to], tlp=tlp),
            days=30,
            actor="analyst-a",
        )
        return outbox.sent_bundle(s, bundle_id=sent[0].bundle_id).payload


def deliver(b: Instance, raw: str | bytes, via: str = "file") -> Any:
    with b.store.session() as s:
        return receive.receive(
            s, admin=b.admin, raw=raw if isinstance(raw, bytes) else raw.encode(), via=via
        )


def imported(b: Instance) -> int:
    with b.store.session() as s:
        return int(s.scalar(select(func.count()).select_from(InboxItemRow)) or 0)


def test_indicator_to_draft_profile_with_provenance(pair_any: tuple[Instance, Instance]) -> None:
    a, b = pair_any
    result = deliver(b, share(a))
    assert result.status == "accepted" and len(result.inbox_items) == 1
    with b.store.session() as s:
        item = inbox.get_item(s, item_id=result.inbox_items[0])
        assert item.state == "new" and item.tlp == "amber" and item.issuer == "XA"
        profile = inbox.adopt_indicator(s, item_id=item.id, actor="analyst-b")
    assert profile.code == "XA.REV-UV-PHONES" and profile.status == "draft"
    assert profile.criteria == PHONES.criteria and "partner XA" in profile.provenance
    assert item.object_id in profile.provenance


def test_a_new_version_of_an_adopted_indicator_suspends_the_profile(
    pair: tuple[Instance, Instance],
) -> None:
    a, b = pair
    first = deliver(b, share(a))
    with b.store.session() as s:
        inbox.adopt_indicator(s, item_id=first.inbox_items[0], actor="b")
        profiles.set_status(
            s,
            code="XA.REV-UV-PHONES",
            status="active",
            today=date(2026, 1, 1),
            approved_by="second-analyst",
        )
    with a.store.session() as s:
        profiles.edit_profile(
            s,
            code=PHONES.code,
            changes=profiles.ProfileFields(criteria="hs6 = '851713' AND unit_value < 80"),
        )
    second = deliver(b, share(a))
    with b.store.session() as s:
        updated = inbox.adopt_indicator(s, item_id=second.inbox_items[0], actor="b")
    assert updated.status == "suspended" and "< 80" in updated.criteria


def _forged(a: Instance, tmp: Path) -> str:
    impostor = Administration("XA", "impostor", None, load_identity(tmp / "impostor"))
    with a.store.session() as s:
        obj = outbox._profile_indicator(s, impostor, PHONES.code, "amber")
    now = datetime.now(UTC)
    bundle = build_bundle(
        impostor, [obj], recipients=["XB"], issued=now, expires=now + timedelta(days=1)
    )
    bundle["objects"][0]["key_fingerprint"] = a.admin.identity.fingerprint  # claims A's key
    return json.dumps(bundle)


def _tampered(a: Instance) -> str:
    bundle = json.loads(share(a))
    indicator = next(o for o in bundle["objects"] if o["type"] == "indicator")
    indicator["pattern"] = "hs6 = '851713'"  # widen the criteria in transit
    return json.dumps(bundle)


def _expired(a: Instance) -> str:
    past = datetime.now(UTC) - timedelta(days=40)
    with a.store.session() as s:
        obj = outbox._profile_indicator(s, a.admin, PHONES.code, "amber")
    return json.dumps(
        build_bundle(
            a.admin, [obj], recipients=["XB"], issued=past, expires=past + timedelta(days=30)
        )
    )


def _wrong_recipient(a: Instance, tmp: Path) -> str:
    third = instance(tmp / "c", "XC")
    register(a, third)
    return share(a, to="XC")


def _unknown_issuer(tmp: Path) -> str:
    stranger = instance(tmp / "z", "XZ")
    now = datetime.now(UTC)
    with stranger.store.session() as s:
        profiles.add_profile(s, profile=PHONES)
        obj = outbox._profile_indicator(s, stranger.admin, PHONES.code, "amber")
    return json.dumps(
        build_bundle(
            stranger.admin, [obj], recipients=["XB"], issued=now, expires=now + timedelta(days=1)
        )
    )


def _reshared_red(a: Instance, tmp: Path) -> str:
    """A third administration's RED indicator, passed on by A as if it could be (a bypass of A's own check)."""
    source = instance(tmp / "d", "XD")
    with source.store.session() as s:
        profiles.add_profile(s, profile=PHONES)
        red = outbox._profile_indicator(s, source.admin, PHONES.code, "red")
    now = datetime.now(UTC)
    return json.dumps(
        build_bundle(a.admin, [red], recipients=["XB"], issued=now, expires=now + timedelta(days=1))
    )


ATTACKS = [
    "forged signature",
    "tampered object",
    "replayed bundle",
    "expired bundle",
    "wrong recipient",
    "unknown issuer",
    "re-shared RED object",
]
REASONS = {
    "forged signature": "bad-signature",
    "tampered object": "bad-signature",
    "replayed bundle": "replay",
    "expired bundle": "expired",
    "wrong recipient": "not-recipient",
    "unknown issuer": "unknown-issuer",
    "re-shared RED object": "reshare",
}


@pytest.mark.parametrize("attack", ATTACKS)
def test_each_attack_is_refused_with_its_reason_and_imports_nothing(
    pair: tuple[Instance, Instance], tmp_path: Path, attack: str
) -> None:
    a, b = pair
    if attack == "replayed bundle":
        raw = share(a)
        assert deliver(b, raw).status == "accepted"
    before = imported(b)
    raw = {
        "forged signature": lambda: _forged(a, tmp_path),
        "tampered object": lambda: _tampered(a),
        "replayed bundle": lambda: raw,
        "expired bundle": lambda: _expired(a),
        "wrong recipient": lambda: _wrong_recipient(a, tmp_path),
        "unknown issuer": lambda: _unknown_issuer(tmp_path),
        "re-shared RED object": lambda: _reshared_red(a, tmp_path),
    }[attack]()
    result = deliver(b, raw)
    assert result.status == "refused"
    assert result.reason is not None and result.reason.startswith(REASONS[attack] + ":")
    assert imported(b) == before
    with b.store.session() as s:
        log = s.scalars(select(ReceivedBundleRow).order_by(ReceivedBundleRow.id.desc())).first()
        assert (
            log is not None
            and log.status == "refused"
            and log.reason == result.reason
            and log.payload is None
        )


def test_a_red_indicator_adopted_can_never_be_shared_on(
    pair: tuple[Instance, Instance], tmp_path: Path
) -> None:
    a, b = pair
    c = instance(tmp_path / "c", "XC")
    register(b, c)
    result = deliver(b, share(a, tlp="red"))
    with b.store.session() as s:
        profile = inbox.adopt_indicator(s, item_id=result.inbox_items[0], actor="b")
        with pytest.raises(ValidationError, match="TLP:RED"):
            outbox.share_profile(
                s,
                admin=b.admin,
                code=profile.code,
                request=ShareRequest(recipients=["XC"]),
                days=1,
                actor="b",
            )
        with pytest.raises(ValidationError, match="TLP:RED"):
            outbox.forward(
                s,
                admin=b.admin,
                item_id=result.inbox_items[0],
                request=ShareRequest(recipients=["XC"]),
                days=1,
                actor="b",
            )


def test_kinds_outside_the_agreement_and_unagreed_traders_are_refused(
    pair: tuple[Instance, Instance],
) -> None:
    a, b = pair
    alert = AlertCreate(
        title="Phones",
        description="d",
        risk_category="revenue",
        recommended_action="check",
        traders=[{"role": "importer", "id": "TIN-1"}],
    )
    with a.store.session() as s:
        partners.set_agreement(
            s, code="XB", agreement=AgreementSet(send_types=["alert"], share_traders=True)
        )
        sent = outbox.share_alert(
            s,
            admin=a.admin,
            alert=alert,
            request=ShareRequest(recipients=["XB"]),
            days=3,
            actor="a",
        )
        raw = outbox.sent_bundle(s, bundle_id=sent[0].bundle_id).payload
    with b.store.session() as s:
        partners.set_agreement(
            s,
            code="XA",
            agreement=AgreementSet(receive_types=["indicator", "alert"], share_traders=False),
        )
    refused = deliver(b, raw)
    assert (
        refused.status == "refused"
        and refused.reason
        and refused.reason.startswith("traders-not-agreed:")
    )
    with b.store.session() as s:
        partners.set_agreement(
            s, code="XA", agreement=AgreementSet(receive_types=["indicator"], share_traders=True)
        )
    refused = deliver(b, raw)
    assert refused.reason and refused.reason.startswith("not-agreed:") and "alert" in refused.reason
    assert imported(b) == 0


def test_traders_go_only_to_partners_whose_agreement_allows_them(
    pair: tuple[Instance, Instance], tmp_path: Path
) -> None:
    a, _b = pair
    c = instance(tmp_path / "c", "XC")
    register(a, c, traders=True)
    alert = AlertCreate(
        title="t",
        description="d",
        risk_category="revenue",
        recommended_action="r",
        traders=[{"role": "importer", "id": "TIN-1"}],
    )
    with a.store.session() as s:
        sent = outbox.share_alert(
            s,
            admin=a.admin,
            alert=alert,
            request=ShareRequest(recipients=["XB", "XC"]),
            days=3,
            actor="a",
        )
        bodies = {
            tuple(x.recipients): json.loads(outbox.sent_bundle(s, bundle_id=x.bundle_id).payload)
            for x in sent
        }
    alerts = {
        k: next(o for o in v["objects"] if o["type"] == "x-icrms-alert") for k, v in bodies.items()
    }
    assert alerts[("XC",)]["traders"] == [{"role": "importer", "id": "TIN-1"}]
    assert "traders" not in alerts[("XB",)]


def test_unconfirmed_partners_neither_send_nor_receive(tmp_path: Path, store: Store) -> None:
    a = instance(tmp_path / "a", "XA")
    b = instance(tmp_path / "b", "XB", store=store)
    register(a, b, confirm=False)
    register(b, a, confirm=False)
    with a.store.session() as s:
        profiles.add_profile(s, profile=PHONES)
        with pytest.raises(ValidationError, match="confirmed"):
            outbox.share_profile(
                s,
                admin=a.admin,
                code=PHONES.code,
                request=ShareRequest(recipients=["XB"]),
                days=3,
                actor="a",
            )
        partners.confirm_partner(s, code="XB", fingerprint=b.admin.identity.fingerprint, actor="op")
    result = deliver(b, share(a))
    assert (
        result.status == "refused"
        and result.reason
        and result.reason.startswith("unconfirmed-issuer:")
    )


def test_pre_arrival_data_is_stored_once_per_version(pair_any: tuple[Instance, Instance]) -> None:
    a, b = pair_any
    from icrms.exchange import objects as objs

    export = {
        "export_declaration_id": "KR-EX-1",
        "exported_at": datetime(2026, 3, 1, tzinfo=UTC),
        "country_of_export": "KR",
        "country_of_destination": "VN",
        "currency": "USD",
        "transport_document": "MSKU123456789",
        "items": [
            {"item_no": 1, "hs_code": "851713", "statistical_value": 900.0, "net_mass_kg": 3.0}
        ],
    }
    with a.store.session() as s:
        obj = objs.pre_arrival(a.code, a.admin.stix_id, export, "amber", datetime.now(UTC))
        sent = outbox.share_objects(
            s, admin=a.admin, objects=[obj], recipients=["XB"], days=3, actor="a"
        )
        raw = outbox.sent_bundle(s, bundle_id=sent[0].bundle_id).payload
    assert deliver(b, raw).status == "accepted"
    with a.store.session() as s:
        again = outbox.share_objects(
            s, admin=a.admin, objects=[obj], recipients=["XB"], days=3, actor="a"
        )
        raw2 = outbox.sent_bundle(s, bundle_id=again[0].bundle_id).payload
    assert deliver(b, raw2).status == "accepted"
    with b.store.session() as s:
        rows = s.scalars(select(PreArrivalRow)).all()
        assert [(r.issuer, r.export_declaration_id, r.transport_document) for r in rows] == [
            ("XA", "KR-EX-1", "MSKU123456789")
        ]
        assert imported(b) == 0  # data, not inbox items


def test_feedback_loop_through_files(pair_any: tuple[Instance, Instance]) -> None:
    """B adopts A's indicator, it selects, B's control finds fraud, B's sighting reaches A."""
    a, b = pair_any
    result = deliver(b, share(a, tlp="amber"))
    with b.store.session() as s:
        profile = inbox.adopt_indicator(s, item_id=result.inbox_items[0], actor="b")
        profiles.set_status(
            s,
            code=profile.code,
            status="active",
            today=date(2026, 3, 1),
            approved_by="second-analyst",
        )
        snapshot = selectivity.build_snapshot(s, secret=b"k" * 32, today=date(2026, 3, 2))
        declaration = DeclarationCreate.model_validate(
            {
                "declaration_id": "2026-0010-00000001",
                "lodged_at": "2026-03-02T09:00:00+07:00",
                "office_code": "0010",
                "importer_id": "TIN-0000007",
                "currency": "USD",
                "items": [
                    {
                        "item_no": 1,
                        "hs_code": "8517130000",
                        "net_mass_kg": 100.0,
                        "customs_value": 2000.0,
                    }
                ],
            }
        )
        submit_declaration(s, declaration=declaration)
        assessment = selectivity.assess(s, snapshot=snapshot, declaration=declaration)
        assert assessment.channel == "red"
        assert any(r.get("code") == profile.code and r["selected"] for r in assessment.reasons)
        record_control_result(
            s,
            result=ControlResultCreate(
                declaration_id="2026-0010-00000001",
                controlled_at=datetime(2026, 3, 2, 5, tzinfo=UTC),
                outcome="irregularity",
                irregularity_types=["undervaluation"],
                extra_revenue=800.0,
            ),
        )
        fed = flows.send_feedback(s, admin=b.admin, days=10, actor="b")
        assert (
            len(fed.sent) == 1 and fed.sent[0].recipients == ["XA"] and fed.sent[0].tlp == "amber"
        )
        raw = outbox.sent_bundle(s, bundle_id=fed.sent[0].bundle_id).payload
        assert flows.send_feedback(s, admin=b.admin, days=10, actor="b").sent == []  # nothing new
    assert deliver(a, raw).status == "accepted"
    with a.store.session() as s:
        seen = inbox.sightings(s)
    assert len(seen) == 1
    assert seen[0].issuer == "XB" and seen[0].profile_code == PHONES.code and seen[0].count == 1
    assert seen[0].feedback["outcomes"] == {"no_finding": 0, "irregularity": 1, "seizure": 0}
    assert seen[0].feedback["offices"] == ["0010"] and seen[0].first_seen is not None
