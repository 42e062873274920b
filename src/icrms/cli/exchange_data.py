"""``icrms exchange rates|mirror|aggregates|generate-exports``: partner data and what it shows."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import typer

from icrms.cli.common import (
    JSON_OPTION,
    emit,
    handle_errors,
    print_lines,
    progress_bar,
    settings,
    store,
    warehouse,
)
from icrms.cli.partners import actor
from icrms.core.clock import now
from icrms.errors import ValidationError
from icrms.exchange import aggregates, mirror, outbox, rates
from icrms.exchange import objects as objs
from icrms.exchange.administration import local_administration
from icrms.exchange.schemas import SentBundle
from icrms.exchange.tables import PreArrivalRow

rates_app = typer.Typer(
    help="Customs exchange rates (USD per unit) for mirror comparisons.", no_args_is_help=True
)
aggregates_app = typer.Typer(
    help="Aggregate statistics per HS6 x origin x month.", no_args_is_help=True
)
BUNDLE_OBJECTS = 500  # pre-arrival declarations per bundle


@rates_app.command("load")
@handle_errors
def rates_load(
    file: Path = typer.Argument(..., help="CSV: currency, valid_from, usd_per_unit"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Load exchange rates (a rate for the same currency and day is replaced)."""
    rows = rates.read_rates_file(file)
    with store().session() as s:
        n = rates.set_rates(s, rates=rows)
    emit({"rates": n}, as_json, lambda: print_lines([f"{n} rates loaded"]))


@rates_app.command("list")
@handle_errors
def rates_list(as_json: bool = JSON_OPTION) -> None:
    """Every stored rate."""
    with store().session() as s:
        table = rates.rates_table(s).to_pylist()
    emit(
        table,
        as_json,
        lambda: print_lines(
            f"{r['currency']} {r['valid_from']} {r['usd_per_unit']}" for r in table
        ),
    )


def _read_table(path: Path) -> pa.Table:
    import pyarrow.csv as pacsv
    import pyarrow.json as pajson
    import pyarrow.parquet as pq

    from icrms.generator.partner_exports import SCHEMA

    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return pq.read_table(path)
    if suffix == ".csv":
        return pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types=SCHEMA))
    if suffix == ".jsonl":
        return pajson.read_json(path, parse_options=pajson.ParseOptions(explicit_schema=SCHEMA))
    raise ValidationError("file", str(path), "must end in .parquet, .csv or .jsonl")


