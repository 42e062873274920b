"""``icrms exchange export|import|sync``: move signed bundles by file or over TAXII 2.1."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from icrms.cli.common import JSON_OPTION, emit, handle_errors, print_lines, settings, store
from icrms.cli.partners import actor
from icrms.errors import IcrmsError
from icrms.exchange import flows, outbox, partners, receive
from icrms.exchange.administration import local_administration
from icrms.settings import Settings


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


def push_now(opened: Any, current: Settings, bundle_id: str) -> dict[str, Any]:
    """Push one urgent bundle now: ``{"pushed": statuses}``, or ``{"push_error": why}``."""
    from icrms.exchange import sync as client

    keys = current.home / "keys"
    try:
        statuses = client.push(
            opened, bundle_id=bundle_id, client_for=lambda c: client.client_for(opened, keys, c)
        )
    except IcrmsError as exc:
        return {"push_error": f"{exc.message}; icrms exchange sync pushes it later"}
    return {"pushed": statuses}


def push_line(push: dict[str, Any] | None) -> str:
    """How a push went, for the terminal."""
    if not push or push.get("pushed") == {}:
        return ""
    if "push_error" in push:
        return f"; not pushed: {push['push_error']}"
    return "; pushed to " + ", ".join(
        f"{code} ({'accepted' if s.get('failure_count') == 0 else 'refused'})"
        for code, s in push["pushed"].items()
    )
