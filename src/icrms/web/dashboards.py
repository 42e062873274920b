"""Dashboard panels as the templates draw them: chart JSON, drill-down links, formatted tables,
single figures, and the CSV of a table (cells neutralised against formula injection)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

from icrms.core.outputs import safe_cell
from icrms.kpis.cache import WarehouseReader, cached
from icrms.kpis.catalogue import FAMILIES, INDICATORS
from icrms.kpis.dashboards import Panel, Quiet, View, stopped_hitting
from icrms.kpis.schemas import KpiResult
from icrms.kpis.service import dashboard
from icrms.web.charts import column_format, number, panel_figure

DRILLABLE = ("period", "office", "channel", "hs_chapter", "origin", "profile")
MAX_ROWS = 200  # rows shown in a page's table; the CSV has all of them


@dataclass
class Cell:
    text: str
    value: object
    numeric: bool
    link: str | None = None


@dataclass
class Figure:
    """One headline figure of a single-row indicator."""

    indicator: str
    column: str
    label: str
    text: str
    value: object


@dataclass
class PanelView:
    """What a template needs to draw one panel."""

    panel: Panel
    result: KpiResult
    definition: str
    figure: str | None  # Plotly JSON
    drill: str  # JSON: x value -> link
    columns: list[str]
    rows: list[list[Cell]]
    hidden_rows: int
    csv_url: str
    figures: list[Figure] = field(default_factory=list)
    quiet: list[Quiet] = field(default_factory=list)  # profiles that stopped hitting


def panel_view(panel: Panel, result: KpiResult, view: View, path: str) -> PanelView:
    """Chart, table and figures of a computed panel."""
    ind = INDICATORS[panel.indicator]
    quiet = (
        stopped_hitting(result.rows)
        if result.name == "profile_effectiveness" and result.by == ["period"]
        else []
    )
    fig = panel_figure(result, panel.measure, ind.keys, first=tuple(q.profile for q in quiet))
    x = result.by[0] if result.by else (ind.keys[0] if ind.keys else None)
    drill: dict[str, str] = {}
    if fig is not None and x in DRILLABLE:
        for r in result.rows:
            link = view.drill(path, x, r[x])
            if link:
                drill[str(r[x])] = link
    rows = [
        [
            Cell(
                number(r[c], column_format(c)) if not _text(c) else str(r[c] or "–"),
                r[c],
                not _text(c),
                view.drill(path, c, r[c]) if c in DRILLABLE else None,
            )
            for c in result.columns
        ]
        for r in result.rows[:MAX_ROWS]
    ]
    figures = []
    if len(result.rows) == 1 and not result.by and not ind.keys:
        figures = [
            Figure(panel.indicator, c, c.replace("_", " "), number(v, column_format(c)), v)
            for c, v in result.rows[0].items()
        ]
    by = ",".join(result.by) or "none"
    return PanelView(
        panel=panel,
        result=result,
        definition=ind.definition,
        figure=fig.to_json() if fig is not None else None,
        drill=json.dumps(drill),
        columns=result.columns,
        rows=rows,
        hidden_rows=max(0, len(result.rows) - MAX_ROWS),
        csv_url=view.url(f"/dashboards/csv/{panel.indicator}", by=by),
        figures=figures,
        quiet=quiet,
    )


def page_view(reader: WarehouseReader, page: str, view: View, path: str) -> list[PanelView]:
    """Every panel of a page, drawn; kept while the warehouse is unchanged (building the Plotly
    figures costs more than reading kept answers)."""

    def build() -> list[PanelView]:
        return [panel_view(p, r, view, path) for p, r in dashboard(reader, page, view)]

    return cached(reader.state, ("page", page, path, tuple(sorted(view.params.items()))), build)


def _text(column: str) -> bool:
    return column in ("period", "office", "channel", "source", "profile", "goods", "concealment",
                      "importer", "hs_chapter", "origin", "route", "name")  # fmt: skip


def headline(panels: list[PanelView]) -> list[Figure]:
    """The overview's key figures, in reading order."""
    wanted = (
        ("inspection_rate", "declarations", "Declarations"),
        ("inspection_rate", "inspection_rate", "Inspection rate (yellow + red)"),
        ("inspection_rate", "physical_rate", "Physical inspection rate (red)"),
        ("random_irregularity_rate", "irregularity_rate", "Non-compliance (random controls)"),
        ("revenue_recovered", "hits", "Controls with a finding"),
        ("revenue_recovered", "revenue", "Revenue recovered"),
    )
    found = {(f.indicator, f.column): f for p in panels for f in p.figures}
    out = []
    for name, column, label in wanted:
        if (name, column) in found:
            f = found[(name, column)]
            out.append(Figure(name, column, label, f.text, f.value))
    return out


def ci_text(panels: list[PanelView]) -> str | None:
    """The random-control rate's 95 % interval, as text."""
    for p in panels:
        if p.panel.indicator == "random_irregularity_rate" and p.result.rows:
            row = p.result.rows[0]
            if row.get("ci_low") is not None:
                low, high = number(row["ci_low"], "percent"), number(row["ci_high"], "percent")
                return f"95 % interval {low} – {high}, {row['random_controls']:,} random controls"
    return None


def families() -> list[tuple[str, str]]:
    """(page, title) of every family page."""
    return list(FAMILIES.items())


def to_csv(result: KpiResult) -> str:
    """The indicator's rows as CSV, every cell safe to open in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(result.columns)
    for row in result.rows:
        writer.writerow([_csv_value(safe_cell(row[c])) for c in result.columns])
    return out.getvalue()


def _csv_value(value: Any) -> Any:
    return "" if value is None else value
