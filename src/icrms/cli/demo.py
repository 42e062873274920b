"""``icrms demo``: a fresh workspace, generated declarations, ingest, and a summary.

The demo is a list of steps sharing one context; later capabilities add their steps here.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import typer

from icrms.cli.common import (
    JSON_OPTION,
    console,
    emit,
    handle_errors,
    progress_bar,
    settings,
    warehouse,
)
from icrms.ingest.flows import ingest_file
from icrms.settings import Settings


@dataclass
class DemoContext:
    """What the steps share."""

    settings: Settings
    declarations: int
    seed: int
    show_progress: bool
    data_file: Path | None = None
    summary: dict[str, object] = field(default_factory=dict)


def step_generate(ctx: DemoContext) -> None:
    """Generate declarations with planted fraud patterns."""
    from icrms.generator import generate

    ctx.data_file = ctx.settings.home / "demo" / "declarations.parquet"
    ctx.data_file.parent.mkdir(parents=True, exist_ok=True)
    with progress_bar("generate", ctx.declarations, ctx.show_progress) as tick:
        result = generate(
            declarations=ctx.declarations,
            seed=ctx.seed,
            out=ctx.data_file,
            fmt="native",
            progress=tick,
        )
    ctx.summary["generated"] = {
        "declarations": result.declarations,
        "item_rows": result.rows,
        "file": str(ctx.data_file),
    }


def step_ingest(ctx: DemoContext) -> None:
    """Ingest the generated file into the warehouse."""
    assert ctx.data_file is not None
    with warehouse(ctx.settings) as wh:
        report = ingest_file(wh, ctx.data_file, fmt="native", settings=ctx.settings)
        t = wh.table("fact_control")
        by_selection = (
            t.group_by(["selection", "outcome"])
            .aggregate(n=t.count())
            .order_by(["selection", "outcome"])
        )
        controls = by_selection.to_pyarrow().to_pylist()
    ctx.summary["ingest"] = {
        k: report.as_dict()[k] for k in ("rows_in", "loaded", "quarantined", "rows_per_second")
    }
    ctx.summary["control_results"] = controls


STEPS: list[Callable[[DemoContext], None]] = [step_generate, step_ingest]


@handle_errors
def demo(
    declarations: int = typer.Option(
        20_000, "--declarations", min=100, help="Declarations to generate."
    ),
    seed: int = typer.Option(7, "--seed"),
    keep: bool = typer.Option(
        False, "--keep", help="Keep the existing workspace instead of starting fresh."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Run the whole chain on generated data in a fresh workspace and print a summary."""
    current = settings()
    if not keep:
        shutil.rmtree(current.home, ignore_errors=True)
        current.ensure_home()
    ctx = DemoContext(current, declarations, seed, not as_json)
    for step in STEPS:
        if not as_json:
            console.print(f"[bold]{(step.__doc__ or step.__name__).strip()}[/bold]")
        step(ctx)
    emit(ctx.summary, as_json, lambda: _print_summary(ctx.summary))


def _print_summary(summary: dict[str, object]) -> None:
    gen = summary["generated"]
    ing = summary["ingest"]
    console.print(f"generated {gen['declarations']:,} declarations, {gen['item_rows']:,} item rows")  # type: ignore[index]
    console.print(
        f"ingested rows in {ing['rows_in']:,} = loaded {ing['loaded']:,} + quarantined {ing['quarantined']:,}"  # type: ignore[index]
    )
    console.print("control results by selection and outcome:")
    for row in summary["control_results"]:  # type: ignore[attr-defined]
        console.print(f"  {row['selection']:<10} {row['outcome']:<13} {row['n']:>8,}")
