"""``icrms exchange partners|groups|agreement``: partner administrations and what they may exchange."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from icrms.cli.common import JSON_OPTION, emit, handle_errors, print_lines, settings, store
from icrms.errors import ValidationError
from icrms.exchange import partners as service
from icrms.exchange.schemas import (
    OBJECT_KINDS,
    AgreementRead,
    AgreementSet,
    GroupCreate,
    GroupRead,
    PartnerCreate,
    PartnerRead,
)

partners_app = typer.Typer(help="Partner administrations: keys, API, tokens.", no_args_is_help=True)
groups_app = typer.Typer(help="Groups of partners, usable as recipients.", no_args_is_help=True)
agreement_app = typer.Typer(help="Per-partner agreements.", no_args_is_help=True)


def actor() -> str:
    """Who runs a command, as the exchange records it."""
    import getpass

    return f"cli:{getpass.getuser()}"


def _line(p: PartnerRead) -> str:
    state = "confirmed" if p.confirmed_at else "UNCONFIRMED"
    return f"{p.code:<8} {state:<11} {'active' if p.active else 'inactive':<8} {p.fingerprint}  {p.name}  {p.api_root or '-'}"


def _partners(rows: list[PartnerRead], as_json: bool) -> None:
    emit(
        [p.model_dump(mode="json") for p in rows],
        as_json,
        lambda: print_lines(_line(p) for p in rows),
    )


@partners_app.command("add")
@handle_errors
def add(
    code: str = typer.Argument(None, help="Partner code (or take it from --from-file)."),
    name: str = typer.Option(None, "--name"),
    public_key: str = typer.Option(None, "--public-key", help="base64 Ed25519 public key"),
    country: str = typer.Option(None, "--country"),
    api_root: str = typer.Option(None, "--api-root", help="the partner's TAXII API root URL"),
    from_file: Path = typer.Option(
        None, "--from-file", help="the partner's `icrms identity show --json` output"
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Register a partner; confirm its fingerprint with the partner before anything is exchanged."""
    values = {}
    if from_file is not None:
        info = json.loads(from_file.read_text(encoding="utf-8"))
        values = {
            "code": info.get("administration"),
            "name": info.get("name"),
            "country": info.get("country"),
            "public_key": info.get("public_key"),
        }
    given = {
        "code": code,
        "name": name,
        "public_key": public_key,
        "country": country,
        "api_root": api_root,
    }
    values.update({k: v for k, v in given.items() if v is not None})
    partner = PartnerCreate.model_validate(values)
    with store().session() as s:
        added = service.add_partner(s, partner=partner)
    _partners([added], as_json)
    if not as_json:
        print_lines(
            [
                f"confirm with: icrms exchange partners confirm {added.code} --fingerprint <as read out by {added.code}>"
            ]
        )


