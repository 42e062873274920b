"""``icrms demo``: a fresh workspace, generated declarations, ingest, and a summary.

The demo is a list of steps sharing one context; later capabilities add their steps here.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import typer
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from icrms.cli.common import (
    JSON_OPTION,
    console,
    emit,
    handle_errors,
    progress_bar,
    settings,
    store,
    warehouse,
)
from icrms.cli.demo_exchange import print_exchange, step_exchange, step_exchange_feedback
from icrms.cli.demo_service import print_users, serve_demo, step_live, step_users
from icrms.declarations.schemas import DeclarationCreate
from icrms.declarations.service import submit_declaration
from icrms.errors import ConfigurationError
from icrms.exchange.prearrival import MirrorFacts, bulk_fields_for
from icrms.ingest.flows import ingest_file
from icrms.kpis.effectiveness import profile_effectiveness
from icrms.models import service as models
from icrms.profiles import service, watchlists
from icrms.profiles.backtest import backtest
from icrms.profiles.files import read_profiles
from icrms.profiles.schemas import EntryCreate, ProfileCreate, WatchlistCreate
from icrms.selectivity import service as selectivity
from icrms.selectivity.bulk import bulk_assess_and_store
from icrms.settings import Settings

DEMO_MARKER = "DEMO-WORKSPACE"


@dataclass
class DemoContext:
    """What the steps share."""

    settings: Settings
    declarations: int
    seed: int
    show_progress: bool
    data_file: Path | None = None
    summary: dict[str, Any] = field(default_factory=dict)


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


LIBRARY = Path(__file__).resolve().parent.parent / "profiles" / "library" / "demo.yaml"


WATCHLISTS = {
    "repeat-offenders": (
        WatchlistCreate(
            name="repeat-offenders",
            kind="trader",
            category="revenue",
            score=20,
            min_channel="yellow",
            purpose="Importers with two or more irregularities found in past controls",
        ),
        "SELECT i.importer_id AS value, count(*) AS n FROM fact_control c JOIN fact_item i "
        "ON i.declaration_id = c.declaration_id AND i.version = c.version AND i.item_no = c.item_no "
        "WHERE c.outcome IN ('irregularity', 'seizure') GROUP BY i.importer_id HAVING count(*) >= 2",
        "{n} irregularities found in past controls",
    ),
    "seized-containers": (
        WatchlistCreate(
            name="seized-containers",
            kind="container",
            category="security",
            score=50,
            min_channel="red",
            purpose="Containers in which contraband was found",
        ),
        "SELECT DISTINCT unnest(string_split(i.containers, ';')) AS value, 1 AS n FROM fact_control c "
        "JOIN fact_item i ON i.declaration_id = c.declaration_id AND i.version = c.version "
        "AND i.item_no = c.item_no WHERE c.outcome = 'seizure' AND i.containers IS NOT NULL",
        "contraband found in a past control",
    ),
}


def step_profiles(ctx: DemoContext) -> None:
    """Load the demo profile library and two watchlists drawn from past controls; switch them on."""
    with warehouse(ctx.settings) as wh:
        entries = {name: wh.sql(query).to_pylist() for name, (_, query, _) in WATCHLISTS.items()}
    with store(ctx.settings).session() as s:
        for name, (spec, _, reason) in WATCHLISTS.items():
            watchlists.create_watchlist(s, watchlist=spec)
            for row in entries[name]:
                entry = EntryCreate(value=row["value"], reason=reason.format(n=row["n"]))
                watchlists.add_entry(s, list_name=name, entry=entry)
        for profile in read_profiles(LIBRARY):
            service.import_profile(s, profile=profile, actor="demo-analyst")
            service.request_activation(
                s, code=profile.code, actor="demo-analyst", today=date(2025, 1, 1)
            )
            service.decide_activation(
                s, code=profile.code, actor="demo-approver", approve=True, today=date(2025, 1, 1)
            )
    ctx.summary["profiles"] = {
        "active": len(read_profiles(LIBRARY)),
        "watchlists": {name: len(rows) for name, rows in entries.items()},
    }


def step_assess(ctx: DemoContext) -> None:
    """Assess every declaration in bulk, then three live ones, and replay one of those."""
    current = ctx.settings
    source = store(current)
    with source.session() as s:
        snapshot = selectivity.build_snapshot(
            s,
            secret=current.selectivity_secret(),
            today=date(2025, 6, 30),
            scorer=models.promoted_scorer(current),
            facts=MirrorFacts(),
        )
    with warehouse(current) as wh:
        everything = "SELECT * FROM fact_item"
        with source.session() as s:
            mirror = bulk_fields_for(s, wh, items_sql=everything, fields=snapshot.fields_used)
        result = bulk_assess_and_store(wh, snapshot, items_sql=everything, mirror=mirror)
        sample = wh.sql(
            "SELECT declaration_id FROM fact_assessment WHERE channel = 'red' ORDER BY declaration_id LIMIT 3"
        )
        ids = sample.column("declaration_id").to_pylist()
        rows = wh.sql(
            f"SELECT * FROM fact_item WHERE declaration_id IN ({', '.join(repr(i) for i in ids)})"
        ).to_pylist()
    live = []
    with source.session() as s:
        for declaration_id in ids:
            declaration = DeclarationCreate.from_item_rows(
                [r for r in rows if r["declaration_id"] == declaration_id]
            )
            submit_declaration(s, declaration=declaration)
            live.append(selectivity.assess(s, snapshot=snapshot, declaration=declaration))
    with source.session() as s:
        stored, replayed = selectivity.replay(
            s,
            assessment_id=live[0].id,
            secret=current.selectivity_secret(),
            scorer=snapshot.scorer,
            facts=snapshot.facts,
        )
    ctx.summary["channels"] = dict(sorted(Counter(result.column("channel").to_pylist()).items()))
    ctx.summary["live"] = [
        {
            "id": a.id,
            "declaration_id": a.declaration_id,
            "channel": a.channel,
            "score": a.score,
            "reasons": [r.get("code") or r.get("list") or r["kind"] for r in a.reasons],
        }
        for a in live
    ]
    ctx.summary["replay_identical"] = (stored.channel, stored.score, stored.reasons) == (
        replayed.channel,
        replayed.score,
        replayed.reasons,
    )


def step_model(ctx: DemoContext) -> None:
    """Train a risk model on the demo's control results and promote it."""
    with warehouse(ctx.settings) as wh:
        version = models.train(wh, ctx.settings, seed=ctx.seed)
    reg = models.registry(ctx.settings)
    reg.promote(version)
    meta = reg.meta(version)
    ctx.summary["model"] = {
        "version": version,
        "window": meta["window"],
        "metrics": meta["metrics"],
    }


