"""Two administrations over HTTP: the whole loop, then every attack refused with its reason.

The loop: XA shares an indicator; XB pulls it (``icrms exchange sync``), adopts it as a draft
profile, backtests it, and two analysts switch it on; a declaration it selects is controlled and
fraud found; ``icrms exchange feedback`` sends a sighting and XA pulls it: XA sees where its
indicator hit. The attacks are pushed to XB's inbox (or tried at XB's endpoints) with XA's
partner token; each is refused with its reason and XB imports nothing.
"""

from __future__ import annotations

import base64
import copy
import json
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from icrms.core.clock import now
from icrms.core.identity import load_identity
from icrms.exchange import objects as objs
from icrms.exchange import stix, taxii
from icrms.exchange.administration import Administration, identity_id
from icrms.exchange.bundles import build_bundle
from icrms.exchange.signing import signed_bytes
from icrms.exchange.sync import TaxiiClient
from icrms.exchange.tables import InboxItemRow, ReceivedBundleRow, SentBundleRow
from icrms.profiles import service as profiles
from tests.factories import declaration_json
from tests.twoinstances.conftest import PROFILE_YAML, Node, Pair


def _job(node: Node, job_id: int, who: str) -> dict[str, Any]:
    deadline = time.monotonic() + 300
    while True:
        job = node.api("GET", f"/api/v1/jobs/{job_id}", who).json()
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return job  # type: ignore[no-any-return]
        assert time.monotonic() < deadline, job
        time.sleep(0.5)


def test_an_indicator_goes_round_the_loop(pair: Pair) -> None:
    a, b = pair.a, pair.b
    (pair.tmp / "phones.yaml").write_text(
        PROFILE_YAML.format(code="REV-UV-PHONES", name="Undervalued smartphones"),
        encoding="utf-8",
    )
    a.cli("profiles", "add", str(pair.tmp / "phones.yaml"))
    sent = a.cli_json("exchange", "share", "profile", "REV-UV-PHONES", "--to", "XB")
    assert [s["recipients"] for s in sent] == [["XB"]]

    pulled = b.cli_json("exchange", "sync", "--partner", "XA")
    assert [(p["partner"], p["accepted"], p["refused"]) for p in pulled["pulled"]] == [
        ("XA", 1, [])
    ]
    again = b.cli_json("exchange", "sync", "--partner", "XA")["pulled"][0]
    assert (again["accepted"], again["skipped"]) == (0, 1), "a repeated sync imports nothing"

    items = [i for i in b.cli_json("exchange", "inbox", "list") if i["issuer"] == "XA"]
    assert [(i["object_type"], i["state"]) for i in items] == [("indicator", "new")]
    draft = b.cli_json("exchange", "inbox", "adopt", str(items[0]["id"]))
    code = draft["code"]
    assert draft["status"] == "draft" and "XA" in json.dumps(draft["provenance"])

    job = b.api(
        "POST",
        f"/api/v1/profiles/{code}/backtest",
        "analyst1",
        json={"date_from": "2025-01-01", "date_to": "2025-12-31"},
    )
    assert job.status_code == 202, job.text
    done = _job(b, job.json()["id"], "analyst1")
    assert done["status"] == "succeeded", done
    asked = b.api("POST", f"/api/v1/profiles/{code}/approval-requests", "analyst1", json={})
    assert asked.status_code == 201, asked.text
    own = b.api("POST", f"/api/v1/profiles/{code}/approval", "analyst1", json={"approve": True})
    assert own.status_code == 403, "four eyes: not one's own request"
    active = b.api("POST", f"/api/v1/profiles/{code}/approval", "analyst2", json={"approve": True})
    assert active.status_code == 200 and active.json()["status"] == "active", active.text

    body = declaration_json(n=7, lodged_at=now().isoformat())
    body["items"][0]["customs_value"] = 9000.0  # type: ignore[index]  # 82 USD/kg: under 100
    submitted = b.api("POST", "/api/v1/declarations", "cdps", json=body)
    assert submitted.status_code == 201, submitted.text
    assessment = submitted.json()["assessment"]
    assert any(
        r.get("kind") == "profile" and r.get("code") == code and r.get("selected")
        for r in assessment["reasons"]
    ), json.dumps(assessment)
    control = b.api(
        "POST",
        "/api/v1/control-results",
        "officer",
        json={
            "declaration_id": body["declaration_id"],
            "controlled_at": now().isoformat(),
            "outcome": "irregularity",
            "selection": "targeted",
            "irregularity_types": ["undervaluation"],
            "extra_revenue": 5200.0,
        },
    )
    assert control.status_code == 201, control.text

    synced = b.cli_json("exchange", "sync", "--partner", "XA")  # queues the sighting
    assert [s["recipients"] for s in synced["feedback_sent"]] == [["XA"]]
    assert b.cli_json("exchange", "sync", "--partner", "XA")["feedback_sent"] == []
    back = a.cli_json("exchange", "sync", "--partner", "XB")["pulled"][0]
    assert (back["accepted"], back["refused"]) == (1, []), back
    sightings = a.cli_json("exchange", "sightings")
    assert [(s["issuer"], s["profile_code"], s["count"]) for s in sightings] == [
        ("XB", "REV-UV-PHONES", 1)
    ]
    assert sightings[0]["feedback"]["outcomes"]["irregularity"] == 1

    trail_a = {e["action"] for e in a.cli_json("audit", "list", "--limit", "200")}
    trail_b = {e["action"] for e in b.cli_json("audit", "list", "--limit", "200")}
    assert {"exchange.send", "exchange.serve", "exchange.receive.accepted"} <= trail_a
    assert {"exchange.send", "exchange.serve", "exchange.receive.accepted"} <= trail_b


