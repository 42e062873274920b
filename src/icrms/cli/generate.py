"""``icrms generate``: synthetic declarations with planted fraud patterns."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Literal, cast

import typer

from icrms.cli.common import JSON_OPTION, console, emit, handle_errors, progress_bar
from icrms.errors import ValidationError


@handle_errors
def generate(
    declarations: int = typer.Option(..., "--declarations", min=1, help="How many declarations."),
    seed: int = typer.Option(42, "--seed", help="Random seed: the same seed gives the same file."),
    out: Path = typer.Option(..., "--out", help="Output file: .csv, .jsonl or .parquet."),
    fmt: str = typer.Option("native", "--format", help="native | date"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Write realistic declarations, with documented fraud patterns and control results."""
    from icrms.generator import generate as generate_file

    if fmt not in ("native", "date"):
        raise ValidationError("--format", fmt, "is not one of native, date")
    if out.suffix.lower() not in (".csv", ".jsonl", ".parquet"):
        raise ValidationError("--out", str(out), "must end in .csv, .jsonl or .parquet")
    with progress_bar("generate", declarations, not as_json) as tick:
        result = generate_file(
            declarations=declarations,
            seed=seed,
            out=out,
            fmt=cast(Literal["native", "date"], fmt),
            progress=tick,
        )
    data = {k: str(v) if isinstance(v, Path) else v for k, v in asdict(result).items()}
    emit(
        data,
        as_json,
        lambda: console.print(
            f"{out}: {data['declarations']:,} declarations, {data['rows']:,} item rows; "
            f"oracle (never read by training): {data['oracle']}",
            highlight=False,
        ),
    )
