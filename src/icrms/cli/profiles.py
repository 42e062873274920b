"""``icrms profiles``: write, version, switch on and judge risk profiles."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer

from icrms.cli.common import (
    JSON_OPTION,
    cli_actor,
    console,
    emit,
    handle_errors,
    print_lines,
    settings,
    store,
    warehouse,
)
from icrms.core.outputs import open_output
from icrms.errors import ValidationError
from icrms.profiles import service
from icrms.profiles.files import dump_profiles, read_profiles
from icrms.profiles.schemas import ProfileFields, ProfileRead, Status

app = typer.Typer(
    help="Risk profiles: criteria, versions, status, backtest, effectiveness.", no_args_is_help=True
)


def _row(p: ProfileRead) -> str:
    return f"{p.code:<22} v{p.version:<3} {p.status:<10} {p.category:<9} {p.score:>3} {p.min_channel:<6} {p.criteria}"


def _show(profiles: list[ProfileRead], as_json: bool) -> None:
    emit(
        [p.model_dump(mode="json") for p in profiles],
        as_json,
        lambda: print_lines(_row(p) for p in profiles),
    )


@app.command("add")
@handle_errors
def add(
    file: Path = typer.Argument(..., help="YAML or JSON file with one profile or a list."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Add new profiles as drafts (a code that exists is refused)."""
    profiles = read_profiles(file)
    with store().session() as s:
        added = [service.add_profile(s, profile=p, actor=cli_actor()) for p in profiles]
    _show(added, as_json)


