"""The demo's exchange with a second administration, over files as an air-gapped link carries them.

The demo workspace speaks for administration DEMO-A; DEMO-B has its own workspace, store and key
pair beside it. They register each other with confirmed fingerprints and agree what to exchange.
DEMO-B warns of cocaine in green coffee from Brazil (the generator's emerging threat): an urgent
alert with its indicator. DEMO-A receives both; an analyst adopts the indicator as a draft
profile, backtests it on DEMO-A's own history and a second analyst switches it on — before the
live submissions, which it then selects. Officers control what it selected (the finding is the
generator's truth for the declaration); ``icrms exchange feedback`` sends the sighting back, and
DEMO-B sees where its indicator hit.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import String, cast, select

from icrms.cli.common import store, warehouse
from icrms.controls.schemas import ControlResultCreate
from icrms.controls.service import record_control_result
from icrms.core.clock import now
from icrms.core.db import Store
from icrms.exchange import flows, inbox, outbox, partners
from icrms.exchange.administration import Administration, local_administration
from icrms.exchange.receive import receive
from icrms.exchange.schemas import (
    OBJECT_KINDS,
    AgreementSet,
    AlertCreate,
    Goods,
    PartnerCreate,
    Route,
    ShareRequest,
)
from icrms.generator.oracle import oracle_path
from icrms.profiles import service as profiles
from icrms.profiles import watchlists
from icrms.profiles.backtest import backtest
from icrms.profiles.schemas import ProfileCreate
from icrms.selectivity.tables import AssessmentRow
from icrms.settings import ExchangeSettings, Settings

OURS, THEIRS = "DEMO-A", "DEMO-B"
COFFEE = ProfileCreate(
    code="DRG-COFFEE-BR",
    name="Cocaine in green coffee from Brazil",
    purpose="Green coffee shipped by sea from Brazil: cocaine found in the middle of the sacks",
    category="drugs",
    criteria="hs6 = '090111' AND country_of_export = 'BR' AND transport_mode = '1'",
    score=80,
    min_channel="red",
    valid_from=date(2025, 1, 1),
)
ALERT = AlertCreate(
    title="Cocaine in green coffee from Brazil",
    description="Since September, seizures of cocaine in sea containers of green coffee from Brazil",
    risk_category="drugs",
    modus_operandi="packed in the middle of sacks of green coffee beans; exporters are front "
    "companies that shipped clean coffee for months first",
    goods=[Goods(hs_code="090111", description="green coffee beans, not roasted")],
    routes=[Route(country_of_departure="BR", transport_mode="1")],
    indicator_profiles=[COFFEE.code],
    recommended_action="Scan and open sea containers of green coffee from Brazil",
    urgency="urgent",
)


def _as(settings: Settings, code: str, name: str, home: Path | None = None) -> Settings:
    update: dict[str, Any] = {"exchange": ExchangeSettings(administration=code, name=name)}
    if home is not None:
        update["home"] = home
    return settings.model_copy(update=update)


def _partner_of(local: Store, other: Administration) -> None:
    agreed = AgreementSet.model_validate(
        {"send_types": list(OBJECT_KINDS), "receive_types": list(OBJECT_KINDS)}
    )
    with local.session() as s:
        partners.add_partner(
            s,
            partner=PartnerCreate(
                code=other.code, name=other.name, public_key=other.public_key_b64
            ),
        )
        # in real life the fingerprint is read out by the partner over another channel
        partners.confirm_partner(
            s, code=other.code, fingerprint=other.identity.fingerprint, actor="demo-admin"
        )
        partners.set_agreement(s, code=other.code, agreement=agreed)


def _carry(bundles: list[str], sender: Store, folder: Path) -> list[bytes]:
    """The bundles as the air-gapped link carries them: files, byte for byte."""
    folder.mkdir(parents=True, exist_ok=True)
    raws = []
    with sender.session() as s:
        for bundle_id in bundles:
            payload = outbox.sent_bundle(s, bundle_id=bundle_id).payload.encode()
            (folder / f"{bundle_id}.json").write_bytes(payload)
            raws.append(payload)
    return raws


def step_exchange(ctx: Any) -> None:
    """A partner administration warns of cocaine in coffee; its indicator is adopted and switched on."""
    ours = _as(ctx.settings, OURS, "Demo customs A")
    theirs = _as(ctx.settings, THEIRS, "Demo customs B", ctx.settings.home / "partner-demo-b")
    theirs.ensure_home()
    ctx.settings = ours  # the served application speaks for DEMO-A
    a, b = local_administration(ours), local_administration(theirs)
    here, there = store(ours), Store(theirs.store_url)
    _partner_of(here, b)
    _partner_of(there, a)
    with there.session() as s:
        profiles.add_profile(s, profile=COFFEE, actor="partner-analyst")
        sent = outbox.share_alert(
            s,
            admin=b,
            alert=ALERT,
            request=ShareRequest(recipients=[OURS], tlp="amber"),
            days=30,
            actor="partner-analyst",
        )
    raws = _carry([x.bundle_id for x in sent], there, ours.home / "exchange" / "incoming")
    with here.session() as s:
        received = [receive(s, admin=a, raw=raw, via="file") for raw in raws]
        items = {i.object_type: i for i in inbox.list_inbox(s, state="new")}
        adopted = inbox.adopt_indicator(
            s, item_id=items["indicator"].id, actor="demo-analyst", note="fits our coffee imports"
        )
        lists = watchlists.snapshot(s)
    spec = ProfileCreate.model_validate(adopted.model_dump(include=set(ProfileCreate.model_fields)))
    with warehouse(ours) as wh:
        report = backtest(
            wh,
            spec,
            watchlists=lists,
            secret=ours.selectivity_secret(),
            date_from=date(2025, 1, 1),
            date_to=date(2025, 12, 31),
        )
    with here.session() as s:
        profiles.request_activation(s, code=adopted.code, actor="demo-analyst")
        profiles.decide_activation(s, code=adopted.code, actor="demo-approver", approve=True)
    there.dispose()
    ctx.summary["exchange"] = {
        "partner": THEIRS,
        "received": [{"bundle": r.bundle_id, "status": r.status} for r in received],
        "alert_waiting": items["x-icrms-alert"].title,
        "adopted": adopted.code,
        "backtest": {k: report.as_dict()[k] for k in ("matches", "selections", "controls", "hits")},
    }


def _selected(session: Any, code: str) -> list[AssessmentRow]:
    rows = session.scalars(
        select(AssessmentRow).where(cast(AssessmentRow.reasons, String).like(f"%{code}%"))
    ).all()
    return [
        r for r in rows if any(x.get("code") == code and x.get("selected") for x in r.reasons if x)
    ]


def step_exchange_feedback(ctx: Any) -> None:
    """Officers control what the partner's indicator selected; the sighting goes back to DEMO-B."""
    code = ctx.summary["exchange"]["adopted"]
    theirs = _as(ctx.settings, THEIRS, "Demo customs B", ctx.settings.home / "partner-demo-b")
    assert ctx.data_file is not None
    truth = pq.read_table(oracle_path(ctx.data_file), columns=["declaration_id", "fraud"])
    here, there = store(ctx.settings), Store(theirs.store_url)
    with here.session() as s:
        chosen = _selected(s, code)
        ids = sorted({r.declaration_id for r in chosen})
        frauds = truth.filter(
            pc.and_(
                pc.is_in(truth["declaration_id"], value_set=pa.array(ids, pa.string())),
                pc.equal(truth["fraud"], 1),
            )
        )
        fraud = set(frauds.column("declaration_id").to_pylist())
        for row in chosen:  # the officer finds what is truly there
            found = row.declaration_id in fraud
            record_control_result(
                s,
                result=ControlResultCreate(
                    declaration_id=row.declaration_id,
                    version=row.version,
                    controlled_at=now(),
                    outcome="seizure" if found else "no_finding",
                    irregularity_types=["drugs"] if found else [],
                    seizure_goods="cocaine hydrochloride" if found else None,
                    concealment="in the middle of sacks of green coffee beans" if found else None,
                    officer_id="demo-officer",
                ),
            )
        result = flows.send_feedback(
            s, admin=local_administration(ctx.settings), days=30, actor="demo-analyst"
        )
    raws = _carry([x.bundle_id for x in result.sent], here, theirs.home / "exchange" / "incoming")
    with there.session() as s:
        back = [receive(s, admin=local_administration(theirs), raw=r, via="file") for r in raws]
        seen = inbox.sightings(s)
    there.dispose()
    ctx.summary["exchange"]["feedback"] = {
        "selected_live": len(chosen),
        "seizures": len(fraud),
        "sightings_sent": len(result.sent),
        "received_by_partner": [r.status for r in back],
        "partner_sees": [
            {"indicator": x.profile_code, "from": x.issuer, "hits": x.count} for x in seen
        ],
    }


def print_exchange(summary: dict[str, Any]) -> None:
    """The exchange lines of the demo summary."""
    from icrms.cli.common import console

    x = summary.get("exchange")
    if not x:
        return
    b, f = x["backtest"], x.get("feedback", {})
    console.print(
        f"exchange with {x['partner']}: {len(x['received'])} bundles received "
        f"({', '.join(r['status'] for r in x['received'])}); alert waiting in the inbox: "
        f"{x['alert_waiting']!r}; indicator adopted as {x['adopted']} "
        f"(backtest: {b['matches']} matches, {b['hits']} hits in {b['controls']} known controls), "
        "switched on by a second analyst",
        highlight=False,
    )
    if f:
        console.print(
            f"  it selected {f['selected_live']} live declarations; officers seized cocaine in "
            f"{f['seizures']}; sighting sent back ({', '.join(f['received_by_partner']) or 'none'}); "
            f"{x['partner']} sees: {f['partner_sees']}",
            highlight=False,
        )
