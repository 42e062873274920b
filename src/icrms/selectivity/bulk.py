"""The bulk engine: the live engine's decision, computed in the warehouse's SQL (DuckDB or Spark).

Profiles are matched by criterion template (``matching``); selection
draws, AEO facilitation, watchlist hits, thresholds, the random draw and the office capacity
follow the same rules as :func:`icrms.selectivity.engine.decide`, so both give the same channel,
score and reasons (the live/bulk equivalence tests hold them to that).
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa

from icrms.profiles.schemas import CHANNEL_RANK
from icrms.profiles.watchlists import KIND_FIELDS
from icrms.selectivity.draw import draw_function, sql_draw, threshold_hex
from icrms.selectivity.engine import Snapshot
from icrms.selectivity.facts import bulk_assessment_facts
from icrms.selectivity.matching import ITEMS, items_view, matches_sql, reference_tables
from icrms.selectivity.sql import Dialect, case, lit, rank_name, run_query
from icrms.warehouse.base import LoadBatch, Warehouse
from icrms.warehouse.schema import TABLES


def bulk_sql(
    snapshot: Snapshot, d: Dialect, *, model: bool = False
) -> tuple[str, dict[str, pa.Table]]:
    """The whole decision as one query over the view ``bulk_items``, and the tables it reads.

    With ``model``, a view ``bulk_model`` gives the model's contribution per declaration.
    The draws call ``icrms_draw`` (:func:`icrms.selectivity.draw.draw_function`): the query
    holds no key.
    """
    policy = snapshot.policy
    matches, shape_tables = matches_sql(snapshot, d)
    pct = policy.aeo_revenue_score_pct
    profile_reason = {
        "kind": "'profile'",
        "code": "code",
        "version": "profile_version",
        "category": "category",
        "score": "points",
        "min_channel": rank_name("eff_rank"),
        "items": "items",
        "selected": "selected",
        "selection_draw": "CASE WHEN sampled THEN draw END",
        "aeo_facilitated": "facilitated",
    }
    hit_reason = {
        "kind": "'watchlist'",
        "list": "list",
        "field": "field",
        "value": "value",
        "score": "w_score",
        "min_channel": rank_name("w_rank"),
    }
    hits = " UNION ".join(
        f"SELECT DISTINCT declaration_id, version, list, '{f}' AS field, v AS value, w_score, w_rank "
        f"FROM (SELECT declaration_id, version, "
        + (f"{d.explode(d.split(f, ';'))}" if f == "containers" else f)
        + f" AS v FROM {ITEMS} WHERE {f} IS NOT NULL) i JOIN bulk_watchlist w ON w.kind = '{kind}' AND w.value = i.v"
        for kind, fields in KIND_FIELDS.items()
        for f in fields
    )
    random_hex = case(
        "office_code", {k: threshold_hex(v) for k, v in policy.random_share_by_office.items()}, None
    )
    by_procedure = case(
        "procedure",
        {k: threshold_hex(v) for k, v in policy.random_share_by_procedure.items()},
        threshold_hex(policy.random_share),
    )
    share = case("office_code", policy.random_share_by_office, None)
    share_procedure = case("procedure", policy.random_share_by_procedure, policy.random_share)
    random_rank = CHANNEL_RANK[policy.random_channel]
    ranks = " ".join(f"WHEN '{name}' THEN {rank}" for name, rank in CHANNEL_RANK.items())
    reds_before = (
        """coalesce(sum(CASE WHEN rank2 = 3 THEN 1 ELSE 0 END) OVER (
               PARTITION BY office_code, lodged_date ORDER BY lodged_at, declaration_id, version
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)"""
        if policy.red_capacity_by_office
        else "0"
    )
    model_points = "coalesce(mdl.score, 0)" if model else "0"
    model_rank = f"coalesce(CASE mdl.min_channel {ranks} END, 0)" if model else "0"
    model_reason = "mdl.reason" if model else "CAST(NULL AS STRING)"
    model_join = (
        "LEFT JOIN bulk_model mdl ON mdl.declaration_id = h.declaration_id AND mdl.version = h.version"
        if model
        else ""
    )
    capacity = case("office_code", {k: v for k, v in policy.red_capacity_by_office.items()}, None)
    random_reason = d.json_object(
        {
            "kind": "'random'",
            "share": "share",
            "draw": "random_draw",
            "channel": lit(policy.random_channel),
        }
    )
    quota_reason = d.json_object(
        {
            "kind": "'quota'",
            "office_code": "office_code",
            "red_capacity": "capacity",
            "channel": "'yellow'",
        }
    )
    reasons = d.join_json(
        ["profile_reasons", "list_reasons"],
        [
            "model_reason",
            f"CASE WHEN random_selected THEN {random_reason} END",
            f"CASE WHEN downgraded THEN {quota_reason} END",
        ],
    )
    return (
        f"""
WITH heads AS (
    SELECT declaration_id, version, min(office_code) AS office_code, min(procedure) AS procedure,
           max(CASE WHEN aeo THEN 1 ELSE 0 END) = 1 AS aeo, min(lodged_at) AS lodged_at,
           min(lodged_date) AS lodged_date
    FROM {ITEMS} GROUP BY declaration_id, version),
matches AS ({matches}),
matched AS (
    SELECT m.declaration_id, m.version, m.p, {d.sorted_list("m.item_no")} AS items
    FROM matches m GROUP BY m.declaration_id, m.version, m.p),
judged AS (
    SELECT x.*, {sql_draw("x.declaration_id", "x.version", "concat('profile:', x.code)")} AS draw
    FROM (SELECT mt.*, bp.code, bp.profile_version, bp.category, bp.score, bp.min_rank, bp.rate_hex, bp.sampled,
                 h.aeo AND bp.category = 'revenue' AS facilitated
          FROM matched mt JOIN bulk_profiles bp ON bp.p = mt.p
          JOIN heads h ON h.declaration_id = mt.declaration_id AND h.version = mt.version) x),
scored AS (
    SELECT j.*, j.draw < j.rate_hex AS selected,
           CASE WHEN facilitated THEN CAST(floor(j.score * {
            pct
        } / 100) AS INT) ELSE j.score END AS points,
           CASE WHEN facilitated THEN least(j.min_rank, greatest(j.min_rank - 1, 1)) ELSE j.min_rank END AS eff_rank
    FROM judged j),
by_profiles AS (
    SELECT declaration_id, version,
           sum(CASE WHEN selected THEN points ELSE 0 END) AS points,
           max(CASE WHEN selected THEN eff_rank ELSE 0 END) AS rank_,
           max(CASE WHEN selected AND category = 'security' AND eff_rank = 3 THEN 1 ELSE 0 END) AS protected_,
           {d.json_list_by(profile_reason, "code")} AS reasons
    FROM scored GROUP BY declaration_id, version),
hits AS ({hits}),
hit_lists AS (
    SELECT declaration_id, version, list, max(w_score) AS w_score, max(w_rank) AS w_rank
    FROM hits GROUP BY declaration_id, version, list),
by_lists AS (
    SELECT l.declaration_id, l.version, sum(l.w_score) AS points, max(l.w_rank) AS rank_,
           max(CASE WHEN l.w_rank = 3 THEN 1 ELSE 0 END) AS protected_, max(r.reasons) AS reasons
    FROM hit_lists l JOIN (
        SELECT declaration_id, version, {
            d.json_list_by(hit_reason, "concat(list, '|', field, '|', value)")
        } AS reasons
        FROM hits GROUP BY declaration_id, version) r
      ON r.declaration_id = l.declaration_id AND r.version = l.version
    GROUP BY l.declaration_id, l.version),
combined AS (
    SELECT h.*, coalesce(p.points, 0) + coalesce(w.points, 0) + {model_points} AS score,
           greatest(coalesce(p.rank_, 0), coalesce(w.rank_, 0), {model_rank}) AS rank0,
           coalesce(p.protected_, 0) + coalesce(w.protected_, 0) > 0 AS protected0,
           p.reasons AS profile_reasons, w.reasons AS list_reasons, {model_reason} AS model_reason,
           coalesce({random_hex}, {by_procedure}) AS random_hex,
           coalesce({share}, {share_procedure}) AS share,
           {sql_draw("h.declaration_id", "h.version", "'random'")} AS random_draw,
           {capacity} AS capacity
    FROM heads h
    LEFT JOIN by_profiles p ON p.declaration_id = h.declaration_id AND p.version = h.version
    LEFT JOIN by_lists w ON w.declaration_id = h.declaration_id AND w.version = h.version
    {model_join}),
drawn AS (
    SELECT c.*, c.share > 0 AND c.random_draw < c.random_hex AS random_selected,
           greatest(c.rank0, CASE WHEN c.score >= {policy.red_threshold} THEN 3
                                  WHEN c.score >= {
            policy.yellow_threshold
        } THEN 2 ELSE 0 END) AS rank1
    FROM combined c),
ranked AS (
    SELECT r.*, CASE WHEN random_selected THEN greatest(rank1, {
            random_rank
        }) ELSE rank1 END AS rank2,
           protected0 OR (random_selected AND {random_rank} = 3) AS protected
    FROM drawn r),
queued AS (
    SELECT q.*, {reds_before} AS reds_before
    FROM ranked q),
decided AS (
    SELECT z.*, rank2 = 3 AND capacity IS NOT NULL AND NOT protected AND reds_before >= capacity AS downgraded
    FROM queued z)
SELECT declaration_id, version, office_code, lodged_date, score,
       {rank_name("CASE WHEN downgraded THEN 2 ELSE rank2 END")} AS channel,
       random_selected,
       {reasons} AS reasons
FROM decided""",
        {**reference_tables(snapshot), **shape_tables},
    )


def bulk_assess(
    warehouse: Warehouse, snapshot: Snapshot, *, items_sql: str, mirror: pa.Table | None = None
) -> pa.Table:
    """Decide every declaration whose item rows ``items_sql`` selects; one row per declaration.

    ``mirror`` holds the mirror fields of the matched items (``declarations.fields.mirror_schema``;
    read only when a criterion reads a mirror field, NULL for items without a row).
    """
    model = snapshot.scorer is not None
    query, tables = bulk_sql(snapshot, Dialect(warehouse.backend), model=model)
    if model:
        tables["bulk_model"] = _model_contributions(warehouse, snapshot, items_sql)
    for name, table in tables.items():
        warehouse.register(name, table)
    items_view(warehouse, items_sql, mirror=mirror, reads_mirror=snapshot.reads_mirror)
    with draw_function(warehouse, snapshot.secret):
        return run_query(warehouse, query, "bulk assessment")


def _model_contributions(warehouse: Warehouse, snapshot: Snapshot, items_sql: str) -> pa.Table:
    """The scorer's contribution per declaration, its reason as the live engine writes it."""
    from icrms.models.bulk import bulk_contributions

    found = bulk_contributions(warehouse, snapshot.scorer.artifact, items_sql=items_sql)  # type: ignore[union-attr]
    reasons = [
        json.dumps({"kind": "model", **json.loads(r)}) for r in found.column("reason").to_pylist()
    ]
    return found.set_column(
        found.schema.get_field_index("reason"), "reason", pa.array(reasons, pa.string())
    )


def bulk_assess_and_store(
    warehouse: Warehouse, snapshot: Snapshot, *, items_sql: str, mirror: pa.Table | None = None
) -> pa.Table:
    """Decide in bulk and keep the assessments in the warehouse (fact_assessment and reasons)."""
    result = bulk_assess(warehouse, snapshot, items_sql=items_sql, mirror=mirror)
    facts, bridge = bulk_assessment_facts(
        result,
        policy_version=snapshot.policy_version,
        profile_set_version=snapshot.profile_set_version,
        model_version=snapshot.scorer.version if snapshot.scorer else None,
    )
    empty_items, empty_controls = (
        TABLES["fact_item"].empty_table(),
        TABLES["fact_control"].empty_table(),
    )
    warehouse.load(
        LoadBatch(empty_items, empty_controls, assessments=facts, assessment_reasons=bridge)
    )
    return result


def reasons_of(result: pa.Table) -> list[list[dict[str, Any]]]:
    """The reasons column parsed from JSON."""
    return [json.loads(text) for text in result.column("reasons").to_pylist()]