# --- attacks ---------------------------------------------------------------------------------


def _counts(node: Node) -> tuple[int, int]:
    with node.store.session() as s:
        items = s.scalar(select(func.count()).select_from(InboxItemRow)) or 0
        accepted = (
            s.scalar(
                select(func.count())
                .select_from(ReceivedBundleRow)
                .where(ReceivedBundleRow.status == "accepted")
            )
            or 0
        )
    return items, accepted


def _indicator(a: Node, code: str, tlp: str = "amber") -> dict[str, Any]:
    admin = a.admin
    with a.store.session() as s:
        try:
            profile = profiles.get_profile(s, code=code)
        except Exception:
            (a.home / f"{code}.yaml").write_text(
                PROFILE_YAML.format(code=code, name=f"Profile {code}"), encoding="utf-8"
            )
            profile = None
    if profile is None:
        a.cli("profiles", "add", str(a.home / f"{code}.yaml"))
        with a.store.session() as s:
            profile = profiles.get_profile(s, code=code)
    return objs.indicator(admin.code, admin.stix_id, profile, tlp, now(), now())


def _bundle(
    admin: Administration,
    objects: list[dict[str, Any]],
    recipients: tuple[str, ...] = ("XB",),
    issued_days: float = 0,
    days: float = 2,
) -> dict[str, Any]:
    issued = now() + timedelta(days=issued_days)
    return build_bundle(
        admin,
        copy.deepcopy(objects),
        recipients=list(recipients),
        issued=issued,
        expires=issued + timedelta(days=days),
    )


def _stranger(pair: Pair, code: str, name: str) -> Administration:
    """An administration with a key pair of its own (created in a folder of its own)."""
    identity = load_identity(pair.tmp / f"stranger-{name}")
    return Administration(code, f"Customs {code}", None, identity)


def _push(pair: Pair, bundle: dict[str, Any]) -> dict[str, Any]:
    client = TaxiiClient(pair.b.api_root, Path(pair.tmp / "XA-at-XB.token").read_text())
    return client.push(taxii.INBOX_ID, bundle["objects"])


def test_every_attack_is_refused_with_its_reason_and_nothing_imported(pair: Pair) -> None:
    a, b = pair.a, pair.b
    indicator = _indicator(a, "ATTACK-BASE")
    valid = _bundle(a.admin, [indicator])
    ok = _push(pair, valid)
    assert ok["failure_count"] == 0 and ok["success_count"] == ok["total_count"], ok
    before = _counts(b)

    forged = copy.deepcopy(valid)
    other = _stranger(pair, "XA", "forger").identity
    forged["objects"][0]["signature"] = base64.b64encode(other.sign(signed_bytes(forged))).decode()
    forged["id"] = forged["objects"][0]["bundle_id"] = stix.new_id("bundle")

    tampered = _bundle(a.admin, [indicator])
    body = tampered["objects"][-1]
    body["pattern"] = body["pattern"].replace("100", "1000")

    red_from_c = {
        **_indicator(a, "ATTACK-RED", tlp="red"),
        "created_by_ref": identity_id("XC"),
        "id": objs.indicator_id("XC", "ATTACK-RED"),
    }
    attacks = [
        ("forged signature", "bad-signature", forged),
        ("tampered object", "bad-signature", tampered),
        ("another key", "key-mismatch", _bundle(_stranger(pair, "XA", "impostor"), [indicator])),
        ("replayed bundle", "replay", valid),
        ("expired bundle", "expired", _bundle(a.admin, [indicator], issued_days=-3, days=1)),
        ("wrong recipient", "not-recipient", _bundle(a.admin, [indicator], recipients=("XC",))),
        ("unknown issuer", "unknown-issuer", _bundle(_stranger(pair, "XZ", "x"), [indicator])),
        ("re-shared RED object", "reshare", _bundle(a.admin, [red_from_c])),
    ]
    for name, reason, bundle in attacks:
        status = _push(pair, bundle)
        assert status["success_count"] == 0, (name, status)
        assert status["failures"][0]["message"].startswith(reason + ":"), (name, status)
        assert _counts(b) == before, f"{name}: something was imported"
    refused = b.cli_json("exchange", "received", "--refused")
    codes = {r["reason"].split(":")[0] for r in refused}
    assert {reason for _, reason, _ in attacks} <= codes