def share_pre_arrival(
    file: Path = typer.Argument(
        ..., help="export declarations, one row per item (see generate-exports)"
    ),
    to: str = typer.Option(..., "--to"),
    tlp: str = typer.Option("amber", "--tlp"),
    days: int = typer.Option(None, "--days"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Send export declarations to partners as pre-arrival data (bundles of 500)."""
    current = settings()
    admin = local_administration(current)
    bodies = mirror.export_objects(_read_table(file))
    sent: list[SentBundle] = []
    with progress_bar("sign", len(bodies), not as_json) as tick:
        for start in range(0, len(bodies), BUNDLE_OBJECTS):
            chunk = bodies[start : start + BUNDLE_OBJECTS]
            at = now()
            members = [objs.pre_arrival(admin.code, admin.stix_id, body, tlp, at) for body in chunk]
            with store(current).session() as s:
                sent += outbox.share_objects(
                    s,
                    admin=admin,
                    objects=members,
                    recipients=[t.strip() for t in to.split(",")],
                    days=days or current.exchange.bundle_days,
                    actor=actor(),
                )
            tick(len(chunk))
    emit(
        [b.model_dump(mode="json") for b in sent],
        as_json,
        lambda: print_lines([f"{len(bodies)} export declarations in {len(sent)} bundles to {to}"]),
    )


def _pre_arrival_table(current: Any) -> pa.Table:
    with store(current).session() as s:
        from sqlalchemy import select

        rows = s.execute(
            select(PreArrivalRow.issuer, PreArrivalRow.payload).where(
                PreArrivalRow.superseded_at.is_(None)
            )
        ).all()
    return mirror.exports_from_objects((r[0], r[1]) for r in rows)


def mirror_report(top: int = typer.Option(20, "--top"), as_json: bool = JSON_OPTION) -> None:
    """Match partners' pre-arrival export declarations to our imports; the largest value gaps."""
    current = settings()
    exports = _pre_arrival_table(current)
    with store(current).session() as s:
        rate_table = rates.rates_table(s)
    with warehouse(current) as wh:
        mirror.compute(wh, exports, rate_table)
        summary = mirror.summary(wh)
        gaps = mirror.largest_gaps(wh, top=top)
    data: dict[str, Any] = {"summary": summary, "largest_gaps": gaps}

    def human() -> None:
        print_lines(
            [
                f"{summary['partner_export_declarations']:,} partner export declarations, "
                f"{summary['import_declarations']:,} imports; matched {summary['matched']}; "
                f"{summary['items_compared']:,} items compared"
            ]
            + [
                f"{g['declaration_id']} item {g['item_no']}: declared {g['import_value_usd']:,} USD, "
                f"partner {g['export_value_usd']:,} USD (ratio {g['mirror_value_ratio']}), mass {g['mirror_mass_ratio']}, "
                f"HS6 {g['hs6']}/{g['export_hs6']} [{g['match_method']} via {g['issuer']}]"
                for g in gaps
            ]
        )

    emit(data, as_json, human)


def _our_cells(
    current: Any, date_from: str, date_to: str, min_cell: int
) -> tuple[date, date, list[dict[str, Any]]]:
    start, end = _period(date_from, date_to)
    with store(current).session() as s:
        rate_table = rates.rates_table(s)
    with warehouse(current) as wh:
        cells = aggregates.compute_cells(
            wh, date_from=start, date_to=end, min_cell=min_cell, rates=rate_table
        )
    return start, end, cells


def _period(date_from: str, date_to: str) -> tuple[date, date]:
    try:
        return date.fromisoformat(date_from), date.fromisoformat(date_to)
    except ValueError as exc:
        raise ValidationError("--from/--until", f"{date_from}..{date_to}", str(exc)) from exc


@aggregates_app.command("show")
@handle_errors
def aggregates_show(
    date_from: str = typer.Option(..., "--from"),
    date_to: str = typer.Option(..., "--until"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Our aggregate cells of a period, as they would be shared."""
    current = settings()
    _start, _end, cells = _our_cells(current, date_from, date_to, current.exchange.min_cell_size)
    emit(
        cells,
        as_json,
        lambda: print_lines(
            f"{c['period']} {c['hs6']} {c['country_of_origin']} {c['declarations']:>7} decl {c['controls']:>5} ctl "
            f"{c['irregularities']:>5} irr {c['revenue_usd']:>12,.2f} USD"
            for c in cells
        ),
    )


@aggregates_app.command("share")
@handle_errors
def aggregates_share(
    date_from: str = typer.Option(..., "--from"),
    date_to: str = typer.Option(..., "--until"),
    to: str = typer.Option(..., "--to"),
    tlp: str = typer.Option("green", "--tlp"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Share our aggregate statistics of a period (cells under the minimum size left out)."""
    current = settings()
    admin = local_administration(current)
    start, end, cells = _our_cells(current, date_from, date_to, current.exchange.min_cell_size)
    obj = objs.aggregates(
        admin.code, admin.stix_id, cells, start, end, current.exchange.min_cell_size, tlp, now()
    )
    with store(current).session() as s:
        sent = outbox.share_objects(
            s,
            admin=admin,
            objects=[obj],
            recipients=[t.strip() for t in to.split(",")],
            days=current.exchange.bundle_days,
            actor=actor(),
        )
    emit(
        [b.model_dump(mode="json") for b in sent],
        as_json,
        lambda: print_lines(
            [
                f"{len(cells)} cells (minimum {current.exchange.min_cell_size} declarations) sent to {to}"
            ]
        ),
    )


@aggregates_app.command("compare")
@handle_errors
def aggregates_compare(
    date_from: str = typer.Option(..., "--from"),
    date_to: str = typer.Option(..., "--until"),
    top: int = typer.Option(30, "--top"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Our hit rate per HS6 x origin beside each partner's, from their cells of those months."""
    from icrms.exchange import joint

    current = settings()
    start, end = _period(date_from, date_to)
    with store(current).session() as s, warehouse(current) as wh:
        rows = joint.compare(s, wh, date_from=start, date_to=end, top=top).rows
    emit(
        rows,
        as_json,
        lambda: print_lines(
            f"{r['hs6']} {r['country_of_origin']} ours {r['ours']['irregularities']}/{r['ours']['controls']} "
            + " ".join(
                f"{k} {v['irregularities']}/{v['controls']}" for k, v in r["partners"].items()
            )
            for r in rows
        ),
    )


def generate_exports(
    declarations: int = typer.Option(..., "--declarations", min=1),
    seed: int = typer.Option(42, "--seed"),
    out: Path = typer.Option(..., "--out"),
    countries: str = typer.Option(
        None, "--countries", help="comma-separated export countries (default all)"
    ),
    destination: str = typer.Option("XA", "--destination"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Write the partners' export declarations for `icrms generate` with the same arguments."""
    from icrms.generator.partner_exports import generate_partner_exports

    picked = [c.strip() for c in countries.split(",")] if countries else None
    try:
        with progress_bar("exports", declarations, not as_json) as tick:
            result = generate_partner_exports(
                declarations, seed, out, countries=picked, destination=destination, progress=tick
            )
    except ValueError as exc:
        raise ValidationError("generate-exports", str(out), str(exc)) from exc
    data = {
        "export_declarations": result.export_declarations,
        "rows": result.rows,
        "path": str(result.path),
    }
    emit(
        data,
        as_json,
        lambda: print_lines(
            [
                f"{out}: {result.export_declarations:,} export declarations, {result.rows:,} item rows"
            ]
        ),
    )


share_pre_arrival = handle_errors(share_pre_arrival)
mirror_report = handle_errors(mirror_report)
generate_exports = handle_errors(generate_exports)
