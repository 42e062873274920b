"""Plotly figures of KPI results, shared by the dashboards and the printable reports."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from icrms.kpis.schemas import KpiResult

CHANNEL_COLOURS = {"green": "#2e7d32", "blue": "#1565c0", "yellow": "#f9a825", "red": "#c62828"}
PALETTE = ["#1f4e79", "#c55a11", "#548235", "#7030a0", "#bf9000", "#2f5597", "#843c0c"]


def _layout(
    fig: go.Figure, title: str, *, width: int | None, height: int, y_title: str
) -> go.Figure:
    fig.update_layout(
        title={"text": title, "font": {"size": 14}},
        width=width,
        height=height,
        margin={"l": 60, "r": 20, "t": 40, "b": 50},
        template="plotly_white",
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
