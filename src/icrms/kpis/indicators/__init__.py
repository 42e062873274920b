"""The indicators, one module per family (docs/kpis.md)."""
