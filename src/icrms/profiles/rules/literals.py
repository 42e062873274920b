"""Literal handling for the checker: numbers, date/timestamp strings, descriptions."""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from sqlglot import exp

from icrms.profiles.rules import ir

if TYPE_CHECKING:
    from icrms.profiles.rules.check import Checker

MAX_EXACT_INT = 2**53
_INT = re.compile(r"-?\d+\Z")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
# An offset only after the seconds, as DuckDB reads timestamps ('10:00+02:00' is an error there)
_TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:?\d{2})?)?)?\Z"
)


def describe(e: exp.Expression, node: ir.Node) -> str:
    """Short description of an operand for error messages, e.g. "string field 'hs4'"."""
    if isinstance(node, ir.Col):
        return f"{node.type} field {node.name!r}"
    sql = e.sql("duckdb", comments=False)
    if len(sql) > 40:
        sql = sql[:37] + "..."
    if isinstance(node, ir.Const):
        return "NULL" if node.value is None else f"{node.type} {sql}"
    return f"{node.type} expression {sql}"


def number_literal(checker: Checker, e: exp.Expression, text: str) -> ir.Const:
    """A numeric literal: int when integral and exact in a double, else float."""
    if _INT.match(text):
        value = int(text)
        if abs(value) <= MAX_EXACT_INT:
            return ir.Const(value, "number", is_int=True)
    try:
        number = float(text)
    except ValueError:
        checker.fail(e, f"{text} is not a valid number")
    if not math.isfinite(number):
        checker.fail(e, f"number {text} is out of range")
    if number == 0 and "e" not in text.lower():
        number = 0.0  # a decimal literal, as DuckDB reads -0.0: it has no negative zero
    return ir.Const(number, "number")


def coerce_temporal(checker: Checker, e: exp.Expression, node: ir.Node, kind: str) -> ir.Node:
    """Turn a string literal compared with a date/timestamp into a date/timestamp literal.

    Timestamps without an offset are taken as UTC; the value is normalised to UTC.
    """
    if not (isinstance(node, ir.Const) and node.type == "string"):
        return node
    text = node.value.strip()
    try:
        if kind == "date":
            if not _DATE.match(text):
                raise ValueError(text)
            return ir.Const(date.fromisoformat(text), "date")
        if not _TIMESTAMP.match(text):
            raise ValueError(text)
        value = datetime.fromisoformat(text)
    except ValueError:
        shape = "YYYY-MM-DD" if kind == "date" else "YYYY-MM-DD[ HH:MM[:SS[.ffffff][Z|+HH:MM]]]"
        checker.fail(e, f"{node.value!r} is not a valid {kind} ({shape})")
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return ir.Const(value.astimezone(UTC), "timestamp")
