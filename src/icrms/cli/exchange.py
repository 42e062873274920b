"""``icrms exchange``: share with partner administrations, receive, decide, feed back."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
import yaml

from icrms.cli import exchange_data, exchange_transfer
from icrms.cli.common import JSON_OPTION, emit, handle_errors, print_lines, settings, store
from icrms.cli.partners import actor, agreement_app, groups_app, partners_app
from icrms.exchange import flows, inbox, outbox, stix
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
app.command("export")(exchange_transfer.export)
app.command("import")(exchange_transfer.import_)
app.command("sync")(exchange_transfer.sync)

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
    send: Callable[..., list[SentBundle]],
    request: ShareRequest,
    as_json: bool,
    push: bool = False,
    **what: Any,
) -> None:
    """Run one sharing service in a session with this administration, and print what went.

    With ``push``, urgent bundles go to each recipient's inbox at once; a push that fails is
    said and left to ``icrms exchange sync`` (the bundle is shared either way).
    """
    current = settings()
    admin = local_administration(current)
    opened = store(current)
    with opened.session() as s:
        sent = send(
            s, admin=admin, request=request, days=_days(current, request), actor=actor(), **what
        )
    pushes = {
        b.bundle_id: exchange_transfer.push_now(opened, current, b.bundle_id)
        for b in sent
        if push and b.urgent
    }
    _sent(sent, as_json, pushes)


def _sent(
    rows: list[SentBundle], as_json: bool, pushes: dict[str, dict[str, Any]] | None = None
) -> None:
    pushes = pushes or {}
    emit(
        [b.model_dump(mode="json") | pushes.get(b.bundle_id, {}) for b in rows],
        as_json,
        lambda: print_lines(
            f"sent {b.bundle_id} to {', '.join(b.recipients)} TLP:{b.tlp.upper()} {b.objects} objects, expires {b.expires:%Y-%m-%d}"
            + (" URGENT" if b.urgent else "")
            + exchange_transfer.push_line(pushes.get(b.bundle_id))
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
    push: bool = typer.Option(
        True, "--push/--no-push", help="push an urgent alert to the recipients' inboxes at once"
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Share a risk alert (with the indicators of the profiles it names); urgent ones are pushed."""
    alert = AlertCreate.model_validate(yaml.safe_load(file.read_text(encoding="utf-8")))
    _share(outbox.share_alert, _request(to, tlp, days), as_json, push=push, alert=alert)


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
