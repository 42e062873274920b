"""The KPI layer: performance indicators, threats and trends, reports and published views."""
