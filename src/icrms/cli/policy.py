"""``icrms policy``: the selectivity policy in force (thresholds, random share, AEO, capacity)."""

from __future__ import annotations

from pathlib import Path

import typer
import yaml

from icrms.cli.common import JSON_OPTION, console, emit, handle_errors, store
from icrms.core.documents import read_document
from icrms.errors import ValidationError
from icrms.selectivity.schemas import PolicyConfig
from icrms.selectivity.service import current_policy, set_policy

app = typer.Typer(
    help="The selectivity policy: every change is a new version.", no_args_is_help=True
)


@app.command("show")
@handle_errors
def show(as_json: bool = JSON_OPTION) -> None:
    """The policy in force and its version."""
    with store().session() as s:
        version, config = current_policy(s)
    data = {"version": version, **config.model_dump()}
    emit(
        data, as_json, lambda: console.print(yaml.safe_dump(data, sort_keys=False), highlight=False)
    )


@app.command("set")
@handle_errors
def set_(
    file: Path = typer.Argument(
        ..., help="YAML or JSON with the policy's fields (others keep their defaults)."
    ),
    note: str | None = typer.Option(None, "--note"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Put a new policy version in force (an invalid policy is refused and changes nothing)."""
    data = read_document(file)
    if data is not None and not isinstance(data, dict):
        raise ValidationError("file", str(file), "is not a mapping of policy fields")
    config = PolicyConfig.model_validate(data or {})
    with store().session() as s:
        version, _ = set_policy(s, config=config, note=note or f"from {file.name}")
    emit(
        {"version": version, **config.model_dump()},
        as_json,
        lambda: console.print(f"policy version {version} in force"),
    )
