"""The named indicators: what each measures (docs/kpis.md) and the SQL that measures it.

Every indicator's SQL starts from :func:`icrms.kpis.sql.ctes` and may be broken down by period,
office or channel. Rates are fractions (0.12 = 12 %); times are hours. Each family has its
module in kpis/indicators/.
"""

from __future__ import annotations

from icrms.kpis.indicator import Indicator
from icrms.kpis.indicators import detection, profiles, rankings, revenue, selectivity, times

INDICATORS: dict[str, Indicator] = {
    i.name: i
    for family in (selectivity, detection, revenue, times, profiles, rankings)
    for i in family.INDICATORS
}

FAMILIES: dict[str, str] = {
    "selectivity": "Selectivity",
    "detection": "Detection",
    "revenue": "Revenue and seizures",
    "time": "Release and control times",
    "profiles": "Profiles and model",
    "rankings": "Rankings",
}
