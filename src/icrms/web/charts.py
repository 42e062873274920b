"""Plotly figures of KPI results, shared by the dashboards and the printable reports."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

from icrms.kpis.schemas import KpiResult
from icrms.kpis.threats import Threat

CHANNEL_COLOURS = {"green": "#2e7d32", "blue": "#1565c0", "yellow": "#f9a825", "red": "#c62828"}
PALETTE = ["#1f4e79", "#c55a11", "#548235", "#7030a0", "#bf9000", "#2f5597", "#843c0c"]

# The template every figure of this process uses, set once: assigning it per figure made Plotly
# validate the whole template again each time (about 20 ms a figure, the overview has several).
pio.templates.default = "plotly_white"


def _layout(
    fig: go.Figure, title: str, *, width: int | None, height: int, y_title: str
) -> go.Figure:
    fig.update_layout(
        title={"text": title, "font": {"size": 14}},
        width=width,
        height=height,
        margin={"l": 60, "r": 20, "t": 40, "b": 50},
        legend={"orientation": "h", "y": -0.2},
        yaxis_title=y_title,
        font={"family": "DejaVu Sans, Arial, sans-serif", "size": 11},
    )
    return fig


def bar(
    result: KpiResult,
    x: str,
    y: str,
    *,
    title: str,
    y_title: str = "",
    percent: bool = False,
    width: int | None = None,
    height: int = 300,
) -> go.Figure:
    """One bar per row."""
    xs = [str(r[x]) for r in result.rows]
    ys = [r[y] for r in result.rows]
    colours = [CHANNEL_COLOURS.get(v, PALETTE[0]) for v in xs]
    fig = go.Figure(go.Bar(x=xs, y=ys, marker_color=colours, name=y))
    if percent:
        fig.update_yaxes(tickformat=".0%")
    return _layout(fig, title, width=width, height=height, y_title=y_title)


def series(
    result: KpiResult,
    x: str,
    y: str,
    by: str,
    *,
    title: str,
    y_title: str = "",
    kind: str = "line",
    percent: bool = False,
    width: int | None = None,
    height: int = 300,
    limit: int = 8,
    keep: list[str] | None = None,
) -> go.Figure:
    """One line (or stacked bar) per value of ``by`` over ``x`` (only ``keep``, if given)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in result.rows:
        groups.setdefault(str(r[by]), []).append(r)
    order = [k for k in keep if k in groups] if keep is not None else list(groups)
    if set(order) <= set(CHANNEL_COLOURS):  # channels stack green, blue, yellow, red
        order = [c for c in CHANNEL_COLOURS if c in groups]
    fig = go.Figure()
    for n, name in enumerate(order[:limit]):
        rows = groups[name]
        colour = CHANNEL_COLOURS.get(name, PALETTE[n % len(PALETTE)])
        xs, ys = [str(r[x]) for r in rows], [r[y] for r in rows]
        if kind == "bar":
            fig.add_trace(go.Bar(x=xs, y=ys, name=name, marker_color=colour))
        else:
            fig.add_trace(
                go.Scatter(x=xs, y=ys, name=name, mode="lines+markers", line_color=colour)
            )
    if kind == "bar":
        fig.update_layout(barmode="stack")
    if percent:
        fig.update_yaxes(tickformat=".0%")
    return _layout(fig, title, width=width, height=height, y_title=y_title)


def figure_div(fig: go.Figure, *, static: bool = False) -> str:
    """The figure as an HTML div (plotly.js must be on the page once)."""
    return fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        config={"displaylogo": False, "staticPlot": static, "responsive": not static},
    )


def plotly_js() -> str:
    """plotly.js itself, from the plotly package (never a CDN)."""
    return get_plotlyjs()


def number(value: object, fmt: str = "count") -> str:
    """A figure as a manager reads it: 12.3 %, 4.5 h, 1.25, 12,345."""
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    number = float(value)  # type: ignore[arg-type]
    if fmt == "percent":
        return f"{100 * number:.1f} %"
    if fmt == "hours":
        return f"{number:.1f} h"
    if fmt == "ratio":
        return f"{number:.2f}"
    if fmt == "amount":
        return f"{number:,.0f}"
    return f"{number:,.0f}" if number == int(number) or abs(number) >= 100 else f"{number:.2f}"


