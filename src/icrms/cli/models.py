"""``icrms models``, ``icrms evaluate`` and ``icrms simulate``: the data-mining commands."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import typer

from icrms.cli.common import (
    JSON_OPTION,
    console,
    emit,
    err_console,
    handle_errors,
    settings,
    warehouse,
)

app = typer.Typer(
    help="Risk models: train, list, show, promote, roll back, drift.", no_args_is_help=True
)


def _say(enabled: bool) -> Any:
    return (lambda s: err_console.print(f"[dim]{s}…[/dim]")) if enabled else None


@app.command("train")
@handle_errors
def train(
    since: str | None = typer.Option(None, "--since", help="First lodgement date (YYYY-MM-DD)."),
    until: str | None = typer.Option(None, "--until", help="Last lodgement date (YYYY-MM-DD)."),
    seed: int = typer.Option(0, "--seed"),
    promote: bool = typer.Option(False, "--promote", help="Promote the new version."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Train a model on the warehouse's control results and register it."""
    from icrms.models import service

    current = settings()
    with warehouse(current) as wh:
        version = service.train(
            wh,
            current,
            since=date.fromisoformat(since) if since else None,
            until=date.fromisoformat(until) if until else None,
            seed=seed,
            progress=_say(not as_json),
        )
    reg = service.registry(current)
    if promote:
        reg.promote(version)
    meta = reg.meta(version)
    emit(
        {
            "version": version,
            "promoted": promote,
            "window": meta["window"],
            "metrics": meta["metrics"],
        },
        as_json,
        lambda: console.print(
            f"registered {version}{' (promoted)' if promote else ''}: {meta['metrics']}"
        ),
    )


@app.command("list")
@handle_errors
def list_models(as_json: bool = JSON_OPTION) -> None:
    """List model versions."""
    from icrms.models import service

    rows = service.registry(settings()).versions()

    def human() -> None:
        for r in rows:
            mark = "*" if r["promoted"] else " "
            console.print(
                f"{mark} {r['version']}  {r['created_at']}  train {r['window']['train_from']}"
                f"..{r['window']['train_until']}  {r['metrics']}"
            )

    emit(rows, as_json, human)


@app.command("show")
@handle_errors
def show(version: str, as_json: bool = JSON_OPTION) -> None:
    """Show a version's metadata: window, features, metrics, libraries, hashes."""
    from icrms.models import service

    meta = service.registry(settings()).meta(version)
    emit(meta, as_json, lambda: console.print_json(data=meta))


@app.command("promote")
@handle_errors
def promote(version: str, as_json: bool = JSON_OPTION) -> None:
    """Put a version in force for live and bulk scoring (its hashes must verify)."""
    from icrms.models import service

    done = service.registry(settings()).promote(version)
    emit({"promoted": done}, as_json, lambda: console.print(f"promoted {done}"))


@app.command("rollback")
@handle_errors
def rollback(as_json: bool = JSON_OPTION) -> None:
    """Return to the previously promoted version."""
    from icrms.models import service

    done = service.registry(settings()).rollback()
    emit({"promoted": done}, as_json, lambda: console.print(f"rolled back to {done}"))


