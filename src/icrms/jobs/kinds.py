"""What each kind of job does; every one opens the warehouse only while it runs."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from icrms.core.db import Store
from icrms.jobs import service
from icrms.jobs.schemas import AssessParams, BacktestParams, IngestParams, TrainParams
from icrms.settings import Settings
from icrms.warehouse.base import Warehouse, open_warehouse

WAIT_STEP = 1.0
WAIT_LIMIT = 600.0


class JobCancelled(Exception):
    """The job was asked to stop."""


@dataclass
class JobContext:
    """What a running job may use: settings, store, progress reporting, the warehouse."""

    job_id: int
    store: Store
    settings: Settings
    _last: float = 0.0

    def progress(self, done: int, total: int | None, message: str, *, force: bool = False) -> None:
        """Record progress (at most twice a second); raise JobCancelled when asked to stop."""
        moment = time.monotonic()
        if not force and moment - self._last < 0.5:
            return
        self._last = moment
        with self.store.session() as s:
            stop = service.progress(s, job_id=self.job_id, done=done, total=total, message=message)
        if stop:
            raise JobCancelled

    @contextmanager
    def warehouse(self) -> Iterator[Warehouse]:
        """The warehouse, waiting (with progress messages) while another process holds it."""
        from icrms.warehouse.duckdb import WarehouseBusyError

        waited = 0.0
        while True:
            try:
                opened = open_warehouse(self.settings)
                break
            except WarehouseBusyError:
                if waited >= WAIT_LIMIT:
                    raise
                self.progress(
                    0, None, "waiting: the warehouse is open in another process", force=True
                )
                time.sleep(WAIT_STEP)
                waited += WAIT_STEP
        with opened as wh:
            yield wh


def run_ingest(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Ingest a file into the warehouse (resumes where an interrupted run stopped)."""
    from icrms.ingest.flows import ingest_file

    p = IngestParams.model_validate(params)
    rows = 0

    def tick(n: int) -> None:
        nonlocal rows
        rows += n
        ctx.progress(rows, None, f"{rows:,} rows read")

    with ctx.warehouse() as wh:
        report = ingest_file(wh, Path(p.path), fmt=p.fmt, settings=ctx.settings, progress=tick)
    return report.as_dict()


def run_assess(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Assess warehouse history in bulk with the profiles, lists, policy and model in force."""
    from icrms.exchange.prearrival import bulk_fields_for
    from icrms.models.service import promoted_scorer
    from icrms.selectivity.bulk import bulk_assess_and_store
    from icrms.selectivity.service import build_snapshot

    p = AssessParams.model_validate(params)
    ctx.progress(0, 3, "compiling the profiles in force", force=True)
    with ctx.store.session() as s:
        snapshot = build_snapshot(
            s, secret=ctx.settings.selectivity_secret(), scorer=promoted_scorer(ctx.settings)
        )
    ctx.progress(1, 3, "assessing in the warehouse", force=True)
    items_sql = (
        f"SELECT * FROM fact_item WHERE lodged_date BETWEEN DATE '{p.date_from}' "
        f"AND DATE '{p.date_to}'"
    )
    with ctx.warehouse() as wh:
        with ctx.store.session() as s:
            mirror = bulk_fields_for(s, wh, items_sql=items_sql, fields=snapshot.fields_used)
        result = bulk_assess_and_store(wh, snapshot, items_sql=items_sql, mirror=mirror)
    mix = Counter(result.column("channel").to_pylist())
    return {
        "declarations": result.num_rows,
        "channels": dict(sorted(mix.items())),
        "policy_version": snapshot.policy_version,
        "profile_set_version": snapshot.profile_set_version,
    }


def run_train(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Train and register a risk model (promote it separately)."""
    from icrms.models.service import train

    p = TrainParams.model_validate(params)
    steps = 0

    def tick(message: str) -> None:
        nonlocal steps
        steps += 1
        ctx.progress(steps, None, message, force=True)

    with ctx.warehouse() as wh:
        version = train(wh, ctx.settings, since=p.since, until=p.until, seed=p.seed, progress=tick)
    return {"version": version}


def run_backtest(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Backtest a stored profile version over a window."""
    from icrms.exchange.prearrival import backtest_mirror
    from icrms.profiles import watchlists
    from icrms.profiles.backtest import backtest
    from icrms.profiles.service import get_profile

    p = BacktestParams.model_validate(params)
    with ctx.store.session() as s:
        profile = get_profile(s, code=p.code, version=p.version)
        lists = watchlists.snapshot(s)
    ctx.progress(0, 1, f"backtesting {p.code} v{profile.version}", force=True)
    with ctx.warehouse() as wh:
        with ctx.store.session() as s:
            mirror = backtest_mirror(s, wh, profile, date_from=p.date_from, date_to=p.date_to)
        report = backtest(
            wh,
            profile,
            watchlists=lists,
            secret=ctx.settings.selectivity_secret(),
            date_from=p.date_from,
            date_to=p.date_to,
            mirror=mirror,
        )
    return {**report.as_dict(), "version": profile.version}


KINDS: dict[str, Callable[[JobContext, dict[str, Any]], dict[str, Any]]] = {
    "ingest": run_ingest,
    "assess": run_assess,
    "train": run_train,
    "backtest": run_backtest,
}
PARAMS = {
    "ingest": IngestParams,
    "assess": AssessParams,
    "train": TrainParams,
    "backtest": BacktestParams,
}
