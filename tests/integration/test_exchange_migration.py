"""The exchange tables as migrated are the tables the code declares (no drift between the two)."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from icrms.core.db import Base, Store
from icrms.core.tables import import_all


def test_migrations_create_the_exchange_tables_as_declared(tmp_path: Path) -> None:
    import_all()
    store = Store(f"sqlite:///{tmp_path / 'm.sqlite'}")
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    store.dispose()
    exchange = [d for d in diff if "exchange_" in repr(d)]
    assert exchange == []
    tables = {t for t in Base.metadata.tables if t.startswith("exchange_")}
    assert {"exchange_partner", "exchange_inbox_item", "exchange_outbox_object"} <= tables
