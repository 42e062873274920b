"""``icrms jobs``: see, follow, queue and cancel the server's jobs (they run in ``icrms serve``)."""

from __future__ import annotations

import time
from datetime import date

import typer

from icrms.cli.common import (
    JSON_OPTION,
    cli_actor,
    console,
    emit,
    err_console,
    handle_errors,
    print_lines,
    store,
)
from icrms.jobs import service
from icrms.jobs.schemas import AssessParams, BacktestParams, JobRead, TrainParams

app = typer.Typer(
    help="Jobs run by the server: list, show, follow, queue, cancel.", no_args_is_help=True
)


def _line(j: JobRead) -> str:
    progress = f"{j.percent} %" if j.percent is not None else (f"{j.done:,}" if j.done else "")
    return (
        f"{j.id:>5} {j.kind:<9} {j.status:<10} {progress:>8}  {j.error or j.message}"
        f"  ({j.created_by}, {j.created_at:%Y-%m-%d %H:%M})"
    )


@app.command("list")
@handle_errors
def list_(
    limit: int = typer.Option(20, "--limit", min=1, max=500), as_json: bool = JSON_OPTION
) -> None:
    """The newest jobs."""
    with store().session() as s:
        rows = service.list_jobs(s, limit=limit)
    emit(
        [j.model_dump(mode="json") for j in rows],
        as_json,
        lambda: print_lines(_line(j) for j in rows),
    )


@app.command("show")
@handle_errors
def show(job_id: int, as_json: bool = JSON_OPTION) -> None:
    """One job with its result or error."""
    with store().session() as s:
        job = service.get_job(s, job_id=job_id)
    emit(
        job.model_dump(mode="json"),
        as_json,
        lambda: console.print(_line(job), highlight=False, markup=False),
    )


@app.command("wait")
@handle_errors
def wait(
    job_id: int, timeout: float = typer.Option(3600, "--timeout"), as_json: bool = JSON_OPTION
) -> None:
    """Follow a job's progress until it ends; exit 1 unless it succeeded."""
    deadline = time.monotonic() + timeout
    last = ""
    while True:
        with store().session() as s:
            job = service.get_job(s, job_id=job_id)
        line = _line(job)
        if line != last and not as_json:
            err_console.print(line, highlight=False, markup=False)
            last = line
        if job.status in ("succeeded", "failed", "cancelled") or time.monotonic() > deadline:
            break
        time.sleep(1)
    emit(job.model_dump(mode="json"), as_json, lambda: None)
    if job.status != "succeeded":
        raise typer.Exit(1)


def _queue(kind: str, params: dict[str, object], as_json: bool) -> None:
    with store().session() as s:
        job = service.submit(s, kind=kind, params=params, actor=cli_actor())
    emit(
        job.model_dump(mode="json"),
        as_json,
        lambda: console.print(f"job {job.id} queued; follow it with: icrms jobs wait {job.id}"),
    )


@app.command("assess")
@handle_errors
def assess(
    date_from: str = typer.Option(..., "--from"),
    date_to: str = typer.Option(..., "--to"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Queue a bulk assessment for the server to run (when the server owns the warehouse)."""
    params = AssessParams(
        date_from=date.fromisoformat(date_from), date_to=date.fromisoformat(date_to)
    )
    _queue("assess", params.model_dump(mode="json"), as_json)


@app.command("backtest")
@handle_errors
def backtest(
    code: str,
    date_from: str = typer.Option(..., "--from"),
    date_to: str = typer.Option(..., "--to"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Queue a backtest of a stored profile."""
    params = BacktestParams(
        code=code, date_from=date.fromisoformat(date_from), date_to=date.fromisoformat(date_to)
    )
    _queue("backtest", params.model_dump(mode="json"), as_json)


@app.command("train")
@handle_errors
def train(seed: int = typer.Option(0, "--seed"), as_json: bool = JSON_OPTION) -> None:
    """Queue the training of a model."""
    _queue("train", TrainParams(seed=seed).model_dump(mode="json"), as_json)


@app.command("cancel")
@handle_errors
def cancel(job_id: int, as_json: bool = JSON_OPTION) -> None:
    """Cancel a queued job or ask a running one to stop."""
    with store().session() as s:
        job = service.cancel(s, job_id=job_id, actor=cli_actor())
    emit(
        job.model_dump(mode="json"),
        as_json,
        lambda: console.print(_line(job), highlight=False, markup=False),
    )
