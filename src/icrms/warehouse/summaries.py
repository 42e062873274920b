"""Summary tables of controlled declarations, kept by every load, that the KPI layer reads.

Most indicators are about controls, or about the declarations a profile or the model cited:
a few percent of the declarations. Reading them through ``fact_control`` or
``fact_assessment_reason`` joined with every declaration took most of an indicator's time at
ten million item rows. Three summaries hold those joins once:

- ``fact_controlled_declaration``: one row per controlled declaration version (its header
  attributes, what the controls found, how they were chosen, which sources cited it);
- ``fact_controlled_goods``: the distinct HS chapter × origin pairs of its items (the HS and
  origin filters and rankings);
- ``fact_cited_declaration``: one row per declaration version and profile or model that its
  assessments cited (selected or not, best score), with the declaration's header attributes
  (profile effectiveness, model precision).

Each is one SELECT over the facts. On DuckDB it is a table: a load recomputes the rows of the
declarations its batch touched (items, controls, declarations or reasons), in the load's
transaction, and a file whose summary was made from another definition is rebuilt when opened.
On Spark it is a view over the same SELECT. ``tests/contract/kpis`` holds both to the facts.
"""

from __future__ import annotations

import hashlib

HIT = "outcome IN ('irregularity', 'seizure')"
CITED_KINDS = ("profile", "watchlist", "model")

# {keys} is a condition on declaration_id and version: the declarations to (re)compute.
_CONTROLLED = f"""
WITH c AS (
    SELECT declaration_id, version,
           max(CASE WHEN {HIT} THEN 1 ELSE 0 END) AS hit,
           max(CASE WHEN outcome = 'seizure' THEN 1 ELSE 0 END) AS seizure,
           sum(coalesce(extra_revenue, 0)) AS revenue,
           max(CASE WHEN selection = 'random' THEN 1 ELSE 0 END) AS is_random,
           max(CASE WHEN selection = 'manual' THEN 1 ELSE 0 END) AS is_manual,
           max(CASE WHEN selection = 'targeted' THEN 1 ELSE 0 END) AS is_targeted,
           min(control_started_at) AS started_at, max(controlled_at) AS finished_at
    FROM fact_control WHERE {{keys}} GROUP BY declaration_id, version),
r AS (
    SELECT declaration_id, version,
           {", ".join(f"max(CASE WHEN kind = '{k}' THEN 1 ELSE 0 END) AS cited_{k}" for k in CITED_KINDS)}
    FROM fact_assessment_reason
    WHERE selected AND kind IN ({", ".join(f"'{k}'" for k in CITED_KINDS)}) AND {{keys}}
    GROUP BY declaration_id, version)
SELECT c.declaration_id, c.version, d.date_key, d.office_code, d.channel, d.procedure,
       d.importer_id, d.assessed_at, c.hit, c.seizure, c.revenue, c.is_random, c.is_manual,
       c.is_targeted, c.started_at, c.finished_at,
       {", ".join(f"coalesce(r.cited_{k}, 0) AS cited_{k}" for k in CITED_KINDS)}
FROM c JOIN fact_declaration d ON d.declaration_id = c.declaration_id AND d.version = c.version
LEFT JOIN r ON r.declaration_id = c.declaration_id AND r.version = c.version"""

_GOODS = """
SELECT DISTINCT declaration_id, version, hs2, country_of_origin FROM fact_item
WHERE {keys} AND (declaration_id, version) IN (SELECT declaration_id, version FROM fact_control)"""

_CITED = """
WITH r AS (
    SELECT declaration_id, version, kind, code,
           max(CASE WHEN selected THEN 1 ELSE 0 END) AS selected, max(score) AS score
    FROM fact_assessment_reason WHERE kind IN ('profile', 'model') AND {keys}
    GROUP BY declaration_id, version, kind, code)
SELECT r.declaration_id, r.version, r.kind, r.code, r.selected, r.score, d.date_key,
       d.office_code, d.channel, d.procedure
FROM r JOIN fact_declaration d ON d.declaration_id = r.declaration_id AND d.version = r.version"""

# the facts the summaries read: a load that adds to one of them refreshes them
SUMMARY_SOURCES = ("fact_item", "fact_control", "fact_declaration", "fact_assessment_reason")

SUMMARIES: dict[str, str] = {
    "fact_controlled_declaration": _CONTROLLED,
    "fact_controlled_goods": _GOODS,
    "fact_cited_declaration": _CITED,
}


def summary_sql(name: str, keys: str = "TRUE") -> str:
    """The SELECT of a summary, for the declarations that satisfy ``keys``."""
    return SUMMARIES[name].format(keys=keys)


def definition_hash(name: str) -> str:
    """Identifies the definition a DuckDB file's summary table was made from."""
    return hashlib.sha256(SUMMARIES[name].encode()).hexdigest()[:16]
