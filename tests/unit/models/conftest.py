"""A small generated workspace with a trained, registered model (built once per session)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from icrms.generator import generate
from icrms.ingest.flows import ingest_file
from icrms.models import service
from icrms.settings import Settings
from icrms.warehouse.duckdb import DuckDBWarehouse


@dataclass
class Trained:
    settings: Settings
    version: str
    data: Path


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Trained]:
    """3 000 generated declarations ingested and a model trained on them."""
    home = tmp_path_factory.mktemp("models-ws")
    settings = Settings(home=home)
    data = home / "declarations.parquet"
    generate(declarations=3000, seed=3, out=data, fmt="native")
    with DuckDBWarehouse(settings.warehouse_path) as wh:
        ingest_file(wh, data, fmt="native", settings=settings)
        version = service.train(wh, settings, seed=0)
    yield Trained(settings, version, data)