@app.command("drift")
@handle_errors
def drift(
    days: int = typer.Option(30, "--days", min=1, help="Recent window: the last N days of data."),
    threshold: float = typer.Option(0.2, "--threshold", help="PSI above which a feature drifts."),
    version: str | None = typer.Option(None, "--version", help="Default: the promoted model."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Population stability of features and score: training window vs recent data."""
    from icrms.models import service

    current = settings()
    with warehouse(current) as wh:
        report = service.workspace_drift(
            wh, current, days=days, threshold=threshold, version=version
        )

    def human() -> None:
        console.print(
            f"model {report['version']}, recent {report['recent']}, {report['rows']} rows"
        )
        console.print(f"score PSI {report['score_psi']}")
        for r in report["features"][:10]:
            console.print(
                f"  {r['feature']:<28} {r['psi']:>8.4f} {'DRIFT' if r['drifted'] else ''}"
            )

    emit(report, as_json, human)
    if report["drifted"]:
        raise typer.Exit(1)


@handle_errors
def evaluate(
    dataset: str = typer.Option(..., "--dataset", help="kcs, date or native."),
    data: Path = typer.Option(..., "--data", help="Directory with train/valid/test, or one file."),
    runs: int = typer.Option(5, "--runs", min=1),
    as_json: bool = JSON_OPTION,
) -> None:
    """Evaluate the product's pipeline on a labelled data set against the DATE-style baseline."""
    from icrms.models.evaluate import evaluate as run

    result = run(data, dataset=dataset, runs=runs, progress=_say(not as_json))

    def human() -> None:
        console.print(f"{dataset} {data}: {runs} run(s), rows {result['rows']}")
        for k, v in result["model"].items():
            b = result["baseline"].get(k)
            if v:
                console.print(
                    f"  {k:<20} {v['mean']:.3f} ± {v['std']:.3f}   baseline "
                    f"{b['mean'] if b else float('nan'):.3f}   ratio {result['ratio'].get(k)}"
                )
        if "oracle_ratio" in result:
            console.print("  against the oracle ranking (generated data):")
            for k, v in result["oracle_ratio"].items():
                b = result["baseline_oracle_ratio"].get(k)
                console.print(
                    f"  {k:<20} {v['mean']:.3f} ± {v['std']:.3f} × oracle "
                    f"({result['oracle'][k]['mean']:.3f})   baseline "
                    f"{b['mean'] if b else float('nan'):.3f} ×"
                )
        if "unseen_pair" in result:
            console.print(f"  unseen (HS6, mass) rows: {result['unseen_pair']}")
        console.print(f"  train seconds {result['train_seconds']}")

    emit(result, as_json, human)


@handle_errors
def simulate(
    data: Path = typer.Option(..., "--data", help="Directory with train/valid/test, or one file."),
    dataset: str = typer.Option("kcs", "--dataset", help="kcs, date or native."),
    inspection_rate: float = typer.Option(0.1, "--inspection-rate", min=0.001, max=1.0),
    exploration: float = typer.Option(0.1, "--exploration", min=0.0, max=1.0),
    adaptive: bool = typer.Option(
        False, "--adaptive", help="Let the exploration share follow what random picks find."
    ),
    period: str = typer.Option("week", "--period", help="week | month"),
    history: str = typer.Option(
        "all",
        "--history",
        help="Labels known at the start: all, or (generated data) the old rules' selected | "
        "targeted declarations only.",
    ),
    propensity: bool = typer.Option(
        True, "--propensity/--no-propensity", help="Inverse-propensity weights in training."
    ),
    seed: int = typer.Option(0, "--seed"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Period by period: score, select, reveal only the selected labels, retrain (BACUDA-style)."""
    from icrms.models.simulate import simulate as run

    result = run(
        data,
        dataset=dataset,
        inspection_rate=inspection_rate,
        exploration=exploration,
        adaptive=adaptive,
        period=period,
        history=history,
        propensity=propensity,
        seed=seed,
        progress=_say(not as_json),
    )

    def human() -> None:
        console.print(
            f"{len(result['periods'])} {period}s, inspection {inspection_rate}, exploration "
            f"{exploration}{' (adaptive)' if adaptive else ''}, history {history}"
        )
        for w in result["periods"]:
            norm = w["norm_precision"]
            console.print(
                f"  {w['start']}  inspected {w['inspected']:>5}  explored {w['exploration']:.2f}  "
                f"precision {w['precision']:.3f} (norm {norm if norm is None else round(norm, 3)})"
                f"  revenue norm {w['norm_revenue']}"
            )
        console.print(f"  mean {result['mean']}")

    emit(result, as_json, human)
