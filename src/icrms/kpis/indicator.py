"""What an indicator is: a documented measure and the SQL that measures it, and the pieces the
indicator families share (see kpis/indicators/)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from icrms.kpis.sql import KpiDialect

Builder = Callable[[KpiDialect, dict[str, str]], str]


@dataclass(frozen=True)
class Indicator:
    """A documented indicator and its SQL (given the dialect and the breakdown expressions)."""

    name: str
    title: str
    family: str
    unit: str
    definition: str
    formula: str
    source: str
    keys: tuple[str, ...]  # the indicator's own grouping columns, before any breakdown
    sql: Builder
    by: tuple[str, ...] = ("period", "office", "channel")
    post: Callable[[list[dict[str, Any]]], list[dict[str, Any]]] | None = None


def grouping(by: dict[str, str], own: tuple[str, ...] = ()) -> tuple[str, str, str]:
    """SELECT list, GROUP BY and ORDER BY pieces for breakdown expressions plus own columns."""
    select = "".join(f"{expr} AS {name}, " for name, expr in by.items())
    keys = [*by.values(), *own]
    group = f"GROUP BY {', '.join(keys)}" if keys else ""
    order = f"ORDER BY {', '.join([*by.keys(), *own])}" if keys else ""
    return select, group, order
