"""One settings object for icrms, read from the environment (prefix ``ICRMS_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WarehouseSettings(BaseModel):
    """Which warehouse backend holds the star schema."""

    type: Literal["duckdb", "spark"] = "duckdb"
    path: Path | None = None
    spark_master: str = "local[2]"


class IngestSettings(BaseModel):
    """File ingest tuning."""

    batch_rows: int = Field(250_000, gt=0)
    source_timezone: str = "UTC"
    kcs_timezone: str = "Asia/Seoul"


class Settings(BaseSettings):
    """icrms settings; nested sections use ``__``, e.g. ``ICRMS_WAREHOUSE__TYPE=spark``."""

    model_config = SettingsConfigDict(env_prefix="ICRMS_", env_nested_delimiter="__")

    home: Path = Field(default_factory=lambda: Path.cwd() / ".icrms")
    database_url: str | None = None
    demo: bool = False
    log_level: str = "WARNING"
    warehouse: WarehouseSettings = WarehouseSettings()
    ingest: IngestSettings = IngestSettings()

    @property
    def store_url(self) -> str:
        """SQLAlchemy URL of the operational store (SQLite file in the workspace by default)."""
        return self.database_url or f"sqlite:///{self.home / 'icrms.sqlite'}"

    @property
    def warehouse_path(self) -> Path:
        """Where the warehouse keeps its data."""
        if self.warehouse.path is not None:
            return self.warehouse.path
        name = "warehouse.duckdb" if self.warehouse.type == "duckdb" else "spark-warehouse"
        return self.home / name

    def ensure_home(self) -> Path:
        """Create the workspace folder if needed and return it."""
        self.home.mkdir(parents=True, exist_ok=True)
        return self.home


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cached; tests clear the cache)."""
    return Settings()
