"""``icrms users`` and ``icrms tokens``: accounts for people, API tokens for systems and partners."""

from __future__ import annotations

import getpass
import sys
from datetime import timedelta

import typer

from icrms.auth import service
from icrms.auth.schemas import Role, TokenCreate, UserCreate
from icrms.cli.common import (
    JSON_OPTION,
    cli_actor,
    console,
    emit,
    handle_errors,
    print_lines,
    store,
)
from icrms.core.clock import now
from icrms.errors import ValidationError

users = typer.Typer(help="Users of the web application.", no_args_is_help=True)
tokens = typer.Typer(help="API tokens (shown once, stored as digests).", no_args_is_help=True)
ROLE_HELP = "admin | analyst | officer | manager | system | partner"


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("password: ")
    if first != getpass.getpass("again: "):
        raise ValidationError("password", "***", "the two entries differ")
    return first


@users.command("create")
@handle_errors
def create(
    username: str,
    role: str = typer.Option(..., "--role", help=ROLE_HELP),
    office: str | None = typer.Option(None, "--office", help="Office code (officers)."),
    full_name: str = typer.Option("", "--name"),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from stdin."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Create a user; the password is asked for (at least 12 characters)."""
    spec = UserCreate(
        username=username,
        role=Role(role),
        office_code=office,
        full_name=full_name,
        password=_read_password(password_stdin),
    )
    with store().session() as s:
        user = service.create_user(s, user=spec, actor=cli_actor())
    emit(
        user.model_dump(mode="json"),
        as_json,
        lambda: console.print(f"user {user.username} ({user.role.value}) created"),
    )


@users.command("list")
@handle_errors
def list_(as_json: bool = JSON_OPTION) -> None:
    """List users."""
    with store().session() as s:
        rows = service.list_users(s)
    emit(
        [u.model_dump(mode="json") for u in rows],
        as_json,
        lambda: print_lines(
            f"{u.username:<20} {u.role.value:<8} {u.office_code or '-':<6} "
            f"{'active' if u.active else 'disabled'}"
            for u in rows
        ),
    )


@users.command("password")
@handle_errors
def password(
    username: str,
    password_stdin: bool = typer.Option(False, "--password-stdin"),
) -> None:
    """Set a new password (ends the user's sessions)."""
    with store().session() as s:
        service.set_password(
            s, username=username, password=_read_password(password_stdin), actor=cli_actor()
        )
    console.print(f"password of {username} changed")


def _set_active(username: str, active: bool) -> None:
    with store().session() as s:
        service.set_active(s, username=username, active=active, actor=cli_actor())
    console.print(f"user {username} {'enabled' if active else 'disabled'}")


@users.command("disable")
@handle_errors
def disable(username: str) -> None:
    """Disable a user (ends their sessions)."""
    _set_active(username, False)


@users.command("enable")
@handle_errors
def enable(username: str) -> None:
    """Enable a disabled user."""
    _set_active(username, True)


@tokens.command("create")
@handle_errors
def create_token(
    name: str = typer.Option(..., "--name", help="What the token is for, e.g. 'cdps-prod'."),
    role: str = typer.Option(..., "--role", help=ROLE_HELP),
    office: str | None = typer.Option(None, "--office"),
    days: int | None = typer.Option(365, "--days", min=1, help="Days until it expires."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Issue a token and print it once."""
    spec = TokenCreate(
        name=name,
        role=Role(role),
        office_code=office,
        expires_at=now() + timedelta(days=days) if days else None,
    )
    with store().session() as s:
        issued = service.create_token(s, token=spec, actor=cli_actor())
    emit(
        issued.model_dump(mode="json"),
        as_json,
        lambda: console.print(
            f"token {issued.public_id} ({issued.role.value}), expires {issued.expires_at}:\n{issued.token}\n"
            "It is shown only now; icrms keeps only its digest.",
            highlight=False,
        ),
    )


@tokens.command("list")
@handle_errors
def list_tokens(as_json: bool = JSON_OPTION) -> None:
    """List tokens (never their secrets)."""
    with store().session() as s:
        rows = service.list_tokens(s)
    emit(
        [t.model_dump(mode="json") for t in rows],
        as_json,
        lambda: print_lines(
            f"{t.public_id}  {t.name:<20} {t.role.value:<8} "
            f"{'revoked' if t.revoked_at else 'expires ' + str(t.expires_at)}  "
            f"last used {t.last_used_at or '-'}"
            for t in rows
        ),
    )


@tokens.command("revoke")
@handle_errors
def revoke(public_id: str, as_json: bool = JSON_OPTION) -> None:
    """Revoke a token at once."""
    with store().session() as s:
        token = service.revoke_token(s, public_id=public_id, actor=cli_actor())
    emit(
        token.model_dump(mode="json"), as_json, lambda: console.print(f"token {public_id} revoked")
    )
