"""Import every domain's tables so that Base.metadata knows them (for Alembic)."""

from __future__ import annotations


def import_all() -> None:
    """Import the table modules of every domain."""
    import icrms.audit.tables
    import icrms.auth.tables
    import icrms.controls.tables
    import icrms.declarations.tables
    import icrms.exchange.tables
    import icrms.jobs.tables
    import icrms.profiles.tables
    import icrms.selectivity.tables  # noqa: F401