@app.command("import")
@handle_errors
def import_(
    file: Path = typer.Argument(..., help="YAML or JSON file with one profile or a list."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Add profiles, or make new versions of those whose content differs (status is kept)."""
    profiles = read_profiles(file)
    with store().session() as s:
        results = [service.import_profile(s, profile=p, actor=cli_actor()) for p in profiles]
    data = [{"code": p.code, "version": p.version, "outcome": outcome} for p, outcome in results]
    emit(
        data,
        as_json,
        lambda: print_lines(f"{d['code']:<22} v{d['version']:<3} {d['outcome']}" for d in data),
    )


@app.command("export")
@handle_errors
def export(
    out: Path | None = typer.Option(None, "--out", help="File to write (stdout by default)."),
    fmt: str = typer.Option("yaml", "--format", help="yaml | json"),
    status: str | None = typer.Option(None, "--status"),
    as_json: bool = typer.Option(
        False, "--json", help="JSON on stdout: the profiles, or with --out what was written."
    ),
) -> None:
    """Write current profile versions as YAML or JSON, ready for import."""
    if fmt not in ("yaml", "json"):
        raise ValidationError("--format", fmt, "is not yaml or json")
    with store().session() as s:
        profiles = service.list_profiles(s, status=status)  # type: ignore[arg-type]
    if out is None:
        typer.echo(dump_profiles(profiles, "json" if as_json else fmt), nl=False)
        return
    with open_output(out) as handle:  # replaces a link at ``out`` instead of writing through it
        handle.write(dump_profiles(profiles, fmt))
    written = {"file": str(out), "format": fmt, "profiles": len(profiles)}
    emit(written, as_json, lambda: console.print(f"{len(profiles)} profiles written to {out}"))


@app.command("list")
@handle_errors
def list_(status: str | None = typer.Option(None, "--status"), as_json: bool = JSON_OPTION) -> None:
    """Current version of every profile."""
    with store().session() as s:
        _show(service.list_profiles(s, status=status), as_json)  # type: ignore[arg-type]


@app.command("show")
@handle_errors
def show(
    code: str,
    version: int | None = typer.Option(None, "--version"),
    history: bool = typer.Option(False, "--history"),
    as_json: bool = JSON_OPTION,
) -> None:
    """One profile (or every version of it with --history)."""
    with store().session() as s:
        found = (
            service.history(s, code=code)
            if history
            else [service.get_profile(s, code=code, version=version)]
        )
    emit(
        [p.model_dump(mode="json") for p in found],
        as_json,
        lambda: print_lines(json.dumps(p.model_dump(mode="json"), indent=2) for p in found),
    )


@app.command("edit")
@handle_errors
def edit(
    code: str,
    criteria: str | None = typer.Option(None, "--criteria"),
    score: int | None = typer.Option(None, "--score"),
    min_channel: str | None = typer.Option(None, "--min-channel"),
    selection_rate: float | None = typer.Option(None, "--selection-rate"),
    purpose: str | None = typer.Option(None, "--purpose"),
    valid_to: str | None = typer.Option(None, "--valid-to", help="YYYY-MM-DD"),
    review_date: str | None = typer.Option(None, "--review-date", help="YYYY-MM-DD"),
    note: str | None = typer.Option(None, "--note"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Change a profile: a new version (an invalid change is refused and changes nothing)."""
    given = {
        "criteria": criteria,
        "score": score,
        "min_channel": min_channel,
        "selection_rate": selection_rate,
        "purpose": purpose,
        "valid_to": valid_to,
        "review_date": review_date,
    }
    changes = ProfileFields.model_validate({k: v for k, v in given.items() if v is not None})
    with store().session() as s:
        _show(
            [service.edit_profile(s, code=code, changes=changes, note=note, actor=cli_actor())],
            as_json,
        )


def _status_command(status: Status, doc: str) -> None:
    @handle_errors
    def command(
        code: str,
        note: str | None = typer.Option(None, "--note"),
        approved_by: str | None = typer.Option(
            None,
            "--approved-by",
            help="Activation only: the second analyst who approved it (four eyes).",
        ),
        as_json: bool = JSON_OPTION,
    ) -> None:
        with store().session() as s:
            _show(
                [
                    service.set_status(
                        s,
                        code=code,
                        status=status,
                        today=date.today(),
                        note=note,
                        actor=cli_actor(),
                        approved_by=approved_by,
                    )
                ],
                as_json,
            )

    command.__doc__ = doc
    app.command(status if status != "active" else "activate")(command)


_status_command(
    "active",
    "Switch a profile on with a second analyst's approval: --approved-by NAME (four eyes; refused if expired or its watchlists are unknown).",
)
_status_command("suspended", "Switch a profile off for now.")
_status_command("retired", "Retire a profile for good.")
app.registered_commands[-2].name = "suspend"
app.registered_commands[-1].name = "retire"


@app.command("backtest")
@handle_errors
def backtest_(
    file: Path = typer.Argument(
        ..., help="Profile file (YAML/JSON); the profile need not be stored."
    ),
    date_from: str = typer.Option(..., "--from", help="YYYY-MM-DD"),
    date_to: str = typer.Option(..., "--to", help="YYYY-MM-DD"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Run draft profiles over warehouse history without switching them on."""
    from icrms.exchange.prearrival import backtest_mirror
    from icrms.profiles.backtest import backtest
    from icrms.profiles.watchlists import snapshot

    current = settings()
    profiles = read_profiles(file)
    start, end = date.fromisoformat(date_from), date.fromisoformat(date_to)
    with store(current).session() as s:
        lists = snapshot(s)
    reports = []
    with warehouse(current) as wh:
        for p in profiles:
            with store(current).session() as s:
                mirror = backtest_mirror(s, wh, p, date_from=start, date_to=end)
            report = backtest(
                wh,
                p,
                watchlists=lists,
                secret=current.selectivity_secret(),
                date_from=start,
                date_to=end,
                mirror=mirror,
            )
            reports.append(report.as_dict())
    emit(
        reports[0] if len(reports) == 1 else reports,
        as_json,
        lambda: print_lines(json.dumps(r, indent=2) for r in reports),
    )


@app.command("effectiveness")
@handle_errors
def effectiveness(
    no_hit_days: int = typer.Option(
        90, "--no-hit-days", help="Flag profiles without a hit for this long."
    ),
    as_of: str | None = typer.Option(
        None, "--as-of", help="YYYY-MM-DD (default: the newest assessed date)"
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Per profile: matches, controls, hits, hit rate, lift over random controls, revenue; with flags."""
    from icrms.kpis.effectiveness import profile_effectiveness

    current = settings()
    with store(current).session() as s:
        profiles = service.list_profiles(s)
    with warehouse(current) as wh:
        newest = wh.sql("SELECT max(date_key) AS d FROM fact_assessment").to_pylist()[0]["d"]
        day = (
            date.fromisoformat(as_of)
            if as_of
            else (
                date(newest // 10000, newest // 100 % 100, newest % 100) if newest else date.today()
            )
        )
        base, rows = profile_effectiveness(
            wh, profiles=profiles, as_of=day, no_hit_days=no_hit_days
        )
    data = {
        "as_of": str(day),
        "baseline": {
            "source": base.source,
            "controls": base.controls,
            "hits": base.hits,
            "hit_rate": base.hit_rate,
        },
        "profiles": [r.as_dict() for r in rows],
    }
    emit(data, as_json, lambda: _print_effectiveness(data))


def _print_effectiveness(data: dict) -> None:  # type: ignore[type-arg]
    base = data["baseline"]
    rate = f"{base['hit_rate']:.3f}" if base["hit_rate"] is not None else "n/a"
    console.print(
        f"baseline ({base['source']}): {base['hits']:,} hits in {base['controls']:,} controls, hit rate {rate}"
    )
    width = max([22, *(len(r["code"]) for r in data["profiles"])])
    console.print(
        f"{'profile':<{width}} {'matches':>8} {'selected':>8} {'controls':>8} {'hits':>6} {'hit rate':>8} {'lift':>6} {'revenue':>14}  flags"
    )
    for r in data["profiles"]:
        hit = f"{r['hit_rate']:.3f}" if r["hit_rate"] is not None else "-"
        lift = f"{r['lift']:.2f}" if r["lift"] is not None else "-"
        console.print(
            f"{r['code']:<{width}} {r['matches']:>8,} {r['selected']:>8,} {r['controls']:>8,} {r['hits']:>6,} "
            f"{hit:>8} {lift:>6} {r['revenue']:>14,.0f}  {', '.join(r['flags'])}",
            highlight=False,
        )
