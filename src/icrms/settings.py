"""One settings object for icrms, read from the environment (prefix ``ICRMS_``)."""

from __future__ import annotations

import os
import stat
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class WarehouseSettings(BaseModel):
    """Which warehouse backend holds the star schema."""

    type: Literal["duckdb", "spark"] = "duckdb"
    path: Path | None = None
    spark_master: str = "local[2]"
    # heap of the local Spark driver (JVM size syntax); it holds every row a load hands over
    # and every query answer, so about 4g is needed for a million item rows at once
    spark_driver_memory: str = Field(default="1g", pattern=r"^[1-9][0-9]*[kKmMgGtT]?$")
    # the web server computes the dashboard overview in the background after each change of the
    # warehouse, so a manager's first request finds it ready
    warm_dashboards: bool = True


class IngestSettings(BaseModel):
    """File ingest tuning."""

    # two DuckDB row groups (2 x 122,880 rows): a batch fills whole row groups, so a commit
    # does not leave a partly filled one for the next checkpoint to rewrite
    batch_rows: int = Field(default=245_760, gt=0)
    source_timezone: str = "UTC"
    kcs_timezone: str = "Asia/Seoul"

    @field_validator("source_timezone", "kcs_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        """A name from the IANA time zone database (it is used in SQL)."""
        try:
            if len(value) > 64:
                raise ValueError("too long")
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
            raise ValueError(
                f"{value[:60]!r} is not a time zone of the IANA database (e.g. Europe/Paris)"
            ) from exc
        return value


class ExchangeSettings(BaseModel):
    """This administration's place in the partner exchange (issue 11)."""

    # the administration's own code, as partners register it (e.g. ISO 3166 alpha-2 "KR")
    administration: str | None = Field(default=None, pattern=r"^[A-Z][A-Z0-9-]{1,15}$")
    name: str | None = None
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    bundle_days: int = Field(default=30, gt=0, le=3650)  # default validity of a sent bundle
    clock_skew_seconds: int = Field(default=300, ge=0)
    min_cell_size: int = Field(default=10, ge=1)  # smallest published aggregate cell


class Settings(BaseSettings):
    """icrms settings; nested sections use ``__``, e.g. ``ICRMS_WAREHOUSE__TYPE=spark``."""

    model_config = SettingsConfigDict(env_prefix="ICRMS_", env_nested_delimiter="__")

    home: Path = Field(default_factory=lambda: Path.cwd() / ".icrms")
    database_url: str | None = None
    demo: bool = False
    policy_secret: SecretStr | None = None
    log_level: str = "WARNING"
    warehouse: WarehouseSettings = WarehouseSettings()
    ingest: IngestSettings = IngestSettings()
    exchange: ExchangeSettings = ExchangeSettings()

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

    @property
    def policy_secret_file(self) -> Path:
        """Where the workspace keeps its selectivity policy secret (0600), if it has one."""
        return self.home / "keys" / "policy.secret"

    def selectivity_secret(self) -> bytes:
        """Key of the random-control draw: ICRMS_POLICY_SECRET, else the workspace's key file.

        There is no default: ``icrms demo`` (demo mode) creates a random key file.
        """
        if self.policy_secret is not None:
            return self.policy_secret.get_secret_value().encode()
        from icrms.errors import ConfigurationError

        path = self.policy_secret_file
        if path.is_file():
            mode = stat.S_IMODE(path.stat().st_mode)
            if mode & 0o077:
                raise ConfigurationError(
                    f"policy key {path} is readable by other users (mode {mode:o}); chmod 600 it"
                )
            return path.read_text(encoding="utf-8").strip().encode()
        if self.demo:
            import secrets

            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(secrets.token_hex(32))
            return self.selectivity_secret()
        raise ConfigurationError(
            f"no selectivity policy secret: set ICRMS_POLICY_SECRET or write one to {self.policy_secret_file}"
        )

    def ensure_home(self) -> Path:
        """Create the workspace folder if needed (0700: the owner's only) and return it."""
        self.home.mkdir(mode=0o700, parents=True, exist_ok=True)
        return self.home


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cached; tests clear the cache)."""
    return Settings()
