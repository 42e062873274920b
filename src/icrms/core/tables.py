"""Import every domain's tables so that Base.metadata knows them (for Alembic)."""

from __future__ import annotations


def import_all() -> None:
    """Import the table modules of every domain."""
    import icrms.controls.tables
    import icrms.declarations.tables
    import icrms.exchange.tables
    import icrms.profiles.tables
    import icrms.selectivity.tables  # noqa: F401