DRAFT = ProfileCreate(
    code="DRAFT-UV-PULLOVERS",
    name="Undervalued pullovers (draft)",
    purpose="Cotton pullovers below half the usual unit value, tried on history before use.",
    category="revenue",
    criteria="hs6 = '611020' AND unit_value < 11 AND currency IN ('USD', 'EUR', 'GBP', 'CHF')",
    score=35,
)


def step_backtest(ctx: DemoContext) -> None:
    """Backtest a draft profile on the first half of the year without switching it on."""
    with store(ctx.settings).session() as s:
        lists = watchlists.snapshot(s)
    with warehouse(ctx.settings) as wh:
        report = backtest(
            wh,
            DRAFT,
            watchlists=lists,
            secret=ctx.settings.selectivity_secret(),
            date_from=date(2025, 1, 1),
            date_to=date(2025, 6, 30),
        )
    ctx.summary["backtest"] = report.as_dict()


def step_effectiveness(ctx: DemoContext) -> None:
    """Judge every profile on the control results: hit rate, lift over random controls, revenue."""
    with store(ctx.settings).session() as s:
        profiles = service.list_profiles(s)
    with warehouse(ctx.settings) as wh:
        base, rows = profile_effectiveness(wh, profiles=profiles, as_of=date(2025, 12, 31))
    ctx.summary["baseline"] = {
        "source": base.source,
        "controls": base.controls,
        "hits": base.hits,
        "hit_rate": base.hit_rate,
    }
    ctx.summary["effectiveness"] = [r.as_dict() for r in rows]


def step_kpis(ctx: DemoContext) -> None:
    """Indicators, the emerging threat, a monthly report and the BI snapshots."""
    from icrms.kpis.publish import publish
    from icrms.kpis.reports import monthly_report
    from icrms.kpis.service import compute
    from icrms.kpis.threats import find_threats
    from icrms.web.reports import render_monthly, write_report

    with warehouse(ctx.settings) as wh:
        rate = compute(wh, "inspection_rate").rows[0]
        release = compute(wh, "release_time").rows
        threats = find_threats(wh)  # the defaults: the 90 days to the last control, both rates
        report = write_report(
            render_monthly(monthly_report(wh, period="2025-10")),
            ctx.settings.home / "reports" / "monthly-2025-10.html",
            "html",
        )
        published = publish(wh, ctx.settings.home / "bi")
    ctx.summary["kpis"] = {
        "inspection_rate": rate["inspection_rate"],
        "release_median_hours": {r["channel"]: r["median_hours"] for r in release},
        "threats": [t.as_dict() for t in threats if t.significant],
        "report": str(report),
        "bi_snapshot": published.folder,
    }


STEPS: list[Callable[[DemoContext], None]] = [
    step_generate,
    step_ingest,
    step_profiles,
    step_model,
    step_assess,
    step_backtest,
    step_effectiveness,
    step_exchange,
    step_live,
    step_exchange_feedback,
    step_users,
    step_kpis,
]


