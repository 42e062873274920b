"""``icrms exchange``: share with partner administrations, receive, decide, feed back."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
import yaml

from icrms.cli import exchange_data
from icrms.cli.common import JSON_OPTION, emit, handle_errors, print_lines, settings, store
from icrms.cli.partners import actor, agreement_app, groups_app, partners_app
from icrms.errors import IcrmsError
from icrms.exchange import flows, inbox, outbox, partners, receive, stix
from icrms.exchange.administration import local_administration
from icrms.exchange.schemas import AlertCreate, InboxItemRead, SentBundle, ShareRequest
from icrms.settings import Settings

app = typer.Typer(
    help="Exchange with partner administrations: signed, TLP-marked STIX 2.1 bundles.",
    no_args_is_help=True,
)
share_app = typer.Typer(
    help="Share indicators, alerts and seizures with partners.", no_args_is_help=True
)
inbox_app = typer.Typer(help="Received objects waiting for a decision.", no_args_is_help=True)
app.add_typer(partners_app, name="partners")
app.add_typer(groups_app, name="groups")
app.add_typer(agreement_app, name="agreement")
app.add_typer(share_app, name="share")
app.add_typer(inbox_app, name="inbox")
app.add_typer(exchange_data.rates_app, name="rates")
app.add_typer(exchange_data.aggregates_app, name="aggregates")
share_app.command("pre-arrival")(exchange_data.share_pre_arrival)
app.command("mirror")(exchange_data.mirror_report)
app.command("generate-exports")(exchange_data.generate_exports)

TO = typer.Option(..., "--to", help="comma-separated partner codes or group names")
TLP = typer.Option("amber", "--tlp", help="clear | green | amber | amber+strict | red")
DAYS = typer.Option(None, "--days", help="validity of the bundle (default from settings)")


def _request(to: str, tlp: str, days: int | None) -> ShareRequest:
    return ShareRequest.model_validate(
        {"recipients": [t.strip() for t in to.split(",") if t.strip()], "tlp": tlp, "days": days}
    )


def _days(current: Settings, request: ShareRequest) -> int:
    return request.days or current.exchange.bundle_days


def _share(
    send: Callable[..., list[SentBundle]], request: ShareRequest, as_json: bool, **what: Any
) -> None:
    """Run one sharing service in a session with this administration, and print what went."""
    current = settings()
    admin = local_administration(current)
    with store(current).session() as s:
        sent = send(
            s, admin=admin, request=request, days=_days(current, request), actor=actor(), **what
        )
    _sent(sent, as_json)


def _sent(rows: list[SentBundle], as_json: bool) -> None:
    emit(
        [b.model_dump(mode="json") for b in rows],
        as_json,
        lambda: print_lines(
            f"sent {b.bundle_id} to {', '.join(b.recipients)} TLP:{b.tlp.upper()} {b.objects} objects, expires {b.expires:%Y-%m-%d}"
            + (" URGENT" if b.urgent else "")
            for b in rows
        ),
    )


@share_app.command("profile")
@handle_errors
def share_profile(
    code: str = typer.Argument(...),
    to: str = TO,
    tlp: str = TLP,
    days: int = DAYS,
    as_json: bool = JSON_OPTION,
) -> None:
    """Share a profile's criteria as an indicator."""
    _share(outbox.share_profile, _request(to, tlp, days), as_json, code=code)


@share_app.command("alert")
@handle_errors
def share_alert(
    file: Path = typer.Argument(..., help="YAML or JSON alert"),
    to: str = TO,
    tlp: str = TLP,
    days: int = DAYS,
    as_json: bool = JSON_OPTION,
) -> None:
    """Share a risk alert (with the indicators of the profiles it names)."""
    alert = AlertCreate.model_validate(yaml.safe_load(file.read_text(encoding="utf-8")))
    _share(outbox.share_alert, _request(to, tlp, days), as_json, alert=alert)


@share_app.command("seizure")
@handle_errors
def share_seizure(
    control: int = typer.Argument(..., help="control result number (seq)"),
    to: str = TO,
    tlp: str = TLP,
    days: int = DAYS,
    as_json: bool = JSON_OPTION,
) -> None:
    """Share a seizure found in a control (non-nominal unless the agreement allows traders)."""
    _share(flows.share_seizure, _request(to, tlp, days), as_json, seq=control)


@share_app.command("forward")
@handle_errors
def forward(
    item: int = typer.Argument(..., help="inbox item id"),
    to: str = TO,
    days: int = DAYS,
    as_json: bool = JSON_OPTION,
) -> None:
    """Share a received object on, unchanged (refused unless it is marked GREEN or CLEAR)."""
    _share(outbox.forward, _request(to, "green", days), as_json, item_id=item)


