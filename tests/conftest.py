"""Shared fixtures: a fresh workspace per test, the store on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from icrms.core.db import Store
from icrms.settings import Settings, get_settings

# Every Spark test shares one session whose JVM runs outside UTC, so that code leaning on the
# JVM's default time zone would shift timestamps and fail.
# 2g: with every Spark test on one session, 768m ran into garbage-collection thrash (a broadcast
# waiting on block eviction for over ten minutes in one CI run).
JVM_TIME_ZONE = "Asia/Seoul"
SPARK_TEST_CONF = {
    "spark.driver.extraJavaOptions": f"-Duser.timezone={JVM_TIME_ZONE}",
    "spark.executor.extraJavaOptions": f"-Duser.timezone={JVM_TIME_ZONE}",
    "spark.driver.memory": "2g",
}

POSTGRES_URL = os.environ.get(
    "ICRMS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings pointing at an empty workspace folder."""
    monkeypatch.setenv("ICRMS_HOME", str(tmp_path / "ws"))
    for name in list(os.environ):
        if name.startswith("ICRMS_") and name != "ICRMS_HOME":
            monkeypatch.delenv(name)
    get_settings.cache_clear()
    settings = get_settings()
    settings.ensure_home()
    yield settings
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A throw-away PostgreSQL database for this test session (PostgreSQL must be running)."""
    name = f"icrms_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """The operational store, migrated, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    else:
        url = request.getfixturevalue("postgres_database")
        _reset(url)
    opened = Store(url)
    yield opened
    opened.dispose()


def _reset(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def spark_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """One local SparkSession for every Spark test (PySpark and Java must be installed)."""
    from icrms.warehouse.spark import build_session

    session = build_session(
        tmp_path_factory.mktemp("spark-sql-warehouse"), master="local[2]", conf=SPARK_TEST_CONF
    )
    yield session
    session.stop()
