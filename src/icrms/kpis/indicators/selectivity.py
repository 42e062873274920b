"""Selectivity: how declarations are channelled and how controls are chosen."""

from __future__ import annotations

from icrms.kpis.indicator import Indicator, grouping
from icrms.kpis.sql import KpiDialect


def _channel_share(d: KpiDialect, by: dict[str, str]) -> str:
    select, group, _order = grouping(by)
    over = f"PARTITION BY {', '.join(by.values())}" if by else ""
    return f"""SELECT {select}channel, count(*) AS declarations,
        CAST(count(*) AS DOUBLE) / sum(count(*)) OVER ({over}) AS share
        FROM decl {group}{", " if group else "GROUP BY "}channel
        ORDER BY {", ".join([*by, "channel"])}"""


def _inspection_rate(d: KpiDialect, by: dict[str, str]) -> str:
    select, group, order = grouping(by)
    return f"""SELECT {select}count(*) AS declarations,
        sum(CASE WHEN channel IN ('yellow', 'red') THEN 1 ELSE 0 END) AS controlled_channels,
        sum(CASE WHEN channel = 'red' THEN 1 ELSE 0 END) AS physical,
        avg(CASE WHEN channel IN ('yellow', 'red') THEN 1 ELSE 0 END) AS inspection_rate,
        avg(CASE WHEN channel = 'red' THEN 1 ELSE 0 END) AS physical_rate
        FROM decl {group} {order}"""


def _discretionary(d: KpiDialect, by: dict[str, str]) -> str:
    select, group, order = grouping(by)
    return f"""SELECT {select}count(*) AS controls,
        sum(is_manual) AS discretionary, avg(CAST(is_manual AS DOUBLE)) AS discretionary_share
        FROM ctl {group} {order}"""


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "channel_share",
        "Declarations per channel",
        "selectivity",
        "share",
        "Share of declarations given each channel (green, blue, yellow, red).",
        "declarations in channel / declarations",
        "fact_declaration.channel",
        ("channel",),
        _channel_share,
        by=("period", "office"),
    ),
    Indicator(
        "inspection_rate",
        "Inspection rate",
        "selectivity",
        "share",
        "Share of declarations sent to a documentary check or a physical inspection "
        "(yellow or red); physical_rate counts red only.",
        "declarations in yellow or red / declarations",
        "fact_declaration.channel",
        (),
        _inspection_rate,
    ),
    Indicator(
        "discretionary_share",
        "Controls at an officer's discretion",
        "selectivity",
        "share",
        "Share of controls an officer chose (manual) rather than selectivity or a random draw.",
        "controls with selection manual / controls",
        "fact_control.selection",
        (),
        _discretionary,
    ),
)
