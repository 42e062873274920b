"""The risk-profile rule language: a whitelisted subset of SQL boolean expressions.

A criterion such as ``hs4 = '8517' AND unit_value < 20 AND NOT aeo`` is parsed with sqlglot,
checked against a whitelist and the field catalogue, and compiled twice: to a Python predicate
for one declaration (:func:`compile_python`) and to SQL for DuckDB or Spark in bulk
(:func:`to_sql`). Both follow SQL three-valued logic; a row matches only when the criterion is
TRUE.
"""

from __future__ import annotations

from icrms.profiles.rules.errors import CriterionError
from icrms.profiles.rules.evaluate import Predicate, compile_python, no_watchlists
from icrms.profiles.rules.fields import FieldCatalog, FieldSpec, FieldType, resolve_catalog
from icrms.profiles.rules.parse import Criterion, parse_criterion
from icrms.profiles.rules.refs import referenced_fields, referenced_watchlists
from icrms.profiles.rules.to_sql import Dialect, to_sql
from icrms.profiles.rules.values import Row, WatchlistLookup

__all__ = [
    "Criterion",
    "CriterionError",
    "Dialect",
    "FieldCatalog",
    "FieldSpec",
    "FieldType",
    "Predicate",
    "Row",
    "WatchlistLookup",
    "compile_python",
    "no_watchlists",
    "parse_criterion",
    "referenced_fields",
    "referenced_watchlists",
    "resolve_catalog",
    "to_sql",
]