@partners_app.command("confirm")
@handle_errors
def confirm(
    code: str = typer.Argument(...),
    fingerprint: str = typer.Option(..., "--fingerprint", help="as the partner reads it out"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Confirm a partner's key by its fingerprint (a mismatch confirms nothing)."""
    with store().session() as s:
        partner = service.confirm_partner(s, code=code, fingerprint=fingerprint, actor=actor())
    _partners([partner], as_json)


@partners_app.command("set")
@handle_errors
def set_(
    code: str = typer.Argument(...),
    api_root: str = typer.Option(None, "--api-root"),
    token_file: Path = typer.Option(
        None, "--token-file", help="file holding the token the partner issued us (kept 0600)"
    ),
    our_token: str = typer.Option(None, "--our-token-id", help="id of the API token we issued it"),
    active: bool = typer.Option(None, "--active/--inactive"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Change a partner's API root, tokens or whether it is active."""
    current = settings()
    if token_file is not None:
        service.save_partner_token(
            current.home / "keys", code, token_file.read_text(encoding="utf-8")
        )
    with store(current).session() as s:
        partner = service.update_partner(
            s, code=code, api_root=api_root, token_id=our_token, active=active
        )
    _partners([partner], as_json)


@partners_app.command("token")
@handle_errors
def token(
    code: str = typer.Argument(...),
    days: int = typer.Option(365, "--days", min=1, max=3650, help="validity of the token"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Issue a partner its token for our TAXII endpoints (shown once; an earlier one is revoked)."""
    from icrms.exchange.transport import issue_token

    with store().session() as s:
        issued = issue_token(s, code=code, days=days, actor=actor())
    emit(
        issued.model_dump(mode="json"),
        as_json,
        lambda: print_lines(
            [
                issued.token,
                f"token {issued.public_id} for partner {code}, expires {issued.expires_at:%Y-%m-%d};"
                " give it to the partner over a secure channel: it is not shown again",
            ]
        ),
    )


@partners_app.command("list")
@handle_errors
def list_(as_json: bool = JSON_OPTION) -> None:
    """Every partner with its key fingerprint and state."""
    with store().session() as s:
        rows = service.list_partners(s)
    _partners(rows, as_json)


def _kinds(text: str | None, option: str) -> list[str]:
    if not text:
        return []
    kinds = [k.strip() for k in text.split(",") if k.strip()]
    for kind in kinds:
        if kind not in OBJECT_KINDS:
            raise ValidationError(option, kind, f"not one of {', '.join(OBJECT_KINDS)}")
    return kinds


def _agreement(a: AgreementRead, as_json: bool) -> None:
    emit(
        a.model_dump(mode="json"),
        as_json,
        lambda: print_lines(
            [
                f"partner        {a.partner_code}",
                f"send           {', '.join(a.send_types) or '-'}",
                f"receive        {', '.join(a.receive_types) or '-'}",
                f"trader ids     {'shared' if a.share_traders else 'never'}",
            ]
        ),
    )


@agreement_app.command("set")
@handle_errors
def agreement_set(
    code: str = typer.Argument(...),
    send: str = typer.Option("", "--send", help=f"comma-separated: {', '.join(OBJECT_KINDS)}"),
    receive: str = typer.Option("", "--receive", help="comma-separated, as --send"),
    share_traders: bool = typer.Option(False, "--share-traders/--no-traders"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Set what may be sent to and received from a partner (replaces the previous agreement)."""
    spec = AgreementSet.model_validate(
        {
            "send_types": _kinds(send, "--send"),
            "receive_types": _kinds(receive, "--receive"),
            "share_traders": share_traders,
        }
    )
    with store().session() as s:
        agreement = service.set_agreement(s, code=code, agreement=spec)
    _agreement(agreement, as_json)


@agreement_app.command("show")
@handle_errors
def agreement_show(code: str = typer.Argument(...), as_json: bool = JSON_OPTION) -> None:
    """A partner's agreement."""
    with store().session() as s:
        agreement = service.get_agreement(s, code=code)
    _agreement(agreement, as_json)


def _groups(rows: list[GroupRead], as_json: bool) -> None:
    emit(
        [g.model_dump(mode="json") for g in rows],
        as_json,
        lambda: print_lines(
            f"{g.name:<20} {', '.join(g.members) or '-':<30} {g.purpose}" for g in rows
        ),
    )


@groups_app.command("create")
@handle_errors
def group_create(
    name: str = typer.Argument(...),
    purpose: str = typer.Option(..., "--purpose"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Create a group of partners."""
    with store().session() as s:
        group = service.create_group(s, group=GroupCreate(name=name, purpose=purpose))
    _groups([group], as_json)


@groups_app.command("add")
@handle_errors
def group_add(
    name: str = typer.Argument(...), code: str = typer.Argument(...), as_json: bool = JSON_OPTION
) -> None:
    """Add a partner to a group."""
    with store().session() as s:
        group = service.set_membership(s, name=name, code=code, member=True)
    _groups([group], as_json)


@groups_app.command("remove")
@handle_errors
def group_remove(
    name: str = typer.Argument(...), code: str = typer.Argument(...), as_json: bool = JSON_OPTION
) -> None:
    """Remove a partner from a group."""
    with store().session() as s:
        group = service.set_membership(s, name=name, code=code, member=False)
    _groups([group], as_json)


@groups_app.command("list")
@handle_errors
def group_list(as_json: bool = JSON_OPTION) -> None:
    """Every group with its members."""
    with store().session() as s:
        rows = service.list_groups(s)
    _groups(rows, as_json)
