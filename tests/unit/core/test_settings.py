"""Warehouse settings read from the environment, and a bad value named."""

from __future__ import annotations

import pydantic
import pytest

from icrms.settings import Settings


def test_spark_driver_memory_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ICRMS_WAREHOUSE__SPARK_DRIVER_MEMORY", raising=False)
    assert Settings().warehouse.spark_driver_memory == "1g"
    monkeypatch.setenv("ICRMS_WAREHOUSE__SPARK_DRIVER_MEMORY", "4g")
    monkeypatch.setenv("ICRMS_WAREHOUSE__WARM_DASHBOARDS", "false")
    settings = Settings()
    assert settings.warehouse.spark_driver_memory == "4g"
    assert settings.warehouse.warm_dashboards is False


@pytest.mark.parametrize("value", ["lots", "4 g", "0g", "-1g"])
def test_a_bad_driver_memory_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("ICRMS_WAREHOUSE__SPARK_DRIVER_MEMORY", value)
    with pytest.raises(pydantic.ValidationError) as caught:
        Settings()
    assert "spark_driver_memory" in str(caught.value) and value in str(caught.value)
