"""``icrms assess``: channels for declarations, in bulk (warehouse) or live (one declaration)."""

from __future__ import annotations

import time
from collections import Counter
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import typer

from icrms.cli.common import (
    JSON_OPTION,
    cli_actor,
    console,
    emit,
    handle_errors,
    settings,
    store,
    warehouse,
)
from icrms.core.documents import read_document
from icrms.declarations.parsers import ADAPTERS
from icrms.declarations.schemas import DeclarationCreate
from icrms.errors import ValidationError
from icrms.exchange.prearrival import MirrorFacts, bulk_fields_for
from icrms.ingest.flows import ingest_file
from icrms.ingest.readers import read_column
from icrms.live import flows as live
from icrms.models.live import ModelScorer
from icrms.models.service import promoted_scorer, registry
from icrms.selectivity import service
from icrms.selectivity.bulk import bulk_assess_and_store


@handle_errors
def assess(
    target: str | None = typer.Argument(
        None, help="A declaration file; or 'replay ID'; or 'live FILE.json'."
    ),
    ident: str | None = typer.Argument(
        None, help="Assessment id (replay) or declaration JSON file (live)."
    ),
    fmt: str = typer.Option(
        "native", "--format", help="native | kcs | date (for a declaration file)"
    ),
    date_from: str | None = typer.Option(
        None, "--from", help="YYYY-MM-DD: assess warehouse history from"
    ),
    date_to: str | None = typer.Option(None, "--to", help="YYYY-MM-DD: to (inclusive)"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Assess declarations: FILE or --from/--to in bulk, 'live FILE.json' one by one, 'replay ID' again."""
    if target == "replay":
        return _replay(int(ident or 0), as_json)
    if target == "live":
        return _live(Path(ident or ""), as_json)
    current = settings()
    source = store(current)
    with source.session() as s:
        snapshot = service.build_snapshot(
            s,
            secret=current.selectivity_secret(),
            scorer=promoted_scorer(current),
            facts=MirrorFacts(),
        )
    with warehouse(current) as wh:
        started = time.perf_counter()
        if target is not None:
            path = Path(target)
            ingest_file(wh, path, fmt=fmt, settings=current)
            keys = read_column(path, ADAPTERS[fmt].source_of("declaration_id"))
            wh.register("assess_keys", pa.table({"declaration_id": pc.unique(keys)}))
            items_sql = "SELECT f.* FROM fact_item f WHERE f.declaration_id IN (SELECT declaration_id FROM assess_keys)"
        elif date_from and date_to:
            start, end = date.fromisoformat(date_from), date.fromisoformat(date_to)
            items_sql = (
                f"SELECT * FROM fact_item WHERE lodged_date BETWEEN DATE '{start}' AND DATE '{end}'"
            )
        else:
            raise ValidationError(
                "target",
                target,
                "give a declaration file, --from and --to, 'replay ID' or 'live FILE'",
            )
        with source.session() as s:
            mirror = bulk_fields_for(s, wh, items_sql=items_sql, fields=snapshot.fields_used)
        result = bulk_assess_and_store(wh, snapshot, items_sql=items_sql, mirror=mirror)
        seconds = time.perf_counter() - started
    mix = Counter(result.column("channel").to_pylist())
    data = {
        "declarations": result.num_rows,
        "channels": dict(sorted(mix.items())),
        "seconds": round(seconds, 3),
        "policy_version": snapshot.policy_version,
        "profile_set_version": snapshot.profile_set_version,
        "profiles": len(snapshot.profiles),
    }
    emit(data, as_json, lambda: _print_mix(data))


def _print_mix(data: dict[str, object]) -> None:
    total = int(data["declarations"]) or 1  # type: ignore[call-overload]
    console.print(
        f"{data['declarations']:,} declarations assessed with {data['profiles']} active profiles "
        f"(policy v{data['policy_version']}, profile set v{data['profile_set_version']})"
    )
    for channel, n in data["channels"].items():  # type: ignore[attr-defined]
        console.print(f"  {channel:<7} {n:>9,}  {100 * n / total:5.1f} %")


def _live(path: Path, as_json: bool) -> None:
    current = settings()
    declaration = DeclarationCreate.model_validate(read_document(path, what="declaration file"))
    with store(current).session() as s:
        snapshot = service.build_snapshot(
            s,
            secret=current.selectivity_secret(),
            scorer=promoted_scorer(current),
            facts=MirrorFacts(),
        )
        submitted = live.submit(s, snapshot=snapshot, declaration=declaration, actor=cli_actor())
    assessment = submitted.assessment
    data = assessment.model_dump(mode="json")
    emit(
        data,
        as_json,
        lambda: console.print(
            f"assessment {assessment.id}: {assessment.declaration_id} v{assessment.version} → {assessment.channel} "
            f"(score {assessment.score})\n" + "\n".join(f"  {r}" for r in assessment.reasons),
            highlight=False,
        ),
    )


def _replay(assessment_id: int, as_json: bool) -> None:
    current = settings()
    with store(current).session() as s:
        version = service.get_assessment(s, assessment_id=assessment_id).model_version
        scorer = ModelScorer(registry(current).load(version)) if version else None
        stored, decision = service.replay(
            s,
            assessment_id=assessment_id,
            secret=current.selectivity_secret(),
            scorer=scorer,
            facts=MirrorFacts(),
        )
    same = (stored.channel, stored.score, stored.reasons) == (
        decision.channel,
        decision.score,
        decision.reasons,
    )
    data = {
        "assessment_id": assessment_id,
        "stored": {"channel": stored.channel, "score": stored.score},
        "replayed": {"channel": decision.channel, "score": decision.score},
        "identical": same,
    }
    emit(
        data,
        as_json,
        lambda: console.print(
            f"assessment {assessment_id}: stored {stored.channel} ({stored.score}), replayed {decision.channel} "
            f"({decision.score}): {'identical' if same else 'DIFFERENT'}"
        ),
    )
    if not same:
        raise typer.Exit(1)