@app.command("export")
@handle_errors
def export(
    bundle: str = typer.Argument(None, help="a bundle id (default: every bundle to --partner)"),
    partner: str = typer.Option(None, "--partner", help="every unexpired bundle to this partner"),
    out: Path = typer.Option(..., "--out", help="file for one bundle, folder for several"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Write signed bundles to files for an air-gapped link (the bytes as signed)."""
    from icrms.core.clock import now

    with store().session() as s:
        if bundle:
            rows = [outbox.sent_bundle(s, bundle_id=bundle)]
        else:
            rows = [
                r
                for r in outbox.sent_bundles(s, limit=100_000)
                if partner in r.recipients and r.expires > now()
            ]
        written = []
        for row in rows:
            target = out if bundle else out / f"{row.bundle_id}.json"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(row.payload, encoding="utf-8")
            written.append({"bundle_id": row.bundle_id, "file": str(target), "sha256": row.sha256})
    emit(written, as_json, lambda: print_lines(f"{w['bundle_id']} -> {w['file']}" for w in written))


@app.command("import")
@handle_errors
def import_(
    files: list[Path] = typer.Argument(..., help="bundle files"), as_json: bool = JSON_OPTION
) -> None:
    """Receive bundles from files: each is accepted whole or refused with its reason."""
    current = settings()
    admin = local_administration(current)
    results = []
    for path in files:
        with store(current).session() as s:
            results.append(receive.receive(s, admin=admin, raw=path.read_bytes(), via="file"))
    emit(
        [r.model_dump(mode="json") for r in results],
        as_json,
        lambda: print_lines(
            f"{path.name}: {r.status} {r.bundle_id or ''} from {r.issuer or '?'}"
            + (
                f" ({r.objects} objects, inbox {r.inbox_items})"
                if r.status == "accepted"
                else f": {r.reason}"
            )
            for path, r in zip(files, results, strict=True)
        ),
    )
    if any(r.status == "refused" for r in results):
        raise typer.Exit(1)


def _item_line(i: InboxItemRead) -> str:
    return (
        f"{i.id:>5} {i.state:<9} {i.issuer:<6} {i.object_type:<16} TLP:{i.tlp.upper():<12} {i.title}"
        + (f" -> {i.local_ref}" if i.local_ref else "")
    )


@inbox_app.command("list")
@handle_errors
def inbox_list(
    state: str = typer.Option(None, "--state", help="new | accepted | dismissed"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Received indicators, alerts and seizures."""
    with store().session() as s:
        rows = inbox.list_inbox(s, state=state)
    emit(
        [r.model_dump(mode="json") for r in rows],
        as_json,
        lambda: print_lines(_item_line(r) for r in rows),
    )


@inbox_app.command("show")
@handle_errors
def inbox_show(item: int = typer.Argument(...), as_json: bool = JSON_OPTION) -> None:
    """One received object in full."""
    with store().session() as s:
        row = inbox.get_item(s, item_id=item)
    emit(
        row.model_dump(mode="json"),
        as_json,
        lambda: print_lines([_item_line(row), *json.dumps(row.payload, indent=2).splitlines()]),
    )


@inbox_app.command("adopt")
@handle_errors
def inbox_adopt(
    item: int = typer.Argument(...),
    note: str = typer.Option(None, "--note"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Turn a received indicator into a local draft profile (backtest it, then ask for approval)."""
    with store().session() as s:
        profile = inbox.adopt_indicator(s, item_id=item, actor=actor(), note=note)
    emit(
        profile.model_dump(mode="json"),
        as_json,
        lambda: print_lines(
            [
                f"draft profile {profile.code} v{profile.version} ({profile.status}): {profile.criteria}",
                f"provenance: {profile.provenance}",
            ]
        ),
    )


@inbox_app.command("accept")
@handle_errors
def inbox_accept(
    item: int = typer.Argument(...),
    note: str = typer.Option(None, "--note"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Accept a received alert or seizure into our intelligence."""
    with store().session() as s:
        row = inbox.accept_item(s, item_id=item, actor=actor(), note=note)
    emit(row.model_dump(mode="json"), as_json, lambda: print_lines([_item_line(row)]))


@inbox_app.command("dismiss")
@handle_errors
def inbox_dismiss(
    item: int = typer.Argument(...),
    note: str = typer.Option(..., "--note"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Dismiss a received object, saying why."""
    with store().session() as s:
        row = inbox.dismiss_item(s, item_id=item, actor=actor(), note=note)
    emit(row.model_dump(mode="json"), as_json, lambda: print_lines([_item_line(row)]))


@app.command("received")
@handle_errors
def received(
    refused: bool = typer.Option(False, "--refused", help="only refused bundles"),
    as_json: bool = JSON_OPTION,
) -> None:
    """The log of received bundles, with the reason of each refusal."""
    with store().session() as s:
        rows = inbox.received_log(s, status="refused" if refused else None)
    emit(
        [r.model_dump(mode="json") for r in rows],
        as_json,
        lambda: print_lines(
            f"{r.id:>5} {r.received_at:%Y-%m-%d %H:%M} {r.via:<5} {r.issuer or '?':<6} {r.status:<9} {r.bundle_id or '-'} {r.reason or ''}"
            for r in rows
        ),
    )


@app.command("feedback")
@handle_errors
def feedback(days: int = DAYS, as_json: bool = JSON_OPTION) -> None:
    """Send sightings to the issuers of adopted indicators whose control results changed."""
    current = settings()
    admin = local_administration(current)
    with store(current).session() as s:
        result = flows.send_feedback(
            s, admin=admin, days=days or current.exchange.bundle_days, actor=actor()
        )
    data: dict[str, Any] = {
        "sent": [b.model_dump(mode="json") for b in result.sent],
        "skipped": result.skipped,
    }
    if as_json:
        emit(data, True, lambda: None)
        return
    _sent(result.sent, False)
    print_lines(f"held back {k['indicator']}: {k['reason']}" for k in result.skipped)


@app.command("sightings")
@handle_errors
def sightings(as_json: bool = JSON_OPTION) -> None:
    """Per indicator we shared: how often and where it hit at each partner."""
    with store().session() as s:
        rows = inbox.sightings(s)
    emit(
        [r.model_dump(mode="json") for r in rows],
        as_json,
        lambda: print_lines(
            f"{r.profile_code or r.indicator_id:<24} {r.issuer:<6} hits {r.count:>4} of {r.feedback.get('controls', 0):>4} controls "
            f"({r.feedback.get('selections', 0)} selections) offices {','.join(r.feedback.get('offices', [])) or '-'} "
            f"{r.first_seen:%Y-%m-%d}..{r.last_seen:%Y-%m-%d}"
            if r.first_seen and r.last_seen
            else f"{r.profile_code or r.indicator_id:<24} {r.issuer:<6} hits {r.count}"
            for r in rows
        ),
    )


@app.command("schema")
@handle_errors
def schema() -> None:
    """Print the JSON Schema of icrms's STIX extensions."""
    emit(stix.json_schema(), True, lambda: None)


@app.command("sync")
@handle_errors
def sync(
    partner: str = typer.Option(
        None, "--partner", help="one partner (default: every partner with an API root)"
    ),
    feedback: bool = typer.Option(
        True, "--feedback/--no-feedback", help="first queue sightings on adopted indicators"
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Queue feedback sightings, pull partners' outboxes over TAXII, push urgent bundles."""
    from icrms.exchange import sync as client

    current = settings()
    admin = local_administration(current)
    opened = store(current)
    keys = current.home / "keys"
    sightings = []
    if feedback:
        with opened.session() as s:
            queued = flows.send_feedback(
                s, admin=admin, days=current.exchange.bundle_days, actor=actor()
            )
        sightings = [b.model_dump(mode="json") for b in queued.sent]
    with opened.session() as s:
        codes = (
            [partner]
            if partner
            else [p.code for p in partners.list_partners(s) if p.api_root and p.active]
        )
    pulled, pushed, errors = [], {}, {}
    for code in codes:
        try:
            result = client.pull(
                opened, admin=admin, partner=code, client=client.client_for(opened, keys, code)
            )
            pulled.append(result)
        except IcrmsError as exc:
            errors[code] = exc.message
    for bundle_id in client.pending_urgent(opened):
        try:
            pushed[bundle_id] = client.push(
                opened, bundle_id=bundle_id, client_for=lambda c: client.client_for(opened, keys, c)
            )
        except IcrmsError as exc:
            errors[bundle_id] = exc.message
    data = {
        "pulled": [
            {k: v for k, v in vars(r).items() if k != "results"}
            | {"refused": [x.reason for x in r.results if x.status == "refused"]}
            for r in pulled
        ],
        "pushed": pushed,
        "feedback_sent": sightings,
        "errors": errors,
    }
    emit(
        data,
        as_json,
        lambda: print_lines(
            [
                f"{r.partner}: {r.pages} pages, {r.objects} objects, {r.bundles} bundles: {r.accepted} accepted, "
                f"{r.refused} refused, {r.skipped} already had"
                for r in pulled
            ]
            + [f"pushed {b} to {', '.join(s)}" for b, s in pushed.items()]
            + [f"sighting for {', '.join(x['recipients'])} queued" for x in sightings]
            + [f"error {k}: {v}" for k, v in errors.items()]
        ),
    )
    if errors:
        raise typer.Exit(1)