def test_a_red_object_received_is_never_shared_on(pair: Pair) -> None:
    a, b = pair.a, pair.b
    red = _bundle(a.admin, [_indicator(a, "ATTACK-RED-2", tlp="red")])
    assert _push(pair, red)["failure_count"] == 0
    with b.store.session() as s:
        item = s.scalar(
            select(InboxItemRow).where(InboxItemRow.object_id == red["objects"][-1]["id"])
        )
        assert item is not None and item.tlp == "red"
        sent_before = s.scalar(select(func.count()).select_from(SentBundleRow))
    refused = b.cli("exchange", "share", "forward", str(item.id), "--to", "XC", ok=False)
    assert "TLP:RED" in refused and "may not be shared on" in refused
    adopted = b.cli_json("exchange", "inbox", "adopt", str(item.id))
    refused = b.cli("exchange", "share", "profile", adopted["code"], "--to", "XC", ok=False)
    assert "TLP:RED" in refused
    with b.store.session() as s:
        assert s.scalar(select(func.count()).select_from(SentBundleRow)) == sent_before


def test_a_partner_token_reaches_the_exchange_endpoints_only(pair: Pair) -> None:
    b = pair.b
    token = Path(pair.tmp / "XA-at-XB.token").read_text()
    for path in ("/api/v1/profiles", "/api/v1/declarations", "/api/v1/me", "/", "/audit"):
        r = b.api("GET", path, token, headers={"Accept": "application/json"})
        assert r.status_code == 403, (path, r.status_code)
        assert "exchange endpoints only" in r.text
    posted = b.api("POST", "/api/v1/declarations", token, json=declaration_json(n=9))
    assert posted.status_code == 403


def test_a_partner_cannot_read_another_partners_collection(pair: Pair) -> None:
    b = pair.b
    token = Path(pair.tmp / "XA-at-XB.token").read_text()
    taxii_headers = {"Accept": taxii.TAXII_MEDIA}
    theirs = f"/taxii2/exchange/collections/{taxii.outbox_id('XC')}/objects/"
    r = b.api("GET", theirs, token, headers=taxii_headers)
    assert r.status_code == 404 and r.json()["http_status"] == "404"
    listed = b.api("GET", "/taxii2/exchange/collections/", token, headers=taxii_headers).json()
    assert taxii.outbox_id("XC") not in {c["id"] for c in listed["collections"]}
    own = b.api("GET", theirs, pair.c_token_at_b, headers=taxii_headers)
    assert own.status_code == 200 and any(
        o.get("name") == "For XC only" for o in own.json()["objects"]
    ), "XC itself does read it"


ALERT_YAML = """
title: Cocaine in green coffee from Brazil
description: Seizures of cocaine in sea containers of green coffee from Brazil
risk_category: drugs
recommended_action: Scan and open containers of green coffee from Brazil
urgency: urgent
"""


def test_an_urgent_alert_is_pushed_to_the_partners_inbox(pair: Pair) -> None:
    a, b = pair.a, pair.b
    (pair.tmp / "alert.yaml").write_text(ALERT_YAML, encoding="utf-8")
    sent = a.cli_json(
        "exchange", "share", "alert", str(pair.tmp / "alert.yaml"), "--to", "XB", "--no-push"
    )
    assert [s["urgent"] for s in sent] == [True] and "pushed" not in sent[0]
    synced = a.cli_json("exchange", "sync", "--partner", "XB")
    status = synced["pushed"][sent[0]["bundle_id"]]["XB"]
    assert status["failure_count"] == 0 and status["success_count"] == status["total_count"]
    with b.store.session() as s:
        alert = s.scalar(
            select(InboxItemRow).where(
                InboxItemRow.issuer == "XA", InboxItemRow.object_type == "x-icrms-alert"
            )
        )
    assert alert is not None and alert.title == "Cocaine in green coffee from Brazil"
    assert a.cli_json("exchange", "sync", "--partner", "XB")["pushed"] == {}, "pushed once"
    (pair.tmp / "now.yaml").write_text(ALERT_YAML.replace("Brazil", "Colombia"), encoding="utf-8")
    now_sent = a.cli_json("exchange", "share", "alert", str(pair.tmp / "now.yaml"), "--to", "XB")
    pushed = now_sent[0]["pushed"]["XB"]
    assert pushed["failure_count"] == 0 and pushed["success_count"] == pushed["total_count"]
    with b.store.session() as s:
        titles = set(
            s.scalars(select(InboxItemRow.title).where(InboxItemRow.object_type == "x-icrms-alert"))
        )
    assert "Cocaine in green coffee from Colombia" in titles, "pushed when shared"
    assert a.cli_json("exchange", "sync", "--partner", "XB")["pushed"] == {}
