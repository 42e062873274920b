"""Assessments as warehouse rows: fact_assessment and its reasons, from either engine."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from icrms.warehouse.schema import FACT_ASSESSMENT, FACT_ASSESSMENT_REASON

NO_MODEL = ""


def reason_rows(
    key: dict[str, Any], date_key: int, reasons: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """One bridge row per profile, watchlist (per list), model or random draw an assessment cites."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for r in reasons:
        kind = r["kind"]
        if kind == "profile":
            code, version, chosen, score = r["code"], r["version"], r["selected"], r["score"]
        elif kind == "watchlist":
            code, version, chosen, score = r["list"], None, True, r["score"]
        elif kind == "model":
            code, version, chosen, score = (
                str(r.get("model_version", "model")),
                None,
                True,
                r["score"],
            )
        else:
            code, version, chosen, score = kind, None, True, 0
        rows.setdefault(
            (kind, code),
            {
                **key,
                "date_key": date_key,
                "kind": kind,
                "code": code,
                "code_version": version,
                "selected": chosen,
                "score": score,
            },
        )
    return list(rows.values())


def assessment_facts(
    decisions: Iterable[dict[str, Any]],
    *,
    policy_version: int,
    profile_set_version: int,
    model_version: str | None,
    engine: str,
) -> tuple[pa.Table, pa.Table]:
    """Warehouse rows for live decisions given as dicts with declaration_id, version, office_code,
    lodged_date, channel, score and reasons."""
    facts, bridge = [], []
    for d in decisions:
        reasons = d["reasons"]
        key = {
            "declaration_id": d["declaration_id"],
            "version": d["version"],
            "policy_version": policy_version,
            "profile_set_version": profile_set_version,
            "model_version": model_version or NO_MODEL,
        }
        day: date = d["lodged_date"]
        date_key = day.year * 10000 + day.month * 100 + day.day
        facts.append(
            {
                **key,
                "engine": engine,
                "date_key": date_key,
                "office_code": d["office_code"],
                "channel": d["channel"],
                "score": d["score"],
                "random_selected": any(r["kind"] == "random" for r in reasons),
                "reasons": json.dumps(reasons, separators=(",", ":")),
            }
        )
        bridge.extend(reason_rows(key, date_key, reasons))
    return pa.Table.from_pylist(facts, FACT_ASSESSMENT), pa.Table.from_pylist(
        bridge, FACT_ASSESSMENT_REASON
    )


def bulk_assessment_facts(
    result: pa.Table, *, policy_version: int, profile_set_version: int, model_version: str | None
) -> tuple[pa.Table, pa.Table]:
    """The same rows as :func:`assessment_facts`, built column-wise from the bulk engine's result."""
    n = result.num_rows
    day = result.column("lodged_date")
    date_key = pc.add(
        pc.add(pc.multiply(pc.year(day), 10000), pc.multiply(pc.month(day), 100)), pc.day(day)
    ).cast(pa.int32())
    constants = {
        "policy_version": pa.array([policy_version] * n, pa.int32()),
        "profile_set_version": pa.array([profile_set_version] * n, pa.int32()),
        "model_version": pa.array([model_version or NO_MODEL] * n, pa.string()),
    }
    facts = pa.table(
        {
            "declaration_id": result.column("declaration_id"),
            "version": result.column("version").cast(pa.int32()),
            **constants,
            "engine": pa.array(["bulk"] * n, pa.string()),
            "date_key": date_key,
            "office_code": result.column("office_code"),
            "channel": result.column("channel"),
            "score": result.column("score").cast(pa.int32()),
            "random_selected": result.column("random_selected"),
            "reasons": result.column("reasons"),
        }
    ).cast(FACT_ASSESSMENT)
    cited = facts.filter(pc.not_equal(facts.column("reasons"), "[]"))
    bridge = []
    key_columns = (
        "declaration_id",
        "version",
        "policy_version",
        "profile_set_version",
        "model_version",
    )
    for row in cited.select([*key_columns, "date_key", "reasons"]).to_pylist():
        key = {k: row[k] for k in key_columns}
        bridge.extend(reason_rows(key, row["date_key"], json.loads(row["reasons"])))
    return facts, pa.Table.from_pylist(bridge, FACT_ASSESSMENT_REASON)
