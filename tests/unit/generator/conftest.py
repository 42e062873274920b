"""Generated files shared by the generator tests (each made once per session)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from icrms.generator import GenerateResult, generate

SEED = 20250101
PATTERN_DECLARATIONS = 30_000


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[GenerateResult, pa.Table]:
    """A native Parquet file large enough for the planted patterns to show, and its rows."""
    path = tmp_path_factory.mktemp("gen") / "sample.parquet"
    result = generate(PATTERN_DECLARATIONS, SEED, path)
    return result, pq.read_table(path)


@pytest.fixture(scope="session")
def small_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder for small generated files."""
    return tmp_path_factory.mktemp("small")