def column_format(column: str) -> str:
    """How a KPI column reads: percent, hours, ratio, amount or count."""
    if column.endswith(("rate", "share", "precision")) or column.startswith("ci_"):
        return "percent"
    if column.endswith("hours"):
        return "hours"
    if column in ("lift", "mean_score", "mean_risk_score"):
        return "ratio"
    if column.startswith("revenue"):
        return "amount"
    return "count"


def _gap(high: object, low: object) -> float | None:
    if high is None or low is None:
        return None
    return float(high) - float(low)  # type: ignore[arg-type]


def _ranked(result: KpiResult, key: str) -> list[str]:
    """Values of ``key``, the most weighty first (by hits, then controls, then declarations)."""
    weight = next((c for c in ("hits", "controls", "declarations") if c in result.columns), None)
    totals: dict[str, float] = {}
    for r in result.rows:
        totals[str(r[key])] = totals.get(str(r[key]), 0) + float(
            r.get(weight) or 0 if weight else 0
        )
    return sorted(totals, key=lambda k: -totals[k])


def panel_figure(
    result: KpiResult,
    measure: str,
    own: tuple[str, ...],
    *,
    height: int = 300,
    first: tuple[str, ...] = (),
) -> go.Figure | None:
    """The chart of a dashboard panel, or None for a single row (shown as figures) or no rows.

    With a breakdown, the breakdown is the x axis and the indicator's own key (channel, source,
    profile) draws one series each, ``first`` ones first; without, the own key is the x axis
    (and a second own key, as for seizures by goods and concealment, stacks).
    """
    x = result.by[0] if result.by else (own[0] if own else None)
    if not result.rows or x is None:
        return None
    fmt = column_format(measure)
    title = f"{result.title}: {measure.replace('_', ' ')}"
    y_title = {"hours": "hours", "amount": "amount"}.get(fmt, "")
    group = own[0] if result.by and own else (own[1] if not result.by and len(own) > 1 else None)
    if group is None:
        fig = bar(result, x, measure, title=title, y_title=y_title, percent=fmt == "percent",
                  height=height)  # fmt: skip
        if "ci_low" in result.columns:  # the interval of a rate estimated from a sample
            fig.update_traces(
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": [_gap(r.get("ci_high"), r.get(measure)) for r in result.rows],
                    "arrayminus": [_gap(r.get(measure), r.get("ci_low")) for r in result.rows],
                    "color": "#5b6877",
                }
            )
    else:
        stacked = result.name in ("channel_share", "seizures")
        kind = "bar" if stacked or x != "period" else "line"
        keep = [*first, *(k for k in _ranked(result, group) if k not in first)]
        fig = series(
            result, x, measure, group, title=title, y_title=y_title, kind=kind,
            percent=fmt == "percent", height=height, limit=6 if kind == "line" else 8, keep=keep,
        )  # fmt: skip
        if kind == "bar" and not stacked:
            fig.update_layout(barmode="group")
    fig.update_xaxes(type="category")  # periods and office codes are labels, not dates or numbers
    if x in ("period", "office"):
        fig.update_xaxes(categoryorder="category ascending")
    return fig


def threat_figure(threat: Threat, *, width: int | None = None, height: int = 240) -> go.Figure:
    """A segment's controls and hits per month, the recent window's months marked."""
    months = [str(m["month"]) for m in threat.monthly]
    start = (date.fromisoformat(threat.as_of) - timedelta(days=threat.window_days - 1)).strftime(
        "%Y-%m"
    )
    hits = "seizures" if threat.measure == "seizure" else "controls with a finding"
    recent = [m >= start for m in months]
    fig = go.Figure(
        [
            go.Bar(x=months, y=[m["controls"] for m in threat.monthly], name="controls",
                   marker_color="#b9c3cf"),
            go.Bar(x=months, y=[m["hits"] if not r else None
                                for m, r in zip(threat.monthly, recent, strict=True)],
                   name=f"{hits}, before", marker_color="#7f8c99"),
            go.Bar(x=months, y=[m["hits"] if r else None
                                for m, r in zip(threat.monthly, recent, strict=True)],
                   name=f"{hits}, last {threat.window_days} days", marker_color="#c62828"),
        ]
    )  # fmt: skip
    fig.update_layout(barmode="overlay")
    fig.update_xaxes(type="category")
    title = f"{threat.segment}: {hits} per month"
    return _layout(fig, title, width=width, height=height, y_title="controls")
