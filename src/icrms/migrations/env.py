"""Alembic environment: the URL comes from the config the caller builds (core.db.migrate)."""

from __future__ import annotations

from alembic import context

from icrms.core.db import Base, make_engine
from icrms.core.tables import import_all

import_all()
config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    """Run migrations against a live connection."""
    url = config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url must be set"
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