@handle_errors
def demo(
    declarations: int = typer.Option(
        20_000, "--declarations", min=100, help="Declarations to generate."
    ),
    seed: int = typer.Option(7, "--seed"),
    keep: bool = typer.Option(
        False, "--keep", help="Keep the existing workspace instead of starting fresh."
    ),
    no_serve: bool = typer.Option(
        False, "--no-serve", help="Stop after the summary instead of serving the web application."
    ),
    port: int = typer.Option(8000, "--port", min=1, max=65535),
    as_json: bool = JSON_OPTION,
) -> None:
    """Run the whole chain on generated data in a fresh workspace, then serve the web application."""
    current = settings().model_copy(update={"demo": True})
    if current.database_url is not None:
        try:
            shown = make_url(current.database_url).render_as_string(hide_password=True)
        except ArgumentError:
            shown = "a store that is not a URL"
        raise ConfigurationError(
            f"the demo keeps its own store in its workspace, but ICRMS_DATABASE_URL names "
            f"{shown}; unset it (the demo writes profiles and a policy into its store)"
        )
    marker = current.home / DEMO_MARKER
    if not keep:
        if any(current.home.iterdir()) and not marker.exists():
            raise ConfigurationError(
                f"workspace {current.home} holds data that is not from a demo; "
                "set ICRMS_HOME to another folder for the demo"
            )
        shutil.rmtree(current.home, ignore_errors=True)
        current.ensure_home()
        marker.write_text("created by icrms demo: the next demo may replace this workspace\n")
    ctx = DemoContext(current, declarations, seed, not as_json)
    for step in STEPS:
        if not as_json:
            console.print(f"[bold]{(step.__doc__ or step.__name__).strip()}[/bold]")
        step(ctx)
    emit(ctx.summary, as_json, lambda: _print_summary(ctx.summary))
    if not as_json:
        print_users(ctx.summary)
    if not (no_serve or as_json):
        serve_demo(ctx, port=port)


def _print_summary(summary: dict[str, Any]) -> None:
    gen = summary["generated"]
    ing = summary["ingest"]
    console.print(f"generated {gen['declarations']:,} declarations, {gen['item_rows']:,} item rows")
    console.print(
        f"ingested rows in {ing['rows_in']:,} = loaded {ing['loaded']:,} + quarantined {ing['quarantined']:,}"
    )
    console.print("control results by selection and outcome:")
    for row in summary["control_results"]:
        console.print(f"  {row['selection']:<10} {row['outcome']:<13} {row['n']:>8,}")
    model = summary["model"]
    window = model["window"]
    console.print(
        f"model {model['version']} trained on {window['train_from']}..{window['train_until']} and promoted"
    )
    console.print(
        f"active profiles: {summary['profiles']['active']}; "
        f"watchlist entries: {summary['profiles']['watchlists']}"
    )
    total = sum(summary["channels"].values()) or 1
    console.print("channel mix (bulk engine):")
    for channel, n in summary["channels"].items():
        console.print(f"  {channel:<7} {n:>9,}  {100 * n / total:5.1f} %")
    for a in summary["live"]:
        console.print(
            f"live assessment {a['id']}: {a['declaration_id']} -> {a['channel']} ({a['score']}) {a['reasons']}"
        )
    console.print(
        f"replay of assessment {summary['live'][0]['id']}: "
        f"{'identical' if summary['replay_identical'] else 'DIFFERENT'}"
    )
    b = summary["backtest"]
    console.print(
        f"backtest of draft {b['code']} ({b['date_from']}..{b['date_to']}): {b['matches']} matches, "
        f"{b['selections']} selections, {b['hits']} hits in {b['controls']} known controls, "
        f"lift {b['lift']} over {b['baseline_source']}",
        highlight=False,
    )
    from icrms.cli.profiles import _print_effectiveness

    _print_effectiveness({"baseline": summary["baseline"], "profiles": summary["effectiveness"]})
    k = summary["kpis"]
    times = ", ".join(f"{c} {h:.1f} h" for c, h in sorted(k["release_median_hours"].items()))
    console.print(f"inspection rate {100 * k['inspection_rate']:.1f} %; median release: {times}")
    for t in k["threats"]:
        console.print(
            f"emerging threat {t['segment']}: {t['recent_hits']}/{t['recent_controls']} recent "
            f"controls {'ended in a seizure' if t['measure'] == 'seizure' else 'found something'}, "
            f"{t['history_hits']}/{t['history_controls']} before (q = {t['q_value']:.2g}); "
            f"draft a profile: icrms threats draft {t['segment']} (or on the Threats page)"
        )
    console.print(f"monthly report: {k['report']}; BI snapshot: {k['bi_snapshot']}")
    print_exchange(summary)
